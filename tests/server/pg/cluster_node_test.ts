/**
 * A node's role-dependent half (`server/pg/cluster_node.ts`), with a fake link and follower:
 * where requests go, where deliveries go, and what `/readyz` says of a follower.
 * @module
 */

import assert from "node:assert/strict";
import type { PeerAddress } from "../../../auction/state.ts";
import { ClusterNode, type RequestHandler } from "../../../server/pg/cluster_node.ts";
import type { LogFollower } from "../../../server/pg/follower.ts";
import { type DeliveryHandler, linkName, type NodeLink } from "../../../server/pg/node_link.ts";

/** A link that records what it is asked to send. */
function fakeLink(node: string, connected = ["alpha", "beta", "gamma"]) {
  const calls: string[] = [];
  const link = {
    node,
    connectedNodes: () => Promise.resolve(new Set(connected.map(linkName))),
    close: () => Promise.resolve(),
    forward: (sender: PeerAddress) => void calls.push(`forward ${sender.port}`),
    deliver: (to: PeerAddress, line: string, trusted: boolean, withReply = false) =>
      void calls.push(
        `deliver ${to.node} ${to.port} ${trusted} ${line}${withReply ? " (with reply)" : ""}`,
      ),
    serveInbox: () => Promise.resolve(),
    serveDeliveries: () => Promise.resolve(),
    expiredRequests: 3,
  };
  return { link: link as unknown as NodeLink, calls };
}

const follower = (followedAtMs: number, writerStale = false) =>
  ({ followedAtMs, pollMs: 1000, writerStale }) as unknown as LogFollower;
const noSessions = { hasSession: () => false };
const BYTES = new TextEncoder().encode("PING 7");

Deno.test("ClusterNode: a follower forwards UDP requests and answers PING on TCP itself", async () => {
  const { link, calls } = fakeLink("beta");
  const node = new ClusterNode(link);
  await node.follow(follower(performance.now()), { send: () => true });
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, () => {});
  assert.deepEqual(calls, ["forward 9"]);
  const replies: string[] = [];
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, (line) => {
    replies.push(line);
  }, { transport: "tcp" });
  await node.handler.dispatch(
    new TextEncoder().encode("BID 8 Kite 1"),
    {
      hostname: "127.0.0.1",
      port: 9,
    },
    (line) => void replies.push(line),
    { transport: "tcp" },
  );
  assert.deepEqual(replies, ["PONG 7", "DENIED 8 Requests go over UDP"]);
});

Deno.test("ClusterNode: the writer stamps its node on UDP senders and routes deliveries", async () => {
  const { link, calls } = fakeLink("alpha");
  const node = new ClusterNode(link);
  const senders: PeerAddress[] = [];
  const dispatcher: RequestHandler = {
    dispatch: (_bytes, sender) => Promise.resolve(void senders.push(sender)),
  };
  await node.write(dispatcher, { hasSession: (ip) => ip === "10.0.0.1" });
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, () => {});
  assert.deepEqual(senders, [{ hostname: "127.0.0.1", port: 9, node: "alpha" }]);
  const local: string[] = [];
  const outbox = node.outbox({ send: (to, line) => void local.push(`${to.port} ${line}`) });
  const message = { type: "PONG", rq: 1 } as const;
  outbox.send({ hostname: "10.0.0.1", port: 1, node: "alpha" }, "here", message);
  outbox.send({ hostname: "10.0.0.1", port: 2 }, "no node", message);
  outbox.send({ hostname: "10.0.0.1", port: 3, node: "beta" }, "there", message);
  outbox.send({ hostname: "10.0.0.2", port: 4, node: "gamma" }, "untrusted", message);
  outbox.send({ hostname: "10.0.0.1", port: 5, node: "beta" }, "follow-up", message, true);
  assert.deepEqual(local, ["1 here", "2 no node"]);
  assert.deepEqual(calls, [
    "deliver beta 3 true there",
    "deliver gamma 4 false untrusted",
    "deliver beta 5 true follow-up (with reply)",
  ]);
  await node.close();
});

Deno.test("ClusterNode: the writer sends itself to the clients of a node not connected", async () => {
  const { link, calls } = fakeLink("alpha", ["alpha", "beta"]);
  const node = new ClusterNode(link);
  await node.write({ dispatch: () => Promise.resolve() }, noSessions);
  const local: string[] = [];
  const outbox = node.outbox({ send: (to, line) => void local.push(`${to.port} ${line}`) });
  const message = { type: "PONG", rq: 1 } as const;
  outbox.send({ hostname: "10.0.0.1", port: 3, node: "beta" }, "to beta", message);
  outbox.send({ hostname: "10.0.0.1", port: 4, node: "gamma" }, "gamma is gone", message);
  outbox.send({ hostname: "10.0.0.1", port: 5, node: "omega" }, "renamed", message);
  assert.deepEqual(calls, ["deliver beta 3 false to beta"]);
  assert.deepEqual(local, ["4 gamma is gone", "5 renamed"]);
  await node.close();
});

Deno.test("ClusterNode: /readyz of a follower says whether its last read of the log is recent", async (t) => {
  await t.step("ready when the log was read within three polls", async () => {
    const node = new ClusterNode(fakeLink("beta").link);
    await node.follow(follower(performance.now()), { send: () => true });
    assert.deepEqual(node.readiness(), { ready: true });
  });
  await t.step("not ready when the database has not answered for longer", async () => {
    const node = new ClusterNode(fakeLink("beta").link);
    await node.follow(follower(performance.now() - 3_500), { send: () => true });
    assert.equal(node.readiness()?.ready, false);
  });
  await t.step("not ready while the writer's heartbeat is stale", async () => {
    const node = new ClusterNode(fakeLink("beta").link);
    await node.follow(follower(performance.now(), true), { send: () => true });
    assert.deepEqual(node.readiness(), {
      ready: false,
      reason: "The writer's heartbeat is stale: it may be frozen",
    });
  });
  await t.step("no follower readiness once the node writes", async () => {
    const node = new ClusterNode(fakeLink("beta").link);
    await node.follow(follower(performance.now() - 3_500), { send: () => true });
    await node.write({ dispatch: () => Promise.resolve() }, noSessions);
    assert.equal(node.readiness(), null);
    await node.close();
  });
});

Deno.test("ClusterNode: counts what it forwards, the pushes it sends for the writer and the requests its link dropped as too old, and its lag while it follows", async () => {
  const { link } = fakeLink("beta");
  let deliver: DeliveryHandler = () => {};
  link.serveDeliveries = (handler) => Promise.resolve(void (deliver = handler));
  const node = new ClusterNode(link);
  const sent: string[] = [];
  const pushed: string[] = [];
  const followedAtMs = performance.now() - 500;
  await node.follow(
    { followedAtMs, pollMs: 1000, lagBatches: 2 } as unknown as LogFollower,
    {
      send: (_to, line) => sent.push(line),
      push: (_to, line, type) => pushed.push(`${type}: ${line}`),
    },
  );
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, () => {});
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, () => {});
  await node.handler.dispatch(BYTES, { hostname: "127.0.0.1", port: 9 }, () => {}, {
    transport: "tcp",
  });
  const to = { hostname: "127.0.0.1", port: 9 };
  deliver(to, "PONG 7", true, false);
  deliver(to, "BID_UPDATE 9 Kite 25.00 ann 60", true, false);
  deliver(to, 'AUCTION_ANNOUNCE 10 Kite "A kite" 10.00 60', true, false);
  deliver(to, 'AUCTION_ANNOUNCE 11 Kite "A kite" 10.00 60', true, true);
  // The reply goes at once, the pushes behind those waiting for the socket; SUBSCRIBE's
  // follow-up, part of the answer, at once too.
  assert.deepEqual(sent, ["PONG 7", 'AUCTION_ANNOUNCE 11 Kite "A kite" 10.00 60']);
  assert.deepEqual(pushed, [
    "BID_UPDATE: BID_UPDATE 9 Kite 25.00 ann 60",
    'AUCTION_ANNOUNCE: AUCTION_ANNOUNCE 10 Kite "A kite" 10.00 60',
  ]);
  assert.deepEqual([node.forwarded, node.pushedForWriter, node.expiredRequests], [2, 3, 3]);
  const lag = node.lag();
  assert.equal(lag.batches, 2);
  assert.ok(lag.seconds >= 0.5 && lag.seconds < 60, String(lag.seconds));
  assert.equal(node.writing, false);
  await node.write({ dispatch: () => Promise.resolve() }, noSessions);
  assert.deepEqual([node.writing, node.lag()], [true, { batches: 0, seconds: 0 }]);
  await node.close();
});

Deno.test("ClusterNode: before its first look at the nodes, the writer sends to every client itself", async () => {
  const { link, calls } = fakeLink("alpha", ["alpha", "beta"]);
  const node = new ClusterNode(link);
  const local: string[] = [];
  const outbox = node.outbox({ send: (to, line) => void local.push(`${to.port} ${line}`) });
  const message = { type: "PONG", rq: 1 } as const;
  // A new writer's scheduler may push before it knows which nodes are alive.
  outbox.send({ hostname: "10.0.0.1", port: 3, node: "beta" }, "unknown yet", message);
  outbox.send({ hostname: "10.0.0.1", port: 4, node: "gamma" }, "gamma is gone", message);
  await node.watchNodes();
  outbox.send({ hostname: "10.0.0.1", port: 5, node: "beta" }, "beta is seen", message);
  await node.write({ dispatch: () => Promise.resolve() }, noSessions);
  outbox.send({ hostname: "10.0.0.1", port: 6, node: "beta" }, "writing", message);
  assert.deepEqual(local, ["3 unknown yet", "4 gamma is gone"]);
  assert.deepEqual(calls, ["deliver beta 5 false beta is seen", "deliver beta 6 false writing"]);
  await node.close();
});
