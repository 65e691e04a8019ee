import assert from "node:assert/strict";
import { createHarness, type Harness } from "../../_support/harness.ts";
import { RateLimiter } from "../../../server/net/rate_limit.ts";
import { UdpTransport } from "../../../server/net/udp.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";
import { pure } from "../../_support/pure.ts";

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

Deno.test(
  "RateLimiter.check() refuses the first datagram past the limit each second, drops the rest",
  pure,
  () => {
    const limiter = new RateLimiter(2);
    assert.deepEqual(
      [0, 0, 0, 0, 0].map(() => limiter.check("10.0.0.1", 0)),
      ["allow", "allow", "refuse", "drop", "drop"],
    );
    assert.equal(limiter.check("10.0.0.2", 0), "allow", "another IP has its own bucket");
    assert.equal(
      limiter.check("10.0.0.1", 400),
      "drop",
      "not yet a token, refused within the second",
    );
    assert.equal(limiter.check("10.0.0.1", 500), "allow", "a token after half a second");
    assert.equal(limiter.check("10.0.0.1", 1000), "allow");
    assert.equal(limiter.check("10.0.0.1", 1000), "refuse", "a second after the last refusal");
  },
);

/** A UDP transport in front of the harness's dispatcher, with `--rate-limit perSecond`. */
async function withLimitedTransport(
  perSecond: number,
  test: (harness: Harness, server: Deno.NetAddr) => Promise<void>,
): Promise<void> {
  const harness = await createHarness();
  const udp = new UdpTransport({
    hostname: "127.0.0.1",
    port: 0,
    clock: harness.clock,
    rateLimiter: new RateLimiter(perSecond),
  });
  udp.serve(harness.dispatcher);
  try {
    await test(harness, udp.address);
  } finally {
    await udp.close();
  }
}

Deno.test("the UDP transport limits every port of one IP together", async () => {
  await withLimitedTransport(2, async (harness, server) => {
    const peers = [new UdpPeer(server), new UdpPeer(server), new UdpPeer(server)];
    try {
      assert.equal((await peers[0]!.request("LOGIN 1 nobody")).type, "LOGIN-FAILED");
      assert.equal((await peers[1]!.request("LOGIN 2 nobody")).type, "LOGIN-FAILED");
      assert.deepEqual(await peers[2]!.request("LOGIN 3 nobody"), {
        type: "DENIED",
        rq: 3,
        reason: "Rate limit exceeded: slow down",
      });
      harness.clock.advance(500);
      assert.equal((await peers[1]!.request("LOGIN 5 nobody")).type, "LOGIN-FAILED");
    } finally {
      await Promise.all(peers.map((peer) => peer.close()));
    }
  });
});

Deno.test("the UDP transport counts undecodable datagrams and retransmissions", async () => {
  await withLimitedTransport(3, async (harness, server) => {
    const peer = new UdpPeer(server);
    try {
      await peer.sendBytes(new Uint8Array([0xff, 0xfe, 0xfd]));
      await peer.waitFor((message) => message.type === "DENIED");
      const register = "REGISTER 2 alice buyer 127.0.0.1 6000 6001";
      assert.equal((await peer.request(register)).type, "REGISTERED");
      await peer.send(register);
      await peer.waitFor((message) => message.rq === 2, { from: 2 });
      assert.deepEqual(await peer.request("LOGIN 4 nobody"), {
        type: "DENIED",
        rq: 4,
        reason: "Rate limit exceeded: slow down",
      });
      harness.clock.advance(1000);
      assert.equal((await peer.request("LOGIN 5 nobody")).type, "LOGIN-FAILED");
    } finally {
      await peer.close();
    }
  });
});

Deno.test("a datagram refused past the rate limit changes nothing", async () => {
  await withLimitedTransport(1, async (harness, server) => {
    const peer = new UdpPeer(server);
    try {
      await peer.request("LOGIN 1 nobody");
      const refusal = await peer.request("REGISTER 2 alice buyer 127.0.0.1 6000 6001");
      assert.match((refusal as { reason: string }).reason, /^Rate limit/);
      assert.deepEqual(harness.core.state.users, {});
    } finally {
      await peer.close();
    }
  });
});
