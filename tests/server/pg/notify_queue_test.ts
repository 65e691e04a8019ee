/**
 * The queue behind the node link (`server/pg/notify_queue.ts`), with a fake `pg_notify`: what
 * it holds while the database does not answer, and that it drops the rest.
 * @module
 */

import assert from "node:assert/strict";
import { NotifyQueue } from "../../../server/pg/notify_queue.ts";
import { pure } from "../../_support/pure.ts";

/** A fake `pg_notify` that records every item sent, by channel, and can be held. */
class FakeNotify {
  readonly sent: string[] = [];
  #held: PromiseWithResolvers<void> | null = null;
  #calls = 0;
  #called = Promise.withResolvers<void>();

  /** Holds every notification from now on, as a database that does not answer. */
  hold(): void {
    this.#held = Promise.withResolvers();
  }

  /** Lets the held notifications (and later ones) commit. */
  release(): void {
    this.#held?.resolve();
    this.#held = null;
  }

  /** Resolves once `pg_notify` was called `count` times in all. */
  async called(count: number): Promise<void> {
    while (this.#calls < count) await this.#called.promise;
  }

  readonly notify = async (channel: string, payload: string): Promise<void> => {
    for (const item of JSON.parse(payload) as unknown[][]) this.sent.push(`${channel} ${item[0]}`);
    this.#calls++;
    this.#called.resolve();
    this.#called = Promise.withResolvers();
    await this.#held?.promise;
  };
}

Deno.test(
  "NotifyQueue holds at most 10,000 items by default and drops the ones after",
  pure,
  async () => {
    const database = new FakeNotify();
    const queue = new NotifyQueue(database.notify);
    for (let index = 0; index < 10_005; index++) queue.push("auction_inbox", [index]);
    await queue.drained();
    assert.equal(database.sent.length, 10_000);
    assert.equal(database.sent.at(-1), "auction_inbox 9999");
  },
);

Deno.test(
  "NotifyQueue holds maxQueued items while a send waits for the database, across channels, " +
    "and takes new ones once that send has taken them",
  pure,
  async () => {
    const database = new FakeNotify();
    const queue = new NotifyQueue(database.notify, { maxQueued: 3 });
    database.hold();
    queue.push("a", ["first"]);
    await database.called(1);
    // The send in flight holds "first"; three more wait for it, in two channels; the rest drop.
    for (
      const [channel, name] of [["a", "x1"], ["b", "y1"], ["a", "x2"], ["b", "y2"], ["a", "x3"]]
    ) {
      queue.push(channel!, [name]);
    }
    database.release();
    await database.called(3);
    queue.push("b", ["after"]);
    await queue.drained();
    assert.deepEqual(database.sent, ["a first", "a x1", "a x2", "b y1", "b after"]);
  },
);

Deno.test(
  "NotifyQueue drops the items that waited longer than maxAgeMs behind a stalled send, " +
    "counting them, and sends the younger ones",
  pure,
  async () => {
    const database = new FakeNotify();
    let nowMs = 0;
    const queue = new NotifyQueue(database.notify, { maxAgeMs: 1_500, now: () => nowMs });
    database.hold();
    queue.push("a", ["first"]);
    await database.called(1);
    // The link stalls with "first" in flight; a client's request and its retransmission wait.
    queue.push("a", ["login"]);
    nowMs = 1_200;
    queue.push("a", ["login again"]);
    nowMs = 2_000;
    queue.push("b", ["bid"]);
    nowMs = 2_800;
    database.release();
    await queue.drained();
    assert.deepEqual(database.sent, ["a first", "b bid"]);
    assert.equal(queue.expired, 2);
  },
);
