/**
 * A repeated request is answered from the reply cache only once what that reply says is
 * durable: the cached reply is in the state as soon as the first copy is applied, before its
 * events reach the store, and a store that then fails must not have it resent (an acknowledged
 * bid that no store holds).
 */
import assert from "node:assert/strict";
import type { AuctionEvent } from "../../../auction/events.ts";
import { MemoryStore } from "../../../server/store/store.ts";
import { createHarness, type Harness, peer } from "../../_support/harness.ts";

/** A memory store whose appends and flushes wait for `release` (or fail with `fail`) once gated. */
class GatedStore extends MemoryStore {
  #gate: PromiseWithResolvers<void> | null = null;

  /** From now on, appends and flushes wait for {@linkcode release} or {@linkcode fail}. */
  hold(): void {
    this.#gate = Promise.withResolvers<void>();
    // Settled by the test: nobody need wait for a rejection the core reports itself.
    this.#gate.promise.catch(() => {});
  }

  fail(error: Error): void {
    this.#gate?.reject(error);
  }

  release(): void {
    this.#gate?.resolve();
    this.#gate = null;
  }

  override append(events: readonly AuctionEvent[]): Promise<void> {
    void super.append(events);
    return this.#gate?.promise ?? Promise.resolve();
  }

  override flush(): Promise<void> {
    return this.#gate?.promise ?? Promise.resolve();
  }
}

const BID = "BID 7 Kite 50.00";

/** A seller with Kite open and a subscribed buyer on port 40001, over `store`. */
async function auction(store: GatedStore): Promise<Harness> {
  const harness = await createHarness({
    store,
    config: { durationUnit: "s" },
  });
  // The core's own reaction to a failed store (the server stops) is the test's to watch.
  assert.equal(
    await harness.request("REGISTER 1 sam seller 127.0.0.1 9 9", 40000),
    "REGISTERED 1",
  );
  assert.match((await harness.request("LIST_ITEM 2 Kite red 5.00 60", 40000))!, /^ITEM_LISTED 2/);
  assert.equal(
    await harness.request("REGISTER 1 bob buyer 127.0.0.1 9 9", 40001),
    "REGISTERED 1",
  );
  return harness;
}

/** Dispatches `line` from 127.0.0.1:40001; resolves to every line sent back (none if it threw). */
async function send(harness: Harness, line: string): Promise<string[]> {
  const replies: string[] = [];
  await harness.dispatcher.dispatch(new TextEncoder().encode(line), peer(40001), (text) => {
    replies.push(text);
  }).catch(() => {});
  return replies;
}

Deno.test("a repeat waiting behind a first copy whose store write fails gets no reply", async () => {
  const store = new GatedStore();
  const harness = await auction(store);
  store.hold();
  const first = send(harness, BID);
  const repeat = send(harness, BID);
  store.fail(new Error("disk gone"));
  assert.deepEqual(await first, []);
  assert.deepEqual(await repeat, [], "BID_ACCEPTED for a bid no store holds");
  assert.equal(harness.outbox.sent.length, 0, "no BID_UPDATE either");
});

Deno.test("a repeat is answered from the cache only once the store has it, never after a failure", async () => {
  const store = new GatedStore();
  const harness = await auction(store);
  // Durable: a repeat gets the first reply again.
  assert.deepEqual(await send(harness, BID), ["BID_ACCEPTED 7"]);
  assert.deepEqual(await send(harness, BID), ["BID_ACCEPTED 7"]);
  // A later bid applied while the store waits, then the store fails: a repeat of the durable
  // one is not answered either (the server is stopping; what it says might not be on disk).
  store.hold();
  const later = send(harness, "BID 8 Kite 60.00");
  const repeat = send(harness, BID);
  store.fail(new Error("disk gone"));
  assert.deepEqual(await later, []);
  assert.deepEqual(await repeat, []);
});

Deno.test("a repeat waits for the store, then gets the first reply", async () => {
  const store = new GatedStore();
  const harness = await auction(store);
  store.hold();
  const first = send(harness, BID);
  const repeat = send(harness, BID);
  let answered = false;
  void repeat.then(() => answered = true);
  await Promise.resolve();
  assert.equal(answered, false);
  store.release();
  assert.deepEqual(await first, ["BID_ACCEPTED 7"]);
  assert.deepEqual(await repeat, ["BID_ACCEPTED 7"]);
});
