/** The start-up check of the server (PING until a reply) on fake timers. */
import assert from "node:assert/strict";
import type { ClientEvent } from "../../client/output.ts";
import type { RequestOutcome } from "../../client/requests.ts";
import { ServerProbe } from "../../client/server_probe.ts";
import { FakeTimers } from "../_support/fake_timers.ts";

/** A probe whose PINGs the test answers one by one. */
function probedServer() {
  const timers = new FakeTimers();
  const events: ClientEvent[] = [];
  const pings: ((status: RequestOutcome["status"]) => void)[] = [];
  const probe = new ServerProbe({
    server: "127.0.0.1:5000",
    timers,
    report: (event) => events.push(event),
    request: (build) => {
      build(1);
      return new Promise((resolve) => pings.push((status) => resolve({ status })));
    },
  });
  return { timers, events, pings, probe };
}

Deno.test({
  name: "ServerProbe says nothing when the server answers within 5 s",
  permissions: "none",
  fn: async () => {
    const { timers, events, pings, probe } = probedServer();
    const done = probe.start();
    // The PING's RQ# is the probe's: its reply is not shown to the user.
    assert.equal(probe.isPing(1), true);
    assert.equal(probe.isPing(2), false);
    timers.advance(4_900);
    pings[0]!("replied");
    await done;
    assert.equal(probe.isPing(1), false);
    timers.advance(60_000);
    assert.deepEqual(events, []);
    assert.equal(timers.pendingCount, 0);
  },
});

Deno.test({
  name:
    "ServerProbe says the server does not answer after 5 s, keeps trying, and says when it does",
  permissions: "none",
  fn: async () => {
    const { timers, events, pings, probe } = probedServer();
    const done = probe.start();
    timers.advance(4_999);
    assert.deepEqual(events, []);
    timers.advance(1);
    assert.deepEqual(events, [{ type: "unreachable", server: "127.0.0.1:5000", seconds: 5 }]);
    // The first PING gives up after its retransmissions: another one goes out.
    pings[0]!("timeout");
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(pings.length, 2);
    pings[1]!("timeout");
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(pings.length, 3);
    assert.equal(events.length, 1);
    pings[2]!("replied");
    await done;
    assert.deepEqual(events.at(-1), { type: "reachable", server: "127.0.0.1:5000" });
    assert.equal(events.length, 2);
  },
});

Deno.test({
  name: "ServerProbe stops when the client closes",
  permissions: "none",
  fn: async () => {
    const { timers, events, pings, probe } = probedServer();
    const done = probe.start();
    probe.stop();
    pings[0]!("cancelled");
    await done;
    timers.advance(10_000);
    assert.deepEqual(events, []);
  },
});
