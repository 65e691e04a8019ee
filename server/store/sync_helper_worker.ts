/**
 * The helper thread of {@linkcode SyncHelper} (`sync_helper.ts`): waits for a request in the
 * shared memory, `fdatasync`s the file it names, answers, then polls for the next request for
 * `pollUs` microseconds before it sleeps on the request slot.
 * @module
 */

import { SLOT, TEXT_BYTES, TEXT_OFFSET } from "./sync_helper.ts";

interface WorkerScope {
  onmessage: ((event: MessageEvent<SharedArrayBuffer>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const UTF8 = new TextEncoder();

scope.onmessage = ({ data: shared }) => {
  scope.onmessage = null;
  serve(
    new Int32Array(shared, 0, TEXT_OFFSET / 4),
    new Uint8Array(shared, TEXT_OFFSET, TEXT_BYTES),
  );
};

function serve(slots: Int32Array, text: Uint8Array): void {
  const pollMs = Atomics.load(slots, SLOT.pollUs) / 1000;
  let file: Deno.FsFile | null = null;
  let generation = 0;
  Atomics.store(slots, SLOT.ready, 1);
  for (;;) {
    const untilMs = performance.now() + pollMs;
    for (let spins = 1; Atomics.load(slots, SLOT.request) === 0; spins++) {
      if ((spins & 63) === 0 && performance.now() >= untilMs) break;
    }
    while (Atomics.load(slots, SLOT.request) === 0) Atomics.wait(slots, SLOT.request, 0);
    if (Atomics.load(slots, SLOT.stop) === 1) break;
    Atomics.store(slots, SLOT.request, 0);
    let opened = 0;
    try {
      if (Atomics.load(slots, SLOT.pathGeneration) !== generation) {
        file?.close();
        file = null;
        const length = Atomics.load(slots, SLOT.pathLength);
        // No path: a release (`SyncHelper.release`), the file closed and nothing to sync.
        if (length > 0) {
          file = Deno.openSync(new TextDecoder().decode(text.slice(0, length)), { read: true });
          opened = 1;
        }
        generation = Atomics.load(slots, SLOT.pathGeneration);
      }
      if (file) {
        file.syncDataSync();
        Atomics.add(slots, SLOT.syncs, 1);
      }
      Atomics.store(slots, SLOT.opened, opened);
      Atomics.store(slots, SLOT.done, 1);
    } catch (error) {
      // The file is dropped: the next request names it again and it is opened anew.
      try {
        file?.close();
      } catch {
        // Closing a descriptor whose sync failed: nothing more to report.
      }
      file = null;
      generation = 0;
      const message = UTF8.encode(error instanceof Error ? error.message : String(error));
      const length = Math.min(message.length, TEXT_BYTES);
      text.set(message.subarray(0, length));
      Atomics.store(slots, SLOT.messageLength, length);
      Atomics.store(slots, SLOT.done, 2);
    }
    Atomics.notify(slots, SLOT.done);
  }
  file?.close();
}
