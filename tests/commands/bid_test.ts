import assert from "node:assert/strict";
import type { AuctionState } from "../../auction/state.ts";
import {
  ANN,
  BEN,
  CAT,
  clearSent,
  createAuctionHarness,
  linesTo,
  SAM,
} from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

async function kiteAuction(config = {}) {
  const harness = await createAuctionHarness({ config });
  await harness.request("LIST_ITEM 1 Kite it_can_fly 20 90", SAM);
  await harness.request("SUBSCRIBE 1 Kite", ANN);
  await harness.request("SUBSCRIBE 1 Kite", BEN);
  clearSent(harness);
  return harness;
}

Deno.test("BID above the current price is accepted and becomes the price", pure, async () => {
  const harness = await kiteAuction();
  assert.equal(await harness.request("BID 4 Kite 25", ANN), "BID_ACCEPTED 4");
  const item = harness.core.state.items[1]!;
  assert.equal(item.currentPriceCents, 2500);
  assert.equal(item.bidCount, 1);
  assert.deepEqual(item.highestBid, {
    bidder: "ann",
    amountCents: 2500,
    atMs: harness.clock.now(),
  });
});

Deno.test(
  "BID sends BID_UPDATE to every subscriber and the seller, not to others",
  pure,
  async () => {
    const harness = await kiteAuction();
    await harness.advance(53_000);
    await harness.request("BID 4 Kite 25", ANN);
    for (const port of [ANN, BEN, SAM]) {
      const updates = linesTo(harness, port).filter((line) => line.startsWith("BID_UPDATE"));
      assert.deepEqual(updates, ["BID_UPDATE Kite 25.00 ann 37"], `to ${port}`);
    }
    assert.deepEqual(linesTo(harness, CAT), []);
  },
);

Deno.test("BID_UPDATE leaves only after BID_ACCEPTED is sent", pure, async () => {
  const harness = await kiteAuction();
  const order: string[] = [];
  const send = harness.outbox.send.bind(harness.outbox);
  harness.outbox.send = (to, line, message) => {
    order.push(line);
    send(to, line, message);
  };
  const reply = harness.dispatcher.dispatch(
    new TextEncoder().encode("BID 4 Kite 25"),
    { hostname: "127.0.0.1", port: ANN },
    (line) => order.push(line),
  );
  await reply;
  assert.equal(order[0], "BID_ACCEPTED 4");
  assert.equal(order.length, 4);
});

Deno.test("BID refuses a bid equal to or below the current price", pure, async () => {
  const harness = await kiteAuction();
  assert.equal(
    await harness.request("BID 3 Kite 15", ANN),
    "BID_REJECTED 3 Bid too low: current price is 20.00",
  );
  assert.equal(
    await harness.request("BID 4 Kite 20", ANN),
    "BID_REJECTED 4 Bid too low: current price is 20.00",
  );
  await harness.request("BID 5 Kite 25", ANN);
  assert.equal(
    await harness.request("BID 6 Kite 22", BEN),
    "BID_REJECTED 6 Bid too low: current price is 25.00",
  );
  assert.equal(harness.core.state.items[1]!.currentPriceCents, 2500);
});

Deno.test(
  "BID at an amount equal to the leader's loses: the first received wins",
  pure,
  async () => {
    const harness = await kiteAuction();
    assert.equal(await harness.request("BID 4 Kite 30", ANN), "BID_ACCEPTED 4");
    assert.equal(
      await harness.request("BID 4 Kite 30", BEN),
      "BID_REJECTED 4 Bid too low: current price is 30.00",
    );
    assert.equal(harness.core.state.items[1]!.highestBid?.bidder, "ann");
  },
);

Deno.test("BID must beat the price by the minimum increment", pure, async () => {
  const harness = await kiteAuction({ minIncrementCents: 100 });
  assert.equal(
    await harness.request("BID 4 Kite 20.99", ANN),
    "BID_REJECTED 4 Bid too low: current price is 20.00, the lowest bid is 21.00",
  );
  assert.equal(await harness.request("BID 5 Kite 21", ANN), "BID_ACCEPTED 5");
});

Deno.test("BID refusals say why", pure, async (t) => {
  const harness = await kiteAuction();
  await t.step("an unknown item", async () => {
    assert.equal(await harness.request("BID 1 Pen 25", ANN), "BID_REJECTED 1 Item not found");
  });
  await t.step("a seller", async () => {
    assert.equal(await harness.request("BID 2 Kite 25", SAM), "BID_REJECTED 2 Only buyers can bid");
  });
  await t.step("an unknown address", async () => {
    assert.match(
      (await harness.request("BID 3 Kite 25", 49999))!,
      /^BID_REJECTED 3 Not registered/,
    );
  });
  await t.step("a malformed amount", async () => {
    assert.match((await harness.request("BID 4 Kite 2.555", ANN))!, /^BID_REJECTED 4 Invalid/);
  });
  await t.step("an auction past its end time, even before the clock closes it", async () => {
    await harness.scheduler!.stop(); // so the close is due but does not run
    await harness.advance(90_000);
    assert.equal(harness.core.state.items[1]!.status, "open");
    assert.equal(await harness.request("BID 5 Kite 25", ANN), "BID_REJECTED 5 Auction closed");
    harness.scheduler!.start();
    await harness.advance(0);
    assert.equal(harness.core.state.items[1]!.status, "closed");
    assert.equal(await harness.request("BID 6 Kite 25", ANN), "BID_REJECTED 6 Auction closed");
  });
  assert.equal(harness.core.state.items[1]!.bidCount, 0);
});

Deno.test(
  "soft close: a bid in the last seconds moves the end to now + soft close",
  pure,
  async () => {
    const harness = await kiteAuction({ softCloseSeconds: 30 });
    const item = harness.core.state.items[1]!;
    const originalEndMs = item.endsAtMs;
    await harness.request("BID 2 Kite 21", ANN);
    assert.equal(item.endsAtMs, originalEndMs, "a bid with more than 30 s left moves nothing");
    await harness.advance(80_000);
    clearSent(harness);
    await harness.request("BID 3 Kite 22", BEN);
    assert.equal(item.endsAtMs, harness.clock.now() + 30_000);
    assert.deepEqual(linesTo(harness, ANN), ["BID_UPDATE Kite 22.00 ben 30"]);
    await harness.advance(20_000);
    assert.equal(item.status, "open", "still open past the original end time");
    await harness.advance(10_000);
    assert.equal(item.status, "closed");
    assert.equal(harness.core.state.sales[1]?.closedAtMs, originalEndMs + 20_000);
  },
);

Deno.test("without soft close a last-second bid leaves the end time alone", pure, async () => {
  const harness = await kiteAuction();
  const item = harness.core.state.items[1]!;
  const endsAtMs = item.endsAtMs;
  await harness.advance(89_999);
  assert.equal(await harness.request("BID 2 Kite 21", ANN), "BID_ACCEPTED 2");
  assert.equal(item.endsAtMs, endsAtMs);
  await harness.advance(1);
  assert.equal(item.status, "closed");
});

Deno.test(
  "BID on an unknown or a closed name is answered from an index, not by walking every item",
  pure,
  async () => {
    const harness = await kiteAuction();
    await harness.advance(90_000);
    assert.equal(harness.core.state.items[1]!.status, "closed");
    assert.equal(await harness.request("LIST_ITEM 2 Kite again 20 90", SAM), "ITEM_LISTED 2");
    assert.equal(await harness.request("BID 3 Kite 25", ANN), "BID_ACCEPTED 3");
    assert.equal(await harness.request("BID 4 Pen 25", ANN), "BID_REJECTED 4 Item not found");
    await harness.advance(90_000);
    // From here on, count every walk over the items.
    let walks = 0;
    // The live state, which the core only shows read-only, to count the walks over it.
    const state = harness.core.state as AuctionState;
    state.items = new Proxy(state.items, {
      ownKeys(target) {
        walks++;
        return Reflect.ownKeys(target);
      },
    });
    assert.equal(await harness.request("BID 5 Kite 30", ANN), "BID_REJECTED 5 Auction closed");
    assert.equal(await harness.request("BID 6 Pen 25", ANN), "BID_REJECTED 6 Item not found");
    assert.equal(await harness.request("BID 7 kITE 30", ANN), "BID_REJECTED 7 Auction closed");
    assert.equal(walks, 0);
  },
);
