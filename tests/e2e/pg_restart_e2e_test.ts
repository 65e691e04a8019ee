/**
 * PostgreSQL restarted under three serving nodes (real processes, a cluster of this file's own so
 * that it can be restarted): the writer stops (its lock went with its session), the standbys
 * reconnect and one of them takes over, the other keeps serving its clients as a follower.
 * @module
 */

import assert from "node:assert/strict";
import { findPostgresBin, startCluster } from "../../server/pg/cluster.ts";
import { isWriter, requestRetrying, startNode } from "../_support/pg_nodes.ts";
import type { ServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const bin = findPostgresBin();

Deno.test({
  name: "after a PostgreSQL restart the writer stops (exit 3), a standby reconnects and takes " +
    "over, and the other keeps serving its clients as a follower",
  ignore: bin === null,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "auction-pg-restart-" });
    let cluster = await startCluster(bin!, { dir, fsync: false });
    const url = cluster.url;
    const port = Number(new URL(url).port);
    const nodes: ServerProcess[] = [];
    const peers: UdpPeer[] = [];
    try {
      const alpha = await startNode(url, "alpha");
      nodes.push(alpha, await startNode(url, "beta"), await startNode(url, "gamma"));
      const [, beta, gamma] = nodes as [ServerProcess, ServerProcess, ServerProcess];
      const early = new UdpPeer({ port: beta.udpPort });
      peers.push(early);
      assert.equal((await early.request("REGISTER 1 ann buyer 127.0.0.1 1 2")).type, "REGISTERED");

      await cluster.stop(); // fast shutdown: every session is terminated
      cluster = await startCluster(bin!, { dir, port, fsync: false });

      // The writer's lock went with its session: fail-stop.
      const status = await alpha.process.status;
      assert.equal(status.code, 3, alpha.output());
      assert.match(alpha.output(), /Lost the database connection that holds the writer lock/);
      // One standby takes over; the other follows it.
      const deadline = Date.now() + 30_000;
      while (!isWriter(beta) && !isWriter(gamma)) {
        if (Date.now() > deadline) {
          throw new Error(`No takeover:\n${beta.output()}${gamma.output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const follower = isWriter(beta) ? gamma : beta;
      for (const standby of [beta, gamma]) {
        assert.match(standby.output(), /reconnected to .*; it waits for the writer lock again/);
        assert.doesNotMatch(standby.output(), /cannot start the server/);
      }
      // A new client of the follower is served through the new writer, and so is one of before.
      const late = new UdpPeer({ port: follower.udpPort });
      peers.push(late);
      const registered = await requestRetrying(late, "REGISTER 1 bob buyer 127.0.0.1 1 2", {
        timeoutMs: 30_000,
      });
      assert.equal(registered.type, "REGISTERED", JSON.stringify(registered));
      const again = new UdpPeer({ port: follower.udpPort });
      peers.push(again);
      const refused = await requestRetrying(again, "REGISTER 1 ann buyer 127.0.0.1 1 2");
      assert.equal(refused.type, "REGISTER-DENIED", "ann is known: the state survived");
    } finally {
      await Promise.allSettled(peers.map((peer) => peer.close()));
      await Promise.allSettled(nodes.map((node) => node.stop()));
      for (const node of nodes) await Deno.remove(node.dataDir, { recursive: true });
      await cluster.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
