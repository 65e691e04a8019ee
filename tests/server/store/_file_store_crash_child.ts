/**
 * Run by `file_store_test.ts` as a process of its own: appends 30 events to a FileStore in the
 * folder named by its first argument (a snapshot every 7, so one is usually being written), waits
 * for every acknowledgement, then kills itself with SIGKILL at once: whatever was not written
 * when the appends were acknowledged never will be.
 * @module
 */

import { applyEvent } from "../../../auction/apply.ts";
import { FileStore } from "../../../server/store/file_store.ts";
import { userEvent } from "./_store_contract.ts";

/** How many events the child appends (one append each). */
export const CRASH_CHILD_EVENTS = 30;

if (import.meta.main) {
  const store = new FileStore(Deno.args[0]!, { snapshotEveryEvents: 7 });
  const state = await store.load();
  // As the core does: apply to the live state (which snapshots write), then append.
  await Promise.all(Array.from({ length: CRASH_CHILD_EVENTS }, (_, i) => {
    applyEvent(state, userEvent(i));
    return store.append([userEvent(i)]);
  }));
  Deno.kill(Deno.pid, "SIGKILL");
}
