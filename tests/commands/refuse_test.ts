import assert from "node:assert/strict";
import { ANN, clearSent, createAuctionHarness, linesTo, SAM } from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

Deno.test("REFUSE keeps the price, has no reply and stops the resends", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await harness.request("SUBSCRIBE 1 Kite", ANN);
  await harness.advance(30_000);
  clearSent(harness);
  assert.equal(await harness.request("REFUSE 5 Kite REJECT", SAM), undefined);
  const item = harness.core.state.items[1]!;
  assert.equal(item.currentPriceCents, 2000);
  assert.equal(item.negotiation?.status, "refused");
  await harness.advance(20_000);
  assert.deepEqual(linesTo(harness, SAM), []);
  assert.deepEqual(linesTo(harness, ANN), []);
});

Deno.test("a repeated REFUSE is harmless; ACCEPT after REFUSE is denied", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await harness.advance(30_000);
  await harness.request("REFUSE 5 Kite REJECT", SAM);
  assert.equal(await harness.request("REFUSE 6 Kite reject", SAM), undefined);
  assert.equal(
    await harness.request("ACCEPT 7 Kite 10", SAM),
    "DENIED 7 No price negotiation is outstanding for Kite",
  );
});

Deno.test("REFUSE refusals are DENIED with a reason", pure, async (t) => {
  const harness = await createAuctionHarness();
  await harness.request("REGISTER 1 sue seller 127.0.0.1 41010 42010", 41010);
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await t.step("before any negotiation", async () => {
    assert.equal(
      await harness.request("REFUSE 2 Kite REJECT", SAM),
      "DENIED 2 No price negotiation is outstanding for Kite",
    );
  });
  await harness.advance(30_000);
  await t.step("another seller", async () => {
    assert.equal(
      await harness.request("REFUSE 3 Kite REJECT", 41010),
      "DENIED 3 Only the seller of Kite can answer its negotiation",
    );
  });
  await t.step("a buyer", async () => {
    assert.equal(
      await harness.request("REFUSE 4 Kite REJECT", ANN),
      "DENIED 4 Only sellers can answer a negotiation",
    );
  });
  await t.step("without the REJECT keyword", async () => {
    assert.match((await harness.request("REFUSE 5 Kite NO", SAM))!, /^DENIED 5 /);
  });
  await t.step("an unknown item", async () => {
    assert.equal(await harness.request("REFUSE 6 Pen REJECT", SAM), "DENIED 6 Item not found");
  });
  assert.equal(harness.core.state.items[1]!.negotiation?.status, "pending");
});
