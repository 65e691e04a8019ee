import assert from "node:assert/strict";
import { createHarness } from "../_support/harness.ts";
import { RateLimiter } from "../../server/rate_limit.ts";
import { pure } from "../_support/pure.ts";

Deno.test(
  "the dispatcher refuses requests past config.rateLimitPerSecond per address",
  pure,
  async () => {
    const harness = await createHarness({ config: { rateLimitPerSecond: 2 } });
    assert.equal(
      await harness.request("LOGIN 1 nobody", 40001),
      "LOGIN-FAILED 1 Unknown user or wrong password",
    );
    assert.equal(
      await harness.request("LOGIN 2 nobody", 40001),
      "LOGIN-FAILED 2 Unknown user or wrong password",
    );
    assert.equal(
      await harness.request("LOGIN 3 nobody", 40001),
      "DENIED 3 Rate limit exceeded: slow down",
    );
    assert.equal(
      await harness.request("LOGIN 4 nobody", 40002),
      "LOGIN-FAILED 4 Unknown user or wrong password",
    );
    harness.clock.advance(500);
    assert.equal(
      await harness.request("LOGIN 5 nobody", 40001),
      "LOGIN-FAILED 5 Unknown user or wrong password",
    );
    assert.equal(
      await harness.request("LOGIN 6 nobody", 40001),
      "DENIED 6 Rate limit exceeded: slow down",
    );
  },
);

Deno.test(
  "a retransmission answered from the reply cache does not count against the rate limit",
  pure,
  async () => {
    const harness = await createHarness({ config: { rateLimitPerSecond: 2 } });
    const first = "REGISTER 1 alice buyer 127.0.0.1 6000 6001";
    assert.equal(await harness.request(first, 40001), "REGISTERED 1");
    for (let repeat = 0; repeat < 5; repeat++) {
      assert.equal(await harness.request(first, 40001), "REGISTERED 1", "the first reply again");
    }
    assert.equal(await harness.request("PING 2", 40001), "PONG 2");
    assert.equal(
      await harness.request("PING 3", 40001),
      "DENIED 3 Rate limit exceeded: slow down",
      "new requests still count",
    );
  },
);

Deno.test("a refused request past the rate limit changes nothing", pure, async () => {
  const harness = await createHarness({ config: { rateLimitPerSecond: 1 } });
  await harness.request("LOGIN 1 nobody", 40001);
  assert.match(
    (await harness.request("REGISTER 2 alice buyer 127.0.0.1 6000 6001", 40001)) ?? "",
    /^DENIED 2 Rate limit/,
  );
  assert.deepEqual(harness.core.state.users, {});
});

Deno.test("RateLimiter with 0 lets everything through", pure, () => {
  const limiter = new RateLimiter(0);
  for (let index = 0; index < 1000; index++) assert.ok(limiter.allow("a", 0));
});

Deno.test("RateLimiter refills at N tokens a second up to a burst of N", pure, () => {
  const limiter = new RateLimiter(3);
  assert.deepEqual([0, 0, 0, 0].map(() => limiter.allow("a", 0)), [true, true, true, false]);
  assert.equal(limiter.allow("a", 334), true);
  assert.equal(limiter.allow("a", 334), false);
  assert.deepEqual(
    [0, 0, 0, 0].map(() => limiter.allow("a", 60_000)),
    [true, true, true, false],
    "an idle address gets a burst of N, not more",
  );
});
