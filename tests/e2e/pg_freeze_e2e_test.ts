/**
 * A frozen writer (SIGSTOP: its kernel keeps its database session, so its writer lock, alive)
 * under three serving nodes, real processes: a standby ends the writer's session once its
 * heartbeat is older than `--writer-stale-after`, one standby takes over within that bound, a
 * follower's client is served through it, and the old writer, resumed, stops (exit 3).
 * @module
 */

import assert from "node:assert/strict";
import { startTestPostgres } from "../_support/postgres.ts";
import { isWriter, readLog, requestRetrying, startNode } from "../_support/pg_nodes.ts";
import type { ServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const postgres = await startTestPostgres();

/** The bound of this test, in seconds. */
const STALE_AFTER = 2;

Deno.test(
  "a frozen writer (SIGSTOP) has its session ended by a standby, which takes over within " +
    "--writer-stale-after; a follower's client is served, and the writer, resumed, exits 3",
  async () => {
    const url = await postgres.createDatabase();
    const args = ["--writer-stale-after", String(STALE_AFTER)];
    const nodes: ServerProcess[] = [];
    const peers: UdpPeer[] = [];
    let frozen: number | undefined;
    try {
      const alpha = await startNode(url, "alpha", { args });
      nodes.push(
        alpha,
        await startNode(url, "beta", { args }),
        await startNode(url, "gamma", {
          args,
        }),
      );
      const [, beta, gamma] = nodes as [ServerProcess, ServerProcess, ServerProcess];
      const early = new UdpPeer({ port: beta.udpPort });
      peers.push(early);
      assert.equal((await early.request("REGISTER 1 ann buyer 127.0.0.1 1 2")).type, "REGISTERED");

      frozen = alpha.process.pid;
      Deno.kill(frozen, "SIGSTOP");
      const stoppedAtMs = performance.now();
      const deadline = Date.now() + 30_000;
      while (!isWriter(beta) && !isWriter(gamma)) {
        if (Date.now() > deadline) {
          throw new Error(`No takeover:\n${beta.output()}${gamma.output()}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const tookSeconds = (performance.now() - stoppedAtMs) / 1000;
      // The last beat was at most a second before the stop; a look every second; the start.
      assert.ok(tookSeconds < STALE_AFTER + 4, `took over ${tookSeconds} s after the freeze`);
      const [writer, follower] = isWriter(beta) ? [beta, gamma] : [gamma, beta];
      assert.match(
        beta.output() + gamma.output(),
        /ended the session of writer "?alpha"? \(backend \d+\): its heartbeat is [\d.]+ s old/,
      );
      assert.doesNotMatch(writer.output(), /cannot start the server/);

      // A new client of the follower is served through the new writer, which knows ann.
      const late = new UdpPeer({ port: follower.udpPort });
      peers.push(late);
      const registered = await requestRetrying(late, "REGISTER 1 bob buyer 127.0.0.1 1 2", {
        timeoutMs: 30_000,
      });
      assert.equal(registered.type, "REGISTERED", JSON.stringify(registered));
      const again = new UdpPeer({ port: follower.udpPort });
      peers.push(again);
      const refused = await requestRetrying(again, "REGISTER 1 ann buyer 127.0.0.1 1 2");
      assert.equal(refused.type, "REGISTER-DENIED", "ann is known: the state was taken over");

      // Thawed, the old writer finds its lock session gone (its first write, or the session's
      // close, whichever its event loop meets first) and stops, having written nothing more.
      const before = (await readLog(url)).filter((batch) => batch.node === "alpha").length;
      Deno.kill(frozen, "SIGCONT");
      frozen = undefined;
      const status = await alpha.process.status;
      assert.equal(status.code, 3, alpha.output());
      assert.match(
        alpha.output(),
        /Lost the database connection that holds the writer lock|Cannot write to "postgres/,
      );
      const log = await readLog(url);
      assert.equal(log.filter((batch) => batch.node === "alpha").length, before);
      assert.equal(log.at(-1)?.node, writer === beta ? "beta" : "gamma");
    } finally {
      if (frozen !== undefined) Deno.kill(frozen, "SIGCONT");
      await Promise.allSettled(peers.map((peer) => peer.close()));
      await Promise.allSettled(nodes.map((node) => node.stop()));
      for (const node of nodes) await Deno.remove(node.dataDir, { recursive: true });
      await postgres.dropDatabase(url);
    }
  },
);
