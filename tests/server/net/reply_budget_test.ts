import assert from "node:assert/strict";
import { ReplyBudget } from "../../../server/net/reply_budget.ts";
import { UdpTransport } from "../../../server/net/udp.ts";
import { createHarness } from "../../_support/harness.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";
import { pure } from "../../_support/pure.ts";

const T0 = Date.UTC(2026, 0, 1);
const noSessions = { hasSession: () => false };

Deno.test("ReplyBudget lets an IP with no session get at most 3x the bytes it sent", pure, () => {
  const budget = new ReplyBudget(noSessions);
  assert.equal(budget.trySend("10.0.0.1", "DENIED 1 x", 10, T0), false, "nothing received yet");
  budget.received("10.0.0.1", 100, T0);
  assert.equal(budget.trySend("10.0.0.1", "DENIED 1 x", 250, T0 + 10), true);
  assert.equal(budget.trySend("10.0.0.1", "DENIED 2 x", 51, T0 + 20), false, "dropped whole");
  assert.equal(budget.trySend("10.0.0.1", "DENIED 3 x", 50, T0 + 30), true, "a smaller one fits");
  assert.equal(budget.trySend("10.0.0.2", "DENIED 3 x", 1, T0), false, "budgets are per IP");
});

Deno.test("ReplyBudget counts the last 10 seconds only", pure, () => {
  const budget = new ReplyBudget(noSessions);
  budget.received("10.0.0.1", 100, T0);
  assert.equal(budget.trySend("10.0.0.1", "PONG 1", 300, T0), true);
  assert.equal(budget.trySend("10.0.0.1", "PONG 2", 1, T0 + 9_000), false);
  budget.received("10.0.0.1", 10, T0 + 9_000);
  assert.equal(budget.trySend("10.0.0.1", "PONG 3", 30, T0 + 9_000), true);
  assert.equal(budget.trySend("10.0.0.1", "PONG 4", 1, T0 + 9_500), false);
  // At T0 + 10 s the first second has left the window: its 100 bytes in and 300 out are gone.
  assert.equal(budget.trySend("10.0.0.1", "PONG 5", 1, T0 + 10_000), false);
  budget.received("10.0.0.1", 10, T0 + 10_000);
  assert.equal(budget.trySend("10.0.0.1", "PONG 6", 30, T0 + 10_000), true);
  assert.equal(budget.trySend("10.0.0.1", "PONG 7", 30, T0 + 20_000), false, "all of it expired");
});

Deno.test(
  "ReplyBudget tracks a bounded number of IPs, forgetting the one seen longest ago",
  pure,
  () => {
    const budget = new ReplyBudget(noSessions, { maxTrackedAddresses: 2 });
    budget.received("10.0.0.1", 100, T0);
    budget.received("10.0.0.2", 100, T0);
    // 10.0.0.1 is seen again a second later: 10.0.0.2 is now the one seen longest ago.
    budget.received("10.0.0.1", 100, T0 + 1_000);
    budget.received("10.0.0.3", 100, T0 + 1_000);
    assert.equal(budget.trySend("10.0.0.2", "PONG 1", 1, T0 + 1_000), false, "forgotten");
    assert.equal(budget.trySend("10.0.0.1", "PONG 2", 600, T0 + 1_000), true, "kept, both seconds");
    assert.equal(budget.trySend("10.0.0.3", "PONG 3", 300, T0 + 1_000), true, "kept");
    // Within one second the order stays the first sighting's (a datagram changes it at most once a
    // second): seen again in the same second, 10.0.0.1 is still before 10.0.0.3.
    budget.received("10.0.0.1", 100, T0 + 1_500);
    budget.received("10.0.0.4", 100, T0 + 1_600);
    assert.equal(budget.trySend("10.0.0.1", "PONG 4", 1, T0 + 1_600), false, "forgotten");
    // Its budget is spent (300 of 300): an empty reply shows it is still tracked.
    assert.equal(budget.trySend("10.0.0.3", "PONG 5", 0, T0 + 1_600), true, "kept");
  },
);

Deno.test("ReplyBudget exempts REGISTERED and LOGIN_SUCCESS and IPs with a session", pure, () => {
  const budget = new ReplyBudget({ hasSession: (ip) => ip === "10.0.0.7" });
  assert.equal(budget.trySend("10.0.0.1", "REGISTERED 1 key=00", 40, T0), true);
  assert.equal(budget.trySend("10.0.0.1", "LOGIN_SUCCESS 1 role=buyer", 40, T0), true);
  assert.equal(budget.trySend("10.0.0.1", "REGISTER-DENIED 1 No", 20, T0), false);
  assert.equal(budget.trySend("10.0.0.7", "BID_UPDATE 9 Kite 2.00 ann 60", 1000, T0), true);
});

Deno.test("ReplyBudget exempts no reply resent from the reply cache", pure, () => {
  const budget = new ReplyBudget(noSessions);
  budget.received("10.0.0.1", 11, T0);
  const line = "LOGIN_SUCCESS 1 role=buyer key=0123456789abcdef0123456789abcdef";
  assert.equal(budget.trySend("10.0.0.1", line, 64, T0, true), false, "64 bytes for 11: over 3x");
  budget.received("10.0.0.1", 11, T0);
  assert.equal(budget.trySend("10.0.0.1", line, 64, T0, true), true, "64 bytes for 22: within");
  assert.equal(budget.trySend("10.0.0.1", line, 64, T0, true), false, "128 bytes for 22: over");
});

Deno.test("ReplyBudget counts an exempt reply against the replies after it", pure, () => {
  const budget = new ReplyBudget(noSessions);
  budget.received("10.0.0.1", 60, T0);
  assert.equal(budget.trySend("10.0.0.1", "REGISTERED 1 key=00", 50, T0), true);
  assert.equal(budget.trySend("10.0.0.1", "SUBSCRIPTION-DENIED 2 x", 131, T0), false);
  assert.equal(budget.trySend("10.0.0.1", "SUBSCRIPTION-DENIED 2 x", 130, T0), true);
});

Deno.test("the UDP transport drops a reply over the budget whole and sends one within it", async () => {
  const harness = await createHarness();
  const udp = new UdpTransport({
    hostname: "127.0.0.1",
    port: 0,
    clock: harness.clock,
    replyBudget: new ReplyBudget(noSessions),
  });
  udp.serve(harness.dispatcher);
  const peer = new UdpPeer(udp.address);
  try {
    await peer.send("PLONK 1"); // 7 bytes: a refusal of more than 21 bytes does not fit
    const padded = await peer.request(`PLONK 2 ${"x".repeat(40)}`);
    assert.equal(padded.type, "DENIED");
    assert.deepEqual(peer.received.map((message) => message.rq), [2], "the first was dropped");
  } finally {
    await peer.close();
    await udp.close();
  }
});

Deno.test("a LOGIN repeated from an address with no session gets its cached reply within the budget only", async () => {
  const harness = await createHarness();
  await harness.request("REGISTER 1 quinn buyer 127.0.0.1 6000 6001 pw", 40001);
  const udp = new UdpTransport({
    hostname: "127.0.0.1",
    port: 0,
    clock: harness.clock,
    replyBudget: new ReplyBudget(noSessions),
  });
  udp.serve(harness.dispatcher);
  const peer = new UdpPeer(udp.address);
  try {
    const first = await peer.request("LOGIN 7 quinn pw");
    assert.equal(first.type, "LOGIN_SUCCESS", "the reply that creates the session is exempt");
    // The same 16 bytes again and again: their cached 66-byte reply is a repeat, not exempt.
    const sentBefore = peer.received.length;
    for (let i = 0; i < 40; i++) await peer.send("LOGIN 7 quinn pw");
    await peer.request("PING 8 padding-so-the-ping-fits-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
    const repeats = peer.received.slice(sentBefore).filter((reply) => reply.rq === 7);
    const bytesIn = 41 * 16 + 17 + 74 + 16;
    const bytesOut = peer.receivedBytes;
    assert.ok(repeats.length < 40, `some repeats dropped: ${repeats.length} of 40 answered`);
    assert.ok(bytesOut <= 3 * bytesIn + 66, `${bytesOut} bytes out for ${bytesIn} in`);
  } finally {
    await peer.close();
    await udp.close();
  }
});
