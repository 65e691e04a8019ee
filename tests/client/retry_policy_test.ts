import assert from "node:assert/strict";
import { pure } from "../_support/pure.ts";
import { message } from "../../protocol/mod.ts";
import { type RequestTries, RetryPolicy } from "../../client/retry_policy.ts";

/** A request sent `attempts` times at one node, nothing else special. */
function tries(attempts: number, more: Partial<RequestTries> = {}): RequestTries {
  return {
    attempts,
    triesHere: attempts,
    moves: 0,
    pinned: false,
    expectsNoReply: false,
    ...more,
  };
}

Deno.test(
  "RetryPolicy waits 1 to 1.5 times initialDelayMs first, then twice the last",
  pure,
  async (t) => {
    await t.step("the random source sets the first delay", () => {
      assert.equal(new RetryPolicy({ random: () => 0 }).firstDelayMs(), 1000);
      assert.equal(new RetryPolicy({ random: () => 0.5 }).firstDelayMs(), 1250);
      assert.equal(new RetryPolicy({ random: () => 0, initialDelayMs: 40 }).firstDelayMs(), 40);
    });
    await t.step("each next delay doubles", () => {
      assert.equal(new RetryPolicy().nextDelayMs(1250), 2500);
    });
  },
);

Deno.test(
  "RetryPolicy on one node retransmits maxRetransmissions times, then gives up",
  pure,
  () => {
    const policy = new RetryPolicy({ maxRetransmissions: 4 });
    for (let attempts = 1; attempts <= 4; attempts++) {
      assert.equal(policy.whenDelayPasses(tries(attempts)), "retransmit", `after ${attempts}`);
    }
    assert.equal(policy.whenDelayPasses(tries(5)), "timeout");
  },
);

Deno.test("RetryPolicy settles a request with no reply as sent unless told to retry", pure, () => {
  const policy = new RetryPolicy();
  assert.equal(policy.whenDelayPasses(tries(1, { expectsNoReply: true })), "sent");
  assert.equal(
    policy.whenDelayPasses(tries(1, { expectsNoReply: true, toldToRetry: true })),
    "retransmit",
  );
  assert.equal(
    policy.whenDelayPasses(tries(5, { expectsNoReply: true, toldToRetry: true })),
    "timeout",
  );
});

Deno.test("RetryPolicy with failover moves after afterTries at one node", pure, async (t) => {
  const policy = new RetryPolicy({ failover: { maxMoves: 2 } });
  await t.step("afterTries defaults to 2", () => {
    assert.equal(policy.whenDelayPasses(tries(1)), "retransmit");
    assert.equal(policy.whenDelayPasses(tries(2)), "move");
  });
  await t.step("tries at earlier nodes do not count, nor maxRetransmissions", () => {
    assert.equal(policy.whenDelayPasses(tries(9, { triesHere: 1, moves: 1 })), "retransmit");
  });
  await t.step("gives up after maxMoves moves", () => {
    assert.equal(policy.whenDelayPasses(tries(6, { triesHere: 2, moves: 2 })), "timeout");
  });
  await t.step("gives a pinned request up instead of moving", () => {
    assert.equal(policy.whenDelayPasses(tries(2, { pinned: true })), "timeout");
  });
  await t.step("a given afterTries", () => {
    const patient = new RetryPolicy({ failover: { maxMoves: 1, afterTries: 3 } });
    assert.equal(patient.whenDelayPasses(tries(2)), "retransmit");
    assert.equal(patient.whenDelayPasses(tries(3)), "move");
  });
});

Deno.test(
  "RetryPolicy waits out a refusal to try again while retransmissions are left",
  pure,
  async (t) => {
    const policy = new RetryPolicy({ maxRetransmissions: 4 });
    const refusal = (reason: string) => message("BID_REJECTED", 7, { reason });
    await t.step("Server busy and Rate limit exceeded", () => {
      assert.equal(policy.waitsOut(refusal("Server busy: try again"), 1), true);
      assert.equal(policy.waitsOut(refusal("Rate limit exceeded"), 4), true);
    });
    await t.step("not after the last retransmission", () => {
      assert.equal(policy.waitsOut(refusal("Server busy: try again"), 5), false);
    });
    await t.step("not another refusal, nor a success", () => {
      assert.equal(policy.waitsOut(refusal("Bid too low"), 1), false);
      assert.equal(policy.waitsOut(message("BID_ACCEPTED", 7, {}), 1), false);
    });
  },
);
