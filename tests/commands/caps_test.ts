import assert from "node:assert/strict";
import { DEFAULT_CONFIG } from "../../server/config.ts";
import { createHarness } from "../_support/harness.ts";
import { ANN, createAuctionHarness, SAM } from "../_support/auction_fixture.ts";
import { registerLine } from "./_lines.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "REGISTER refuses an account past config.maxUsersPerIp from one IP, any port",
  pure,
  async () => {
    const harness = await createHarness({ config: { maxUsersPerIp: 3 } });
    for (let index = 0; index < 3; index++) {
      assert.equal(
        await harness.request(registerLine(1, `u${index}`), 40001 + index),
        "REGISTERED 1",
      );
    }
    assert.equal(
      await harness.request(registerLine(2, "u3"), 40100),
      "REGISTER-DENIED 2 Too many accounts from this address: at most 3",
    );
    assert.equal(harness.core.state.users["u3"], undefined);
    const other = { hostname: "10.1.2.3", port: 40001 };
    assert.equal(await harness.request(registerLine(3, "v0"), other), "REGISTERED 3");
    // The cap counts existing accounts: a DE-REGISTER frees a slot.
    await harness.request("DE-REGISTER 4 u0", 40001);
    assert.equal(await harness.request(registerLine(5, "u3"), 40100), "REGISTERED 5");
  },
);

Deno.test("REGISTER with config.maxUsersPerIp 0 has no per-IP cap", pure, async () => {
  const harness = await createHarness({ config: { maxUsersPerIp: 0 } });
  for (let index = 0; index < 100; index++) {
    assert.equal(
      await harness.request(registerLine(1, `u${index}`), 40001 + index),
      "REGISTERED 1",
    );
  }
});

Deno.test("the default caps are the documented ones", pure, () => {
  assert.equal(DEFAULT_CONFIG.maxListingsPerSeller, 100);
  assert.equal(DEFAULT_CONFIG.maxUsersPerIp, 64);
  assert.equal(DEFAULT_CONFIG.maxSubscriptionsPerUser, 1000);
  assert.equal(DEFAULT_CONFIG.maxSalesInFlight, 64);
  assert.equal(DEFAULT_CONFIG.maxTcpPerIp, 16);
});

Deno.test(
  "LIST_ITEM refuses a seller's listing past config.maxListingsPerSeller open auctions",
  pure,
  async () => {
    const harness = await createAuctionHarness({ config: { maxListingsPerSeller: 2 } });
    assert.equal(await harness.request("LIST_ITEM 1 Kite a 20 5", SAM), "ITEM_LISTED 1");
    assert.equal(await harness.request("LIST_ITEM 2 Lamp a 20 60", SAM), "ITEM_LISTED 2");
    assert.equal(
      await harness.request("LIST_ITEM 3 Vase a 20 60", SAM),
      "LIST-DENIED 3 Too many open auctions: at most 2 per seller",
    );
    assert.equal(Object.keys(harness.core.state.items).length, 2);
    await harness.advance(5000);
    assert.equal(
      await harness.request("LIST_ITEM 4 Vase a 20 60", SAM),
      "ITEM_LISTED 4",
      "a closed auction frees its slot",
    );
  },
);

Deno.test(
  "SUBSCRIBE refuses a buyer past config.maxSubscriptionsPerUser open auctions",
  pure,
  async () => {
    const harness = await createAuctionHarness({ config: { maxSubscriptionsPerUser: 2 } });
    for (const name of ["Kite", "Lamp", "Vase"]) {
      await harness.request(`LIST_ITEM 1${name.length} ${name} a 20 60`, SAM);
    }
    assert.equal(await harness.request("SUBSCRIBE 1 Kite", ANN), "SUBSCRIBED 1");
    assert.equal(await harness.request("SUBSCRIBE 2 Lamp", ANN), "SUBSCRIBED 2");
    assert.equal(
      await harness.request("SUBSCRIBE 3 Vase", ANN),
      "SUBSCRIPTION-DENIED 3 Too many subscriptions: at most 2 open auctions per buyer",
    );
    assert.equal(
      await harness.request("SUBSCRIBE 4 Kite", ANN),
      "SUBSCRIBED 4",
      "a repeat is fine",
    );
    await harness.request("DE-SUBSCRIBE 5 Kite", ANN);
    assert.equal(await harness.request("SUBSCRIBE 6 Vase", ANN), "SUBSCRIBED 6");
    assert.deepEqual(harness.core.state.items[3]!.subscribers, ["ann"]);
  },
);
