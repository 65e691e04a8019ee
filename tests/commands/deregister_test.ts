import assert from "node:assert/strict";
import { createHarness, peer } from "../_support/harness.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { registerLine } from "./_lines.ts";
import { ANN, BEN, createAuctionHarness, SAM } from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

Deno.test("DE-REGISTER removes the sender's own user and sends no reply", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  assert.equal(await harness.request("DE-REGISTER 2 ALICE", 40001), undefined);
  assert.deepEqual(harness.core.state.users, {});
  assert.deepEqual(harness.core.state.sessions, {});
  assert.deepEqual(harness.outbox.sent, []);
  assert.equal(await harness.request(registerLine(3, "alice"), 40002), "REGISTERED 3");
});

Deno.test("DE-REGISTER from another user's address is ignored", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  await harness.request(registerLine(1, "bob"), 40002);
  assert.equal(await harness.request("DE-REGISTER 2 alice", 40002), undefined);
  assert.equal(await harness.request("DE-REGISTER 3 alice", 40099), undefined);
  assert.deepEqual(harness.core.state.users["alice"]?.session, peer(40001));
  assert.ok(harness.core.state.users["bob"]);
});

Deno.test("DE-REGISTER of an unknown name is ignored", pure, async () => {
  const harness = await createHarness();
  await harness.request(registerLine(1, "alice"), 40001);
  // alice's first request that acts keeps her provisional account (journaled once): done first.
  await harness.request("DE-SUBSCRIBE 2 Lamp", 40001);
  const before = harness.events.length;
  assert.equal(await harness.request("DE-REGISTER 3 nobody", 40001), undefined);
  assert.equal(harness.events.length, before);
  assert.ok(harness.core.state.users["alice"]);
});

Deno.test("DE-REGISTER removes the user's subscriptions", pure, async () => {
  const at = Date.UTC(2026, 0, 1);
  const registered = (name: string, port: number): AuctionEvent => ({
    type: "user_registered",
    atMs: at,
    name,
    role: name === "sam" ? "seller" : "buyer",
    declaredIp: "127.0.0.1",
    udpPort: port,
    tcpPort: port + 1,
    session: peer(port),
  });
  const events: AuctionEvent[] = [
    registered("sam", 40001),
    registered("alice", 40002),
    registered("bob", 40003),
    {
      type: "item_listed",
      atMs: at,
      id: 1,
      name: "Kite",
      description: "red",
      seller: "sam",
      startPriceCents: 100,
      durationMs: 60_000,
      endsAtMs: at + 60_000,
    },
    { type: "subscribed", atMs: at, itemId: 1, user: "alice" },
    { type: "subscribed", atMs: at, itemId: 1, user: "bob" },
  ];
  const harness = await createHarness({ events });
  assert.deepEqual(harness.core.state.items["1"]?.subscribers, ["alice", "bob"]);
  await harness.request("DE-REGISTER 5 alice", 40002);
  assert.deepEqual(harness.core.state.items["1"]?.subscribers, ["bob"]);
  assert.equal(harness.core.state.users["alice"], undefined);
});

Deno.test(
  "DE-REGISTER is refused while the user sells an open item, and the name stays taken",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    assert.equal(await harness.request("LIST_ITEM 2 Kite red 10 60", SAM), "ITEM_LISTED 2");
    const reply = await harness.request("DE-REGISTER 3 sam", SAM);
    assert.match(reply ?? "", /^DENIED 3 Cannot de-register: sam sells Kite/);
    assert.ok(harness.core.state.users["sam"]);
    assert.match(
      await harness.request("REGISTER 4 SAM seller 127.0.0.1 1 2", 40999) ?? "",
      /^REGISTER-DENIED 4 /,
    );
  },
);

Deno.test("DE-REGISTER is refused while the user leads an open auction", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 2 Kite red 10 60", SAM);
  assert.equal(await harness.request("BID 3 Kite 11", ANN), "BID_ACCEPTED 3");
  const reply = await harness.request("DE-REGISTER 4 ann", ANN);
  assert.match(reply ?? "", /^DENIED 4 Cannot de-register: ann leads the auction of Kite/);
  assert.ok(harness.core.state.users["ann"]);
  // An outbid buyer has no stake left and may leave.
  assert.equal(await harness.request("BID 5 Kite 12", BEN), "BID_ACCEPTED 5");
  assert.equal(await harness.request("DE-REGISTER 6 ann", ANN), undefined);
  assert.equal(harness.core.state.users["ann"], undefined);
});

Deno.test("DE-REGISTER is refused while a sale of the user is unfinished", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 2 Kite red 10 5", SAM);
  await harness.request("BID 3 Kite 11", ANN);
  await harness.advance(6000);
  assert.equal(harness.core.state.sales["1"]?.status, "pending");
  assert.match(await harness.request("DE-REGISTER 4 ann", ANN) ?? "", /^DENIED 4 .*sale of Kite/);
  assert.match(await harness.request("DE-REGISTER 5 sam", SAM) ?? "", /^DENIED 5 .*sale of Kite/);
  assert.ok(harness.core.state.users["ann"] && harness.core.state.users["sam"]);
});
