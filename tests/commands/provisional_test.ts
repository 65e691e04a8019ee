import assert from "node:assert/strict";
import { createHarness, type Harness, peer } from "../_support/harness.ts";
import { keyOf, registerLine, withKey } from "./_lines.ts";
import { pure } from "../_support/pure.ts";
import { ProvisionalExpiry } from "../../server/provisional_expiry.ts";
import type { ServerConfig } from "../../server/config.ts";
import type { PeerAddress } from "../../auction/state.ts";

const LIFETIME_MS = 600_000;

/** A harness with the provisional-account sweep running on its fake clock. */
async function withExpiry(
  config: Partial<ServerConfig>,
  test: (harness: Harness, expire: (ms: number) => Promise<void>) => Promise<void>,
): Promise<void> {
  const harness = await createHarness({ config });
  const expiry = new ProvisionalExpiry(harness.core);
  expiry.start();
  try {
    await test(harness, async (ms) => {
      harness.clock.advance(ms);
      await expiry.idle();
    });
  } finally {
    await expiry.stop();
  }
}

const at = (hostname: string, port = 40000): PeerAddress => ({ hostname, port });

Deno.test(
  "a REGISTER never followed up expires after config.provisionalSeconds",
  pure,
  async (t) => {
    await withExpiry({}, async (harness, expire) => {
      assert.equal(await harness.request(registerLine(1, "Ann"), 40001), "REGISTERED 1");
      assert.equal(harness.core.state.users["ann"]?.provisional, true);
      await expire(LIFETIME_MS - 60_000);
      assert.ok(harness.core.state.users["ann"], "still there before its time");
      await expire(60_000 + 60_000);
      await t.step("the account, its session and its cached reply are gone", () => {
        assert.equal(harness.core.state.users["ann"], undefined);
        assert.equal(harness.core.state.sessions["127.0.0.1:40001"], undefined);
        assert.equal(harness.core.state.replies["127.0.0.1:40001"], undefined);
        const expired = harness.events.filter((event) => event.type === "accounts_expired");
        assert.deepEqual(expired.map((event) => event.names), [["Ann"]]);
      });
      await t.step("its name is free for anyone", async () => {
        assert.equal(await harness.request(registerLine(2, "ann"), 40002), "REGISTERED 2");
      });
      await t.step("its address's next request is not registered", async () => {
        assert.match(
          (await harness.request("SUBSCRIBE 3 Kite", 40001)) ?? "",
          /^SUBSCRIPTION-DENIED 3 Not registered/,
        );
      });
    });
  },
);

Deno.test(
  "the seed client's flow (REGISTER, then requests that act) keeps its accounts",
  pure,
  async (t) => {
    await withExpiry({ durationUnit: "s" }, async (harness, expire) => {
      await harness.request(registerLine(1, "sam_seed", { role: "seller" }), 40001);
      await harness.request(registerLine(1, "pat_seed"), 40002);
      await harness.request(registerLine(1, "quiet"), 40003);
      assert.equal(
        await harness.request("LIST_ITEM 2 Kite red 10.00 3600", 40001),
        "ITEM_LISTED 2",
      );
      assert.equal(await harness.request("SUBSCRIBE 2 Kite", 40002), "SUBSCRIBED 2");
      // DE-SUBSCRIBE of an item not followed changes nothing and has no reply, but it acts.
      assert.equal(await harness.request("DE-SUBSCRIBE 3 Lamp", 40003), undefined);
      await t.step("each journaled session_shown", () => {
        const shown = harness.events.filter((event) => event.type === "session_shown");
        assert.deepEqual(shown.map((event) => event.name).sort(), [
          "pat_seed",
          "quiet",
          "sam_seed",
        ]);
      });
      await expire(2 * LIFETIME_MS);
      for (const key of ["sam_seed", "pat_seed", "quiet"]) {
        assert.ok(harness.core.state.users[key], `${key} kept`);
        assert.equal(harness.core.state.users[key]?.provisional, undefined);
      }
    });
  },
);

Deno.test(
  "a refused request, or one without the session key, does not keep an account",
  pure,
  async () => {
    await withExpiry({}, async (harness, expire) => {
      await harness.request(registerLine(1, "ann"), 40001);
      const reply = await harness.request(registerLine(1, "kim", { password: "hunter22" }), 40002);
      assert.match((await harness.request("BID 2 Nothing 5", 40001)) ?? "", /^BID_REJECTED 2/);
      assert.match(
        (await harness.request("DE-SUBSCRIBE 2 Lamp", 40002)) ?? "",
        /^DENIED 2 Session key missing or wrong/,
      );
      await expire(LIFETIME_MS + 60_000);
      assert.equal(harness.core.state.users["ann"], undefined);
      assert.equal(harness.core.state.users["kim"], undefined);
      // With its key, the same request keeps a password account.
      const kept = await harness.request(registerLine(3, "kim", { password: "hunter22" }), 40002);
      assert.notEqual(keyOf(kept), keyOf(reply));
      assert.equal(
        await harness.request(withKey("DE-SUBSCRIBE 4 Lamp", keyOf(kept)), 40002),
        undefined,
      );
      await expire(2 * LIFETIME_MS);
      assert.ok(harness.core.state.users["kim"]);
    });
  },
);

Deno.test(
  "a REGISTER over config.maxProvisionalPerNetwork removes that network's oldest",
  pure,
  async () => {
    const harness = await createHarness({ config: { maxProvisionalPerNetwork: 2 } });
    await harness.request(registerLine(1, "a1"), at("10.0.0.1"));
    await harness.request(registerLine(1, "b1"), at("10.0.1.1"));
    await harness.request(registerLine(1, "a2"), at("10.0.0.2"));
    harness.clock.advance(1000);
    assert.equal(await harness.request(registerLine(1, "a3"), at("10.0.0.3")), "REGISTERED 1");
    assert.deepEqual(Object.keys(harness.core.state.users).sort(), ["a2", "a3", "b1"]);
    // A proven account does not count: once a2 acted, a3 alone is provisional there, a4 removes none.
    await harness.request("DE-SUBSCRIBE 2 Lamp", at("10.0.0.2"));
    await harness.request(registerLine(1, "a4"), at("10.0.0.4"));
    assert.deepEqual(Object.keys(harness.core.state.users).sort(), ["a2", "a3", "a4", "b1"]);
  },
);

Deno.test(
  "a REGISTER over config.maxProvisional removes the oldest provisional account",
  pure,
  async () => {
    const harness = await createHarness({ config: { maxProvisional: 2 } });
    await harness.request(registerLine(1, "p1"), at("10.1.0.1"));
    await harness.request(registerLine(1, "p2"), at("10.2.0.1"));
    await harness.request(registerLine(1, "p3"), at("10.3.0.1"));
    assert.deepEqual(Object.keys(harness.core.state.users).sort(), ["p2", "p3"]);
    const expired = harness.events.filter((event) => event.type === "accounts_expired");
    assert.deepEqual(expired.map((event) => event.names), [["p1"]]);
  },
);

Deno.test(
  "config.maxUsers: a provisional account gives its place; proven ones fill the server",
  pure,
  async () => {
    const harness = await createHarness({ config: { maxUsers: 2 } });
    await harness.request(registerLine(1, "u1"), 40001);
    await harness.request(registerLine(1, "u2"), 40002);
    assert.equal(await harness.request(registerLine(1, "u3"), 40003), "REGISTERED 1");
    assert.equal(harness.core.state.users["u1"], undefined);
    await harness.request("DE-SUBSCRIBE 2 Lamp", 40002);
    await harness.request("DE-SUBSCRIBE 2 Lamp", 40003);
    assert.equal(
      await harness.request(registerLine(3, "u4"), 40004),
      "REGISTER-DENIED 3 Server is full: at most 2 users",
    );
  },
);

Deno.test("with config.provisionalSeconds 0 accounts are never provisional", pure, async () => {
  const harness = await createHarness({ config: { provisionalSeconds: 0, maxProvisional: 1 } });
  await harness.request(registerLine(1, "u1"), 40001);
  await harness.request(registerLine(1, "u2"), 40002);
  assert.equal(harness.core.state.users["u1"]?.provisional, undefined);
  assert.ok(harness.core.state.users["u1"] && harness.core.state.users["u2"]);
});

Deno.test("provisional accounts and their expiry recover from the journal", pure, async () => {
  let events;
  {
    const harness = await createHarness({ config: { maxProvisional: 2 } });
    await harness.request(registerLine(1, "old"), peer(40001));
    harness.clock.advance(1000);
    await harness.request(registerLine(1, "kept"), peer(40002));
    await harness.request("DE-SUBSCRIBE 2 Lamp", peer(40002));
    harness.clock.advance(1000);
    await harness.request(registerLine(1, "mid"), peer(40003));
    harness.clock.advance(1000);
    await harness.request(registerLine(1, "new"), peer(40004));
    harness.clock.advance(1000);
    await harness.request(registerLine(1, "newer"), peer(40005));
    assert.deepEqual(Object.keys(harness.core.state.users).sort(), ["kept", "new", "newer"]);
    events = harness.events;
  }
  const restarted = await createHarness({ events, config: { maxProvisional: 2 } });
  const users = restarted.core.state.users;
  assert.deepEqual(Object.keys(users).sort(), ["kept", "new", "newer"]);
  assert.equal(users["kept"]?.provisional, undefined);
  assert.equal(users["new"]?.provisional, true);
  // The index rebuilt after the load is oldest first: the next REGISTER removes "new".
  await restarted.request(registerLine(1, "last"), peer(40006));
  assert.deepEqual(Object.keys(users).sort(), ["kept", "last", "newer"]);
});
