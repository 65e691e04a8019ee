import assert from "node:assert/strict";
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

/** Kite for 20.00 over 60 s, ann subscribed, at half time: NEGOTIATE_REQ is outstanding. */
async function negotiating() {
  const harness = await createAuctionHarness();
  await harness.request("REGISTER 1 sue seller 127.0.0.1 41010 42010", 41010);
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await harness.request("SUBSCRIBE 1 Kite", ANN);
  await harness.advance(30_000);
  assert.equal(harness.core.state.items[1]!.negotiation?.status, "pending");
  clearSent(harness);
  return harness;
}

Deno.test(
  "ACCEPT lowers the price and sends PRICE_ADJUSTMENT to subscribers and the seller",
  pure,
  async () => {
    const harness = await negotiating();
    const reply = await harness.request("ACCEPT 9 Kite 15", SAM);
    assert.match(reply ?? "", /^PRICE_ADJUSTMENT \d+ Kite 15.00 30$/, "the seller's answer");
    const item = harness.core.state.items[1]!;
    assert.equal(item.currentPriceCents, 1500);
    assert.equal(item.negotiation?.status, "accepted");
    assert.deepEqual(linesTo(harness, ANN), ["PRICE_ADJUSTMENT Kite 15.00 30"]);
    assert.deepEqual(linesTo(harness, SAM), [], "the seller's copy went as the reply");
    assert.deepEqual(linesTo(harness, BEN), []);
  },
);

Deno.test(
  "a retransmitted ACCEPT gets the same PRICE_ADJUSTMENT again and is not redone",
  pure,
  async () => {
    const harness = await negotiating();
    const first = await harness.request("ACCEPT 9 Kite 15", SAM);
    clearSent(harness);
    const journal = harness.events;
    const journaled = journal.length;
    assert.equal(await harness.request("ACCEPT 9 Kite 15", SAM), first);
    assert.deepEqual(harness.outbox.sent, [], "no second push to subscribers");
    assert.equal(journal.length, journaled, "no event was journaled");
  },
);

Deno.test("after ACCEPT a bid must beat the lowered price", pure, async () => {
  const harness = await negotiating();
  await harness.request("ACCEPT 9 Kite 15", SAM);
  assert.equal(
    await harness.request("BID 2 Kite 15", ANN),
    "BID_REJECTED 2 Bid too low: current price is 15.00",
  );
  assert.equal(await harness.request("BID 3 Kite 16", ANN), "BID_ACCEPTED 3");
});

Deno.test(
  "a repeated ACCEPT with the same price changes nothing and sends nothing",
  pure,
  async () => {
    const harness = await negotiating();
    await harness.request("ACCEPT 9 Kite 15", SAM);
    clearSent(harness);
    const journal = harness.events;
    const journaled = journal.length;
    assert.equal(await harness.request("ACCEPT 10 Kite 15", SAM), undefined);
    assert.equal(await harness.request("ACCEPT 11 Kite 15", SAM), undefined);
    assert.deepEqual(harness.outbox.sent, []);
    assert.equal(journal.length, journaled, "no event was journaled");
    assert.equal(harness.core.state.items[1]!.currentPriceCents, 1500);
  },
);

Deno.test("ACCEPT refusals are DENIED with a reason and change nothing", pure, async (t) => {
  const harness = await negotiating();
  const cases: [string, number, string | RegExp][] = [
    ["ACCEPT 1 Kite 20", SAM, "DENIED 1 Invalid New_Price: must be below the current price 20.00"],
    ["ACCEPT 2 Kite 25", SAM, "DENIED 2 Invalid New_Price: must be below the current price 20.00"],
    ["ACCEPT 3 Kite 0", SAM, /^DENIED 3 Invalid New_Price: must be more than 0/],
    ["ACCEPT 4 Kite 15", 41010, "DENIED 4 Only the seller of Kite can answer its negotiation"],
    ["ACCEPT 5 Kite 15", ANN, "DENIED 5 Only sellers can answer a negotiation"],
    ["ACCEPT 6 Pen 15", SAM, "DENIED 6 Item not found"],
    ["ACCEPT 7 Kite 15", 49999, /^DENIED 7 Not registered/],
  ];
  for (const [line, port, expected] of cases) {
    await t.step(line, async () => {
      const reply = (await harness.request(line, port))!;
      if (typeof expected === "string") assert.equal(reply, expected);
      else assert.match(reply, expected);
    });
  }
  assert.equal(harness.core.state.items[1]!.currentPriceCents, 2000);
  assert.equal(harness.core.state.items[1]!.negotiation?.status, "pending");
  assert.deepEqual(linesTo(harness, ANN), []);
});

Deno.test("ACCEPT is refused before the negotiation and after it was answered", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  assert.equal(
    await harness.request("ACCEPT 2 Kite 15", SAM),
    "DENIED 2 No price negotiation is outstanding for Kite",
  );
  await harness.advance(30_000);
  await harness.request("ACCEPT 3 Kite 15", SAM);
  assert.equal(
    await harness.request("ACCEPT 4 Kite 10", SAM),
    "DENIED 4 No price negotiation is outstanding for Kite",
  );
  assert.equal(harness.core.state.items[1]!.currentPriceCents, 1500);
});

Deno.test("ACCEPT is refused once the auction closed", pure, async () => {
  const harness = await negotiating();
  await harness.advance(30_000);
  assert.equal(await harness.request("ACCEPT 2 Kite 15", SAM), "DENIED 2 Auction closed");
});

Deno.test("ACCEPT is refused once a bid ended the negotiation", pure, async () => {
  const harness = await negotiating();
  await harness.request("BID 2 Kite 21", CAT);
  assert.equal(
    await harness.request("ACCEPT 3 Kite 15", SAM),
    "DENIED 3 No price negotiation is outstanding for Kite",
  );
  assert.equal(harness.core.state.items[1]!.currentPriceCents, 2100);
});
