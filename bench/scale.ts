/**
 * `deno task bench:scale`: durable accepted bids per second with the file journal, one node on
 * PostgreSQL and three nodes on one PostgreSQL (the clients spread over the nodes), then the
 * latency of a push across nodes: a bid sent to one follower node until its BID_UPDATE reaches a
 * subscriber of another follower node (and, for comparison, a subscriber of the writer).
 *
 * Flags: --clients 64, --seconds 3, --pushes 300, --data-parent DIR (where the journal and the
 * PostgreSQL cluster go, fsync on: a real disk, not a tmpfs). PostgreSQL comes from Debian's
 * binaries (`server/pg/cluster.ts`).
 * @module
 */

import { parseArgs } from "node:util";
import postgres from "postgres";
import { findPostgresBin, INSTALL_HINT, startCluster } from "../server/pg/cluster.ts";
import { UdpPeer } from "../tests/_support/udp_peer.ts";
import { type BenchServer, startBenchServer } from "./server_launcher.ts";
import { expectAck, measure, measureServer } from "./udp_throughput.ts";
import { WORKLOADS } from "./workloads.ts";

const BID = WORKLOADS.bid!;

/** Accepted bids per second with `clients` closed-loop clients spread over `nodes`. */
async function measureNodes(
  nodes: BenchServer[],
  options: { clients: number; seconds: number },
): Promise<number> {
  const measured = await measure(nodes, BID, {
    ...options,
    counts: (type) => BID.isAcknowledgement(type),
    setUp: true,
  });
  return measured.perSecond;
}

/**
 * Milliseconds from a BID sent to `nodes[bidAt]` until its BID_UPDATE reaches a subscriber of
 * each of `nodes[watchAt]`, for `count` bids one after the other.
 */
async function pushLatencies(
  nodes: BenchServer[],
  bidAt: number,
  watchAt: number[],
  count: number,
): Promise<number[][]> {
  const seller = new UdpPeer({ port: nodes[0]!.udpPort });
  const bidder = new UdpPeer({ port: nodes[bidAt]!.udpPort });
  const watchers = watchAt.map((at) => new UdpPeer({ port: nodes[at]!.udpPort }));
  const item = `lat${bidAt}${watchAt.join("")}`;
  try {
    await expectAck(seller, `REGISTER 1 s${item} seller 127.0.0.1 6000 6001`);
    await expectAck(seller, `LIST_ITEM 2 ${item} latency 1.00 3600s`);
    await expectAck(bidder, `REGISTER 1 b${item} buyer 127.0.0.1 6000 6001`);
    for (const [index, watcher] of watchers.entries()) {
      await expectAck(watcher, `REGISTER 1 w${index}${item} buyer 127.0.0.1 6000 6001`);
      await expectAck(watcher, `SUBSCRIBE 2 ${item}`);
    }
    const latencies: number[][] = watchers.map(() => []);
    for (let index = 0; index < count; index++) {
      const cents = 200 + index;
      const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
      const froms = watchers.map((watcher) => watcher.received.length);
      const sentAtMs = performance.now();
      await bidder.send(`BID ${1000 + index} ${item} ${price}`);
      await Promise.all(watchers.map(async (watcher, at) => {
        await watcher.waitFor(
          (message) => message.type === "BID_UPDATE" && message.highestBid === cents,
          { from: froms[at], timeoutMs: 5_000 },
        );
        latencies[at]!.push(performance.now() - sentAtMs);
      }));
    }
    return latencies;
  } finally {
    await Promise.all([seller, bidder, ...watchers].map((peer) => peer.close()));
  }
}

function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

/** Starts `count` nodes on the database at `url`, the first being the writer. */
async function startNodes(url: string, count: number, dataParent: string) {
  const nodes: BenchServer[] = [];
  const dirs: string[] = [];
  for (let index = 0; index < count; index++) {
    const dir = await Deno.makeTempDir({ dir: dataParent, prefix: "auction-bench-node-" });
    dirs.push(dir);
    nodes.push(
      await startBenchServer(dir, ["--database-url", url, "--node", `node${index + 1}`]),
    );
  }
  return {
    nodes,
    async stop() {
      for (const node of nodes.toReversed()) await node.stop();
      for (const dir of dirs) await Deno.remove(dir, { recursive: true });
    },
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "clients": { type: "string", default: "64" },
      "seconds": { type: "string", default: "3" },
      "pushes": { type: "string", default: "300" },
      "data-parent": { type: "string", default: "" },
    },
  });
  const options = { clients: Number(values.clients), seconds: Number(values.seconds) };
  const dataParent = await Deno.realPath(
    values["data-parent"] || Deno.env.get("TMPDIR") || "/tmp",
  );
  const bin = findPostgresBin();
  if (!bin) throw new Error(`bench:scale needs PostgreSQL: ${INSTALL_HINT}`);
  console.log(
    `bid: ${options.clients} clients, ${options.seconds} s per mode, data under ${dataParent}`,
  );
  const file = await measureServer(BID, { ...options, dataParent, serverArgs: [] });
  console.log(`file journal:           ${file.perSecond.toFixed(0)} accepted bids/s`);
  const dir = await Deno.makeTempDir({ dir: dataParent, prefix: "auction-bench-pg-" });
  const cluster = await startCluster(bin, { dir });
  try {
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    for (const name of ["one", "three", "latency"]) await admin.unsafe(`CREATE DATABASE ${name}`);
    await admin.end();
    const database = (name: string) => cluster.url.replace(/\/postgres$/, `/${name}`);
    for (const [count, name] of [[1, "one"], [3, "three"]] as const) {
      const started = await startNodes(database(name), count, dataParent);
      try {
        const perSecond = await measureNodes(started.nodes, options);
        console.log(
          `PostgreSQL, ${count} node${count > 1 ? "s" : " "}:  ${
            perSecond.toFixed(0)
          } accepted bids/s`,
        );
      } finally {
        await started.stop();
      }
    }
    const started = await startNodes(database("latency"), 3, dataParent);
    try {
      const pushes = Number(values.pushes);
      // Bids through follower node2; subscribers on follower node3 and on the writer node1.
      const [acrossFollowers, toWriter] = await pushLatencies(started.nodes, 1, [2, 0], pushes);
      for (
        const [what, latencies] of [["follower -> follower", acrossFollowers!], [
          "follower -> writer  ",
          toWriter!,
        ]] as const
      ) {
        console.log(
          `push latency, ${what}: p50 ${percentile(latencies, 0.5).toFixed(2)} ms, ` +
            `p99 ${percentile(latencies, 0.99).toFixed(2)} ms (${latencies.length} bids)`,
        );
      }
    } finally {
      await started.stop();
    }
  } finally {
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
