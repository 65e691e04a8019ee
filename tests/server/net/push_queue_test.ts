import assert from "node:assert/strict";
import { PushQueue } from "../../../server/net/push_queue.ts";
import { pure } from "../../_support/pure.ts";

/** A push queue over a fake socket whose sends finish only when the test says, and fake turns. */
function fakeQueue(options: { window?: number; maxWaitingForAnnounce?: number } = {}) {
  const sent: string[] = [];
  let inSocket = 0;
  let dropped = 0;
  const turn = { requested: 0, closed: false, run: () => {} };
  const queue = new PushQueue({
    send: (_to, line) => {
      sent.push(line);
      inSocket++;
    },
    inSocket: () => inSocket,
    window: options.window ?? 2,
    maxWaitingForAnnounce: options.maxWaitingForAnnounce,
    onDropAnnounce: () => dropped++,
    turns: (run) => {
      turn.run = run;
      return {
        request: () => turn.requested++,
        close: () => turn.closed = true,
      };
    },
  });
  const to = { hostname: "127.0.0.1", port: 9 };
  return {
    queue,
    sent,
    turn,
    dropped: () => dropped,
    push: (line: string, type = "BID_UPDATE") => queue.push(to, line, type),
    /** Every send handed over so far finishes. */
    finishSends: () => inSocket = 0,
  };
}

Deno.test("a push goes to the socket at once while it has room and nothing waits", pure, () => {
  const fake = fakeQueue({ window: 2 });
  assert.equal(fake.push("a"), true);
  assert.equal(fake.push("b"), true);
  assert.deepEqual(fake.sent, ["a", "b"]);
  assert.equal(fake.turn.requested, 0, "no turn needed");
  assert.equal(fake.push("c"), true, "queued, not refused");
  assert.deepEqual(fake.sent, ["a", "b"], "the window is full: c waits");
  assert.equal(fake.queue.waiting, 1);
  assert.equal(fake.turn.requested, 1, "a later turn is asked for");
});

Deno.test("waiting pushes go a window per turn, oldest first, new ones behind them", pure, () => {
  const fake = fakeQueue({ window: 2 });
  for (const line of ["a", "b", "c", "d", "e"]) fake.push(line);
  assert.deepEqual(fake.sent, ["a", "b"]);
  fake.finishSends();
  assert.equal(fake.push("f"), true);
  assert.deepEqual(fake.sent, ["a", "b"], "f waits behind c, d and e although the socket has room");
  fake.turn.run();
  assert.deepEqual(fake.sent, ["a", "b", "c", "d"], "one window a turn");
  assert.ok(fake.turn.requested >= 2, "and another turn for the rest");
  fake.finishSends();
  fake.turn.run();
  fake.finishSends();
  fake.turn.run();
  assert.deepEqual(fake.sent, ["a", "b", "c", "d", "e", "f"]);
  assert.equal(fake.queue.waiting, 0);
});

Deno.test("a turn sends only what the socket has room for", pure, () => {
  const fake = fakeQueue({ window: 2 });
  for (const line of ["a", "b", "c"]) fake.push(line);
  const requested = fake.turn.requested;
  fake.turn.run();
  assert.deepEqual(fake.sent, ["a", "b"], "a and b have not finished: nothing more goes");
  assert.equal(fake.turn.requested, requested + 1, "c waits for a later turn");
  fake.finishSends();
  fake.turn.run();
  assert.deepEqual(fake.sent, ["a", "b", "c"]);
});

Deno.test(
  "an announcement is dropped past the bound of waiting pushes, never another push",
  pure,
  () => {
    const fake = fakeQueue({ window: 1, maxWaitingForAnnounce: 2 });
    const results = [1, 2, 3, 4].map((rq) =>
      fake.push(`AUCTION_ANNOUNCE ${rq}`, "AUCTION_ANNOUNCE")
    );
    assert.deepEqual(
      results,
      [true, true, true, false],
      "one sent, two waiting, the fourth dropped",
    );
    assert.equal(fake.dropped(), 1);
    assert.equal(fake.push("BID_UPDATE 5"), true, "other pushes are never dropped");
    assert.equal(fake.push("NEGOTIATE_REQ 6", "NEGOTIATE_REQ"), true);
    assert.equal(fake.queue.waiting, 4);
    for (let turn = 0; turn < 4; turn++) {
      fake.finishSends();
      fake.turn.run();
    }
    assert.deepEqual(fake.sent, [
      "AUCTION_ANNOUNCE 1",
      "AUCTION_ANNOUNCE 2",
      "AUCTION_ANNOUNCE 3",
      "BID_UPDATE 5",
      "NEGOTIATE_REQ 6",
    ]);
    assert.equal(fake.push("AUCTION_ANNOUNCE 7", "AUCTION_ANNOUNCE"), true, "room again");
  },
);

Deno.test("room() waits while more than a window of pushes waits", pure, async () => {
  const fake = fakeQueue({ window: 2 });
  assert.equal(fake.queue.room(), undefined, "nothing waits");
  for (let index = 0; index < 7; index++) fake.push(`p${index}`);
  assert.equal(fake.queue.waiting, 5);
  let released = false;
  const room = fake.queue.room();
  assert.ok(room);
  assert.equal(fake.queue.room(), room, "one promise for every waiter");
  room.then(() => released = true);
  fake.finishSends();
  fake.turn.run();
  await Promise.resolve();
  assert.equal(released, false, "3 still wait, more than a window");
  fake.finishSends();
  fake.turn.run();
  await Promise.resolve();
  assert.equal(fake.queue.waiting, 1);
  assert.equal(released, true);
  assert.equal(fake.queue.room(), undefined);
});

Deno.test("closing drops what waits, releases room() and refuses later pushes", pure, async () => {
  const fake = fakeQueue({ window: 1 });
  for (const line of ["a", "b", "c", "d"]) fake.push(line);
  const room = fake.queue.room();
  assert.ok(room);
  assert.equal(fake.queue.close(), 3, "three were waiting");
  await room;
  assert.equal(fake.turn.closed, true);
  assert.equal(fake.push("e"), false);
  fake.finishSends();
  fake.turn.run();
  assert.deepEqual(fake.sent, ["a"]);
});
