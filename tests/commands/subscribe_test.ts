import assert from "node:assert/strict";
import type { AuctionState } from "../../auction/state.ts";
import {
  ANN,
  BEN,
  clearSent,
  createAuctionHarness,
  linesTo,
  SAM,
} from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

Deno.test("SUBSCRIBE replies SUBSCRIBED, then sends an AUCTION_ANNOUNCE", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite it_can_fly 20 90", SAM);
  await harness.advance(2500);
  clearSent(harness);
  assert.equal(await harness.request("SUBSCRIBE 5 Kite", ANN), "SUBSCRIBED 5");
  const lines = harness.outbox.linesTo(`127.0.0.1:${ANN}`);
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^AUCTION_ANNOUNCE \d+ Kite it_can_fly 20\.00 88$/);
  assert.deepEqual(harness.core.state.items[1]!.subscribers, ["ann"]);
  // Part of the answer: it goes with the reply, not behind the pushes waiting for the socket.
  assert.deepEqual(harness.outbox.sent.map((sent) => sent.withReply), [true]);
  // Pushes of other requests (the seller's BID_UPDATE, the subscriber's) wait their turn.
  clearSent(harness);
  await harness.request("BID 6 Kite 21", BEN);
  assert.ok(harness.outbox.sent.length >= 2);
  assert.ok(harness.outbox.sent.every((sent) => !sent.withReply));
});

Deno.test("SUBSCRIBE twice is harmless: one subscription, a fresh announcement", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 90", SAM);
  await harness.request("SUBSCRIBE 2 Kite", ANN);
  assert.equal(await harness.request("SUBSCRIBE 3 kite", ANN), "SUBSCRIBED 3");
  assert.deepEqual(harness.core.state.items[1]!.subscribers, ["ann"]);
  assert.equal(
    linesTo(harness, ANN).filter((line) => line.startsWith("AUCTION_ANNOUNCE")).length,
    2,
  );
});

Deno.test(
  "SUBSCRIBE accepts the seed's trailing buyer name only when it is the sender's",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    await harness.request("LIST_ITEM 1 food hungry 34 90", SAM);
    assert.equal(await harness.request("SUBSCRIBE 6 food ann", ANN), "SUBSCRIBED 6");
    assert.equal(
      await harness.request("SUBSCRIBE 7 food ann", BEN),
      'SUBSCRIPTION-DENIED 7 Buyer_Name "ann" is not the user of this address (ben)',
    );
    assert.deepEqual(harness.core.state.items[1]!.subscribers, ["ann"]);
  },
);

Deno.test("SUBSCRIBE refusals say why", pure, async (t) => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 5", SAM);
  await t.step("an unknown item", async () => {
    assert.equal(
      await harness.request("SUBSCRIBE 8 pen", ANN),
      "SUBSCRIPTION-DENIED 8 Item not found",
    );
  });
  await t.step("a seller", async () => {
    assert.equal(
      await harness.request("SUBSCRIBE 9 Kite", SAM),
      "SUBSCRIPTION-DENIED 9 Only buyers can subscribe",
    );
  });
  await t.step("an unknown address", async () => {
    assert.match(
      (await harness.request("SUBSCRIBE 10 Kite", 49999))!,
      /^SUBSCRIPTION-DENIED 10 Not registered/,
    );
  });
  await t.step("a closed auction", async () => {
    await harness.advance(5000);
    assert.equal(
      await harness.request("SUBSCRIBE 11 Kite", ANN),
      "SUBSCRIPTION-DENIED 11 Auction closed",
    );
  });
  assert.deepEqual(harness.core.state.items[1]!.subscribers, []);
});

Deno.test("DE-SUBSCRIBE has no reply and stops every push about the item", pure, async () => {
  const harness = await createAuctionHarness({ config: { announceIntervalSeconds: 10 } });
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await harness.request("SUBSCRIBE 2 Kite", ANN);
  await harness.request("SUBSCRIBE 2 Kite", BEN);
  assert.equal(await harness.request("DE-SUBSCRIBE 3 Kite ann", ANN), undefined);
  assert.deepEqual(harness.core.state.items[1]!.subscribers, ["ben"]);
  clearSent(harness);
  await harness.request("BID 4 Kite 25", BEN);
  await harness.advance(60_000);
  assert.deepEqual(linesTo(harness, ANN), []);
  assert.ok(
    linesTo(harness, BEN).some((line) => line.startsWith("AUCTION_ANNOUNCE Kite kite 25.00 0")),
  );
});

Deno.test("DE-SUBSCRIBE is ignored when not subscribed, refused to non-buyers", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  assert.equal(await harness.request("DE-SUBSCRIBE 2 Kite", ANN), undefined);
  assert.equal(await harness.request("DE-SUBSCRIBE 3 nothing", ANN), undefined);
  assert.equal(
    await harness.request("DE-SUBSCRIBE 4 Kite", SAM),
    "DENIED 4 Only buyers can unsubscribe",
  );
  assert.equal(
    await harness.request("DE-SUBSCRIBE 5 Kite sam", ANN),
    'DENIED 5 Buyer_Name "sam" is not the user of this address (ann)',
  );
  assert.match((await harness.request("DE-SUBSCRIBE 6 Kite", 49999))!, /^DENIED 6 Not registered/);
});

Deno.test(
  "SUBSCRIBE and LIST_ITEM check their caps without walking the open auctions",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    assert.equal(await harness.request("LIST_ITEM 1 Kite d 20 90", SAM), "ITEM_LISTED 1");
    assert.equal(await harness.request("SUBSCRIBE 2 Kite", ANN), "SUBSCRIBED 2");
    let walks = 0;
    // The live state, which the core only shows read-only, to count the walks over it.
    const state = harness.core.state as AuctionState;
    state.openItems = new Proxy(state.openItems, {
      ownKeys(target) {
        walks++;
        return Reflect.ownKeys(target);
      },
    });
    assert.equal(await harness.request("LIST_ITEM 3 Lamp d 20 90", SAM), "ITEM_LISTED 3");
    assert.equal(await harness.request("SUBSCRIBE 4 Lamp", ANN), "SUBSCRIBED 4");
    assert.equal(await harness.request("SUBSCRIBE 5 Kite", BEN), "SUBSCRIBED 5");
    assert.equal(walks, 0);
  },
);
