import assert from "node:assert/strict";
import { pure } from "../_support/pure.ts";
import { message } from "../../protocol/mod.ts";
import { RequestEngine, type RequestOutcome } from "../../client/requests.ts";
import { FakeTimers } from "../_support/fake_timers.ts";

function setUp(options: { random?: number } = {}) {
  const timers = new FakeTimers();
  const sent: { atMs: number; line: string }[] = [];
  const warnings: string[] = [];
  const engine = new RequestEngine({
    send: (line) => sent.push({ atMs: timers.nowMs(), line }),
    timers,
    random: () => options.random ?? 0,
    firstRq: 7,
    logger: {
      debug: () => {},
      info: () => {},
      warn: (text) => warnings.push(text),
      error: () => {},
    },
  });
  const start = timers.nowMs();
  return { timers, sent, warnings, engine, start };
}

/** A function that returns the outcome once settled (a call, so TypeScript never narrows it). */
function settled(promise: Promise<RequestOutcome>): () => RequestOutcome | undefined {
  let value: RequestOutcome | undefined;
  promise.then((outcome) => value = outcome);
  return () => value;
}

const bid = (rq: number) => message("BID", rq, { item: "Kite", amount: 2500 });

Deno.test(
  "RequestEngine sends a request once and settles it on the reply with its RQ#",
  pure,
  async () => {
    const { engine, sent, timers } = setUp();
    const outcome = engine.request(bid);
    assert.deepEqual(sent.map((entry) => entry.line), ["BID 7 Kite 25.00"]);
    assert.equal(engine.receive(message("BID_ACCEPTED", 7, {})), true);
    const result = await outcome;
    assert.equal(result.status, "replied");
    assert.equal(result.status === "replied" && result.reply.type, "BID_ACCEPTED");
    assert.equal(result.attempts, 1);
    timers.advance(60_000);
    assert.equal(sent.length, 1);
    assert.equal(timers.pendingCount, 0);
  },
);

Deno.test(
  "RequestEngine retransmits the same bytes after 1 s, then 2, 4 and 8 s, at most 4 times",
  pure,
  async () => {
    const { engine, sent, timers, start, warnings } = setUp({ random: 0 });
    const outcome = settled(engine.request(bid));
    timers.advance(100_000);
    await Promise.resolve();
    assert.deepEqual(sent.map((entry) => entry.atMs - start), [0, 1000, 3000, 7000, 15000]);
    assert.ok(sent.every((entry) => entry.line === "BID 7 Kite 25.00"));
    assert.equal(outcome()?.status, "timeout");
    assert.equal(outcome()?.attempts, 5);
    assert.deepEqual(warnings, [], "the timeout is the caller's to tell, not a warning as well");
  },
);

Deno.test(
  "RequestEngine gives up 16 times the first delay after the last retransmission",
  pure,
  async () => {
    const { engine, timers } = setUp({ random: 0 });
    const outcome = settled(engine.request(bid));
    timers.advance(30_999);
    await Promise.resolve();
    assert.equal(outcome(), undefined);
    timers.advance(1);
    await Promise.resolve();
    assert.equal(outcome()?.status, "timeout");
  },
);

Deno.test(
  "RequestEngine draws the first delay between 1 and 1.5 s and doubles it",
  pure,
  async (t) => {
    for (const [random, firstMs] of [[0, 1000], [0.5, 1250], [0.999, 1499.5]] as const) {
      await t.step(`random ${random}`, () => {
        const { engine, sent, timers, start } = setUp({ random });
        engine.request(bid);
        timers.advance(firstMs * 3);
        assert.deepEqual(sent.map((entry) => entry.atMs - start), [0, firstMs, firstMs * 3]);
        engine.cancelAll();
      });
    }
  },
);

Deno.test("RequestEngine stops retransmitting once the reply arrives", pure, () => {
  const { engine, sent, timers } = setUp();
  engine.request(bid);
  timers.advance(1000);
  assert.equal(sent.length, 2);
  engine.receive(message("BID_REJECTED", 7, { reason: "Bid too low" }));
  timers.advance(60_000);
  assert.equal(sent.length, 2);
});

Deno.test("RequestEngine logs and ignores a reply with an RQ# it did not send", pure, async () => {
  const { engine, warnings } = setUp();
  const outcome = settled(engine.request(bid));
  assert.equal(engine.receive(message("BID_ACCEPTED", 99, {})), false);
  await Promise.resolve();
  assert.equal(outcome(), undefined);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /RQ#/);
});

Deno.test(
  "RequestEngine ignores a second reply to an answered request without a warning",
  pure,
  async () => {
    const { engine, warnings } = setUp();
    const outcome = engine.request(bid);
    assert.equal(engine.receive(message("BID_ACCEPTED", 7, {})), true);
    await outcome;
    // The reply to a retransmitted copy, arriving after the first one.
    assert.equal(engine.receive(message("BID_ACCEPTED", 7, {})), false);
    assert.deepEqual(warnings, []);
  },
);

Deno.test(
  "RequestEngine matches replies by RQ# when several requests are pending",
  pure,
  async () => {
    const { engine } = setUp();
    const first = engine.request(bid);
    const second = engine.request((rq) => message("SUBSCRIBE", rq, { item: "Kite" }));
    engine.receive(message("SUBSCRIBED", 8, {}));
    engine.receive(message("BID_REJECTED", 7, { reason: "Bid too low" }));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.status === "replied" && a.reply.type, "BID_REJECTED");
    assert.equal(b.status === "replied" && b.reply.type, "SUBSCRIBED");
  },
);

Deno.test(
  "RequestEngine lets a push settle a request through settleBy (ACCEPT by PRICE_ADJUSTMENT)",
  pure,
  async () => {
    const { engine } = setUp();
    const outcome = engine.request(
      (rq) => message("ACCEPT", rq, { item: "Kite", newPrice: 1500 }),
      {
        settleBy: (received) => received.type === "PRICE_ADJUSTMENT" && received.item === "Kite",
      },
    );
    assert.equal(
      engine.receive(message("PRICE_ADJUSTMENT", 900, { item: "Other", newPrice: 1, timeLeft: 9 })),
      false,
    );
    engine.receive(message("PRICE_ADJUSTMENT", 901, { item: "Kite", newPrice: 1500, timeLeft: 9 }));
    const result = await outcome;
    assert.equal(result.status === "replied" && result.reply.type, "PRICE_ADJUSTMENT");
  },
);

Deno.test(
  "RequestEngine settles a request without a success reply as sent after the first delay",
  pure,
  async (t) => {
    await t.step("no refusal: sent, not retransmitted", async () => {
      const { engine, sent, timers } = setUp();
      const outcome = settled(
        engine.request((rq) => message("DE-SUBSCRIBE", rq, { item: "Kite" })),
      );
      timers.advance(60_000);
      await Promise.resolve();
      assert.equal(outcome()?.status, "sent");
      assert.equal(sent.length, 1);
    });
    await t.step("a refusal in time settles it as replied", async () => {
      const { engine } = setUp();
      const outcome = engine.request((rq) =>
        message("REFUSE", rq, { item: "Kite", decision: "REJECT" })
      );
      engine.receive(message("DENIED", 7, { reason: "No negotiation is outstanding" }));
      const result = await outcome;
      assert.equal(result.status === "replied" && result.reply.type, "DENIED");
    });
    await t.step("a refusal that asks to try again: sent again, and done only then", async () => {
      const { engine, sent, timers } = setUp();
      const outcome = settled(
        engine.request((rq) => message("REFUSE", rq, { item: "Kite", decision: "REJECT" })),
      );
      engine.receive(message("DENIED", 7, { reason: "Rate limit exceeded: slow down" }));
      timers.advance(1000);
      await Promise.resolve();
      assert.equal(outcome(), undefined, "not done: the server did not do it");
      assert.equal(sent.length, 2, "sent again");
      timers.advance(2000);
      await Promise.resolve();
      assert.equal(outcome()?.status, "sent", "no refusal to the second try: done");
    });
  },
);

Deno.test("RequestEngine gives every request a new RQ#", pure, () => {
  const { engine, sent } = setUp();
  engine.request(bid);
  engine.request(bid);
  assert.deepEqual(sent.map((entry) => entry.line.split(" ")[1]), ["7", "8"]);
  engine.cancelAll();
});

Deno.test(
  "RequestEngine keeps retransmitting after 'Server busy', and settles on the reply that follows",
  pure,
  async () => {
    const { engine, sent, timers } = setUp();
    const outcome = settled(engine.request(bid));
    const busy = message("BID_REJECTED", 7, { reason: "Server busy: try again" });
    assert.equal(engine.receive(busy), false, "the refusal settles nothing: not an answer to show");
    await Promise.resolve();
    assert.equal(outcome(), undefined, "a busy server is asked again");
    timers.advance(1000);
    assert.equal(sent.length, 2, "the scheduled retransmission goes out");
    assert.equal(sent[1]!.line, sent[0]!.line);
    assert.equal(engine.receive(message("BID_ACCEPTED", 7, {})), true);
    await Promise.resolve();
    assert.equal(outcome()?.status, "replied");
  },
);

Deno.test(
  "RequestEngine gives the last 'Server busy' as the answer once retries are spent",
  pure,
  async () => {
    const { engine, timers } = setUp();
    const outcome = settled(engine.request(bid));
    // The four retransmissions, 1 s apart and doubling (random 0); the last wait has begun.
    for (const waitMs of [1000, 2000, 4000, 8000]) timers.advance(waitMs);
    const busy = message("BID_REJECTED", 7, { reason: "Server busy: try again" });
    assert.equal(engine.receive(busy), true, "the last refusal is the answer");
    await Promise.resolve();
    const result = outcome();
    assert.equal(result?.status, "replied");
    assert.equal(result?.status === "replied" && result.reply.type, "BID_REJECTED");
  },
);
