/**
 * The contract every {@linkcode Store} keeps, as one suite run against each implementation.
 * @module
 */

import assert from "node:assert/strict";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { emptyState } from "../../../auction/state.ts";
import type { Store } from "../../../server/store/store.ts";

/** Opens stores over one backing (a folder, a list of events); each `open()` is a restart. */
export interface StoreBacking {
  /** A new store over the backing, as after a restart. */
  open(): Store;
  /** Frees the backing. */
  dispose(): Promise<void>;
}

/** A user_registered event for user `index`. */
export function userEvent(index: number): AuctionEvent {
  return {
    type: "user_registered",
    atMs: 1_000 + index,
    name: `User${index}`,
    role: index % 2 === 0 ? "buyer" : "seller",
    declaredIp: "127.0.0.1",
    udpPort: 20_000 + index,
    tcpPort: 30_000 + index,
    session: { hostname: "127.0.0.1", port: 20_000 + index },
  };
}

/** Applies `events` to the live state of `store` and appends them, as the core does. */
function commit(store: Store, state: ReturnType<typeof emptyState>, events: AuctionEvent[]) {
  for (const event of events) applyEvent(state, event);
  return store.append(events);
}

/** Registers the contract tests for the stores `makeBacking` gives. */
export function storeContract(name: string, makeBacking: () => Promise<StoreBacking>): void {
  const test = (title: string, body: (backing: StoreBacking) => Promise<void>) =>
    Deno.test(`${name}: ${title}`, async () => {
      const backing = await makeBacking();
      try {
        await body(backing);
      } finally {
        await backing.dispose();
      }
    });

  test("a new store loads an empty state", async (backing) => {
    const store = backing.open();
    assert.deepEqual(await store.load(), emptyState());
    await store.close();
  });

  test("a reopened store loads the state its appends made", async (backing) => {
    const store = backing.open();
    const state = await store.load();
    await commit(store, state, [userEvent(1), userEvent(2)]);
    await commit(store, state, [userEvent(3)]);
    await store.close();
    const reopened = backing.open();
    assert.deepEqual(await reopened.load(), state);
    await reopened.close();
  });

  test("appends resolve in the order they were made", async (backing) => {
    const store = backing.open();
    const state = await store.load();
    const order: number[] = [];
    const appends = Array.from(
      { length: 50 },
      (_, i) => commit(store, state, [userEvent(i)]).then(() => order.push(i)),
    );
    await Promise.all(appends);
    assert.deepEqual(order, Array.from({ length: 50 }, (_, i) => i));
    await store.close();
  });

  test("flush() resolves only after every earlier append is durable", async (backing) => {
    const store = backing.open();
    const state = await store.load();
    let appended = false;
    commit(store, state, [userEvent(1)]).then(() => appended = true);
    await store.flush();
    assert.ok(appended);
    await store.close();
  });

  test("lastSeq numbers each appended event at once, and continues after a reopen", async (backing) => {
    const store = backing.open();
    const state = await store.load();
    assert.equal(store.lastSeq, 0);
    const first = commit(store, state, [userEvent(1), userEvent(2)]);
    assert.equal(store.lastSeq, 2, "numbered synchronously, before it is durable");
    await Promise.all([first, commit(store, state, [userEvent(3)])]);
    assert.equal(store.lastSeq, 3);
    await store.close();
    const reopened = backing.open();
    await reopened.load();
    assert.equal(reopened.lastSeq, 3);
    await reopened.close();
  });

  test("restarts keep appending after what was recovered", async (backing) => {
    let expected = emptyState();
    for (let round = 0; round < 4; round++) {
      const store = backing.open();
      const state = await store.load();
      assert.deepEqual(state, expected, `after restart ${round}`);
      await commit(store, state, [userEvent(2 * round), userEvent(2 * round + 1)]);
      await store.close();
      expected = state;
    }
  });
}
