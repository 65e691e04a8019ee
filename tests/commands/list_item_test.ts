import assert from "node:assert/strict";
import { ANN, createAuctionHarness, SAM } from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "LIST_ITEM lists an item with its seller, prices and absolute end time",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    const listedAtMs = harness.clock.now();
    assert.equal(
      await harness.request('LIST_ITEM 7 Kite "it can fly" 20 90', SAM),
      "ITEM_LISTED 7",
    );
    const item = harness.core.state.items[1]!;
    assert.equal(item.name, "Kite");
    assert.equal(item.description, "it can fly");
    assert.equal(item.seller, "sam");
    assert.equal(item.startPriceCents, 2000);
    assert.equal(item.currentPriceCents, 2000);
    assert.equal(item.status, "open");
    assert.equal(item.endsAtMs, listedAtMs + 90_000);
    assert.deepEqual(item.subscribers, []);
    assert.equal(harness.core.state.openItems["kite"], 1);
  },
);

Deno.test(
  "LIST_ITEM counts a bare duration in the server's unit and honours a suffix",
  pure,
  async () => {
    const harness = await createAuctionHarness({ config: { durationUnit: "m" } });
    const nowMs = harness.clock.now();
    assert.equal(await harness.request("LIST_ITEM 2 Kite kite 20 2", SAM), "ITEM_LISTED 2");
    assert.equal(await harness.request("LIST_ITEM 3 Lamp lamp 20 90s", SAM), "ITEM_LISTED 3");
    assert.equal(harness.core.state.items[1]!.endsAtMs, nowMs + 120_000);
    assert.equal(harness.core.state.items[2]!.endsAtMs, nowMs + 90_000);
  },
);

Deno.test(
  "LIST_ITEM accepts the seed's trailing seller name when it is the sender's",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    assert.equal(await harness.request("LIST_ITEM 5 games to_play 50 2 SAM", SAM), "ITEM_LISTED 5");
    assert.equal(
      await harness.request("LIST_ITEM 6 food hungry 34 2 jaskirat", SAM),
      'LIST-DENIED 6 Seller_Name "jaskirat" is not the user of this address (sam)',
    );
    assert.equal(harness.core.state.items[2], undefined);
  },
);

Deno.test("LIST_ITEM refuses a name already in an open auction, any case", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 food hungry 34 20", SAM);
  assert.equal(
    await harness.request("LIST_ITEM 2 FOOD food 4 20", SAM),
    'LIST-DENIED 2 Invalid Item_Name: "FOOD" is already in an open auction',
  );
  assert.equal(Object.keys(harness.core.state.items).length, 1);
});

Deno.test("LIST_ITEM allows a name again once its auction closed", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 food hungry 34 5", SAM);
  await harness.advance(5000);
  assert.equal(await harness.request("LIST_ITEM 2 food again 10 5", SAM), "ITEM_LISTED 2");
  assert.equal(harness.core.state.openItems["food"], 2);
});

Deno.test("LIST_ITEM refusals name the wrong field and change nothing", pure, async (t) => {
  const harness = await createAuctionHarness();
  const cases: [string, RegExp][] = [
    ["LIST_ITEM 1 Kite kite abc 5", /^LIST-DENIED 1 Invalid Start_Price/],
    ["LIST_ITEM 1 Kite kite 0 5", /^LIST-DENIED 1 Invalid Start_Price: must be more than 0/],
    ["LIST_ITEM 1 Kite kite 1.234 5", /^LIST-DENIED 1 Invalid Start_Price/],
    ["LIST_ITEM 1 Kite kite 20 two", /^LIST-DENIED 1 Invalid Duration/],
    ["LIST_ITEM 1 Kite kite 20 0.5", /^LIST-DENIED 1 Invalid Duration: .*at least 1 second/],
    ["LIST_ITEM 1 Kite kite 20 31d", /^LIST-DENIED 1 Invalid Duration/],
    ["LIST_ITEM 1 Kite kite 20 721h", /^LIST-DENIED 1 Invalid Duration: .*at most 30 days/],
    ["LIST_ITEM 1 Ki/te kite 20 5", /^LIST-DENIED 1 Invalid Item_Name/],
    [`LIST_ITEM 1 Kite "${"x".repeat(201)}" 20 5`, /^LIST-DENIED 1 Invalid Item_Desc/],
  ];
  for (const [line, expected] of cases) {
    await t.step(line.slice(0, 40), async () => {
      assert.match((await harness.request(line, SAM))!, expected);
    });
  }
  assert.deepEqual(harness.core.state.items, {});
});

Deno.test("LIST_ITEM is refused to buyers and to unknown addresses", pure, async () => {
  const harness = await createAuctionHarness();
  assert.equal(
    await harness.request("LIST_ITEM 1 Kite kite 20 5", ANN),
    "LIST-DENIED 1 Only sellers can list items",
  );
  assert.match(
    (await harness.request("LIST_ITEM 1 Kite kite 20 5", 49999))!,
    /^LIST-DENIED 1 Not registered/,
  );
  assert.deepEqual(harness.core.state.items, {});
});
