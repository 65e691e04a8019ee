/**
 * `deno task bench:clients`: acknowledged requests per second over UDP on 127.0.0.1, with many
 * concurrent closed-loop clients, in one run: a bare UDP echo server (the baseline, the ceiling
 * of UDP through Deno on this machine), then the real server with group commit, then with one
 * fsync per request (`--no-group-commit`), and the ratio of the two.
 *
 * Flags: --request bid (the workload: bid or register), --clients 64, --seconds 3,
 * --data-parent DIR (where the temporary data folders go, default the system's temp folder; it
 * must be a real disk, not a tmpfs, for fsync to mean anything), --postgres (also the server on
 * PostgreSQL, one node: a cluster with fsync on is started from Debian's binaries under the data
 * parent, `server/pg/cluster.ts`).
 * @module
 */

import { parseArgs } from "node:util";
import postgres from "postgres";
import { findPostgresBin, INSTALL_HINT, startCluster } from "../server/pg/cluster.ts";
import { type BenchServer, startBenchServer, startEchoServer } from "./server_launcher.ts";
import { UdpPeer } from "../tests/_support/udp_peer.ts";
import { type BenchWorkload, WORKLOADS } from "./workloads.ts";

const RETRANSMIT_MS = 1_000;

/** The result of one measured mode. */
interface Measured {
  acknowledged: number;
  seconds: number;
  perSecond: number;
}

/** Options of one measurement. */
export interface MeasureOptions {
  clients: number;
  seconds: number;
  /** Whether a reply counts; the baseline counts every echo. */
  counts: (type: string) => boolean;
  /** Whether to send the workload's setup lines first (not to the echo server). */
  setUp: boolean;
}

/**
 * Runs `options.clients` closed-loop clients for `options.seconds`, spread round robin over
 * `servers` (the workload's setup goes to the first).
 */
export async function measure(
  servers: BenchServer | readonly BenchServer[],
  workload: BenchWorkload,
  options: MeasureOptions,
): Promise<Measured> {
  const nodes = Array.isArray(servers) ? servers : [servers as BenchServer];
  const setupPeer = new UdpPeer({ port: nodes[0]!.udpPort });
  const peers = Array.from(
    { length: options.clients },
    (_, client) => new UdpPeer({ port: nodes[client % nodes.length]!.udpPort }),
  );
  try {
    if (options.setUp) {
      for (const line of workload.setup(options.clients)) await expectAck(setupPeer, line);
      await Promise.all(peers.map(async (peer, client) => {
        for (const line of workload.clientSetup?.(client) ?? []) await expectAck(peer, line);
      }));
    }
    let acknowledged = 0;
    const startMs = performance.now();
    const endMs = startMs + options.seconds * 1000;
    await Promise.all(peers.map(async (peer, client) => {
      for (let index = 0; performance.now() < endMs; index++) {
        const rq = 1_000 + index;
        const line = workload.request(client, index, rq);
        const from = peer.received.length;
        for (let attempt = 0; attempt < 5; attempt++) {
          await peer.send(line);
          try {
            const reply = await peer.waitFor((message) => message.rq === rq, {
              timeoutMs: RETRANSMIT_MS,
              from,
            });
            if (options.counts(reply.type) && performance.now() <= endMs) acknowledged++;
            break;
          } catch {
            // Lost or not yet answered: resend the same bytes, as a client would.
          }
        }
        peer.received.length = 0;
        if (client === 0) setupPeer.received.length = 0;
      }
    }));
    const seconds = (performance.now() - startMs) / 1000;
    return { acknowledged, seconds, perSecond: acknowledged / seconds };
  } finally {
    await Promise.all([setupPeer, ...peers].map((peer) => peer.close()));
  }
}

/** Sends a setup line and fails the run unless it is acknowledged. */
export async function expectAck(peer: UdpPeer, line: string): Promise<void> {
  const reply = await peer.request(line);
  if (!/^(REGISTERED|ITEM_LISTED|SUBSCRIBED)$/.test(reply.type)) {
    throw new Error(`Setup "${line}" got ${reply.type}`);
  }
}

/** Measures the real server started with `serverArgs` on a fresh data folder. */
export async function measureServer(
  workload: BenchWorkload,
  options: { clients: number; seconds: number; dataParent: string; serverArgs: string[] },
): Promise<Measured> {
  const dataDir = await Deno.makeTempDir({
    ...(options.dataParent ? { dir: options.dataParent } : {}),
    prefix: "auction-bench-",
  });
  const server = await startBenchServer(dataDir, options.serverArgs);
  try {
    return await measure(server, workload, {
      ...options,
      counts: (type) => workload.isAcknowledgement(type),
      setUp: true,
    });
  } finally {
    await server.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

/** Measures the echo server with the same clients and lines. */
async function measureBaseline(
  workload: BenchWorkload,
  options: { clients: number; seconds: number },
): Promise<Measured> {
  const server = await startEchoServer();
  try {
    return await measure(server, workload, { ...options, counts: () => true, setUp: false });
  } finally {
    await server.stop();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "request": { type: "string", default: "bid" },
      "clients": { type: "string", default: "64" },
      "seconds": { type: "string", default: "3" },
      "data-parent": { type: "string", default: "" },
      "postgres": { type: "boolean", default: false },
    },
  });
  const workload = WORKLOADS[values.request];
  if (!workload) {
    console.error(`--request must be one of ${Object.keys(WORKLOADS).join(", ")}`);
    Deno.exit(2);
  }
  const options = {
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    dataParent: values["data-parent"],
  };
  const acked = `acknowledged ${values.request} requests/s`;
  console.log(
    `${values.request}: ${options.clients} clients, ${options.seconds} s per mode, ` +
      `data under ${await Deno.realPath(options.dataParent || Deno.env.get("TMPDIR") || "/tmp")}`,
  );
  const baseline = await measureBaseline(workload, options);
  console.log(`baseline (UDP echo): ${baseline.perSecond.toFixed(0)} echoed requests/s`);
  const group = await measureServer(workload, { ...options, serverArgs: [] });
  console.log(`group commit:        ${group.perSecond.toFixed(0)} ${acked}`);
  const each = await measureServer(workload, { ...options, serverArgs: ["--no-group-commit"] });
  console.log(`fsync per request:   ${each.perSecond.toFixed(0)} ${acked}`);
  console.log(`ratio:               ${(group.perSecond / each.perSecond).toFixed(1)}x`);
  console.log(`of the baseline:     ${(100 * group.perSecond / baseline.perSecond).toFixed(0)}%`);
  if (values.postgres) {
    const onPostgres = await measureOnPostgres(workload, options);
    console.log(`PostgreSQL, 1 node:  ${onPostgres.perSecond.toFixed(0)} ${acked}`);
  }
}

/** Measures the server on a new PostgreSQL cluster (fsync on) under the data parent. */
async function measureOnPostgres(
  workload: BenchWorkload,
  options: { clients: number; seconds: number; dataParent: string },
): Promise<Measured> {
  const bin = findPostgresBin();
  if (!bin) throw new Error(`--postgres needs PostgreSQL: ${INSTALL_HINT}`);
  const dir = await Deno.makeTempDir({
    ...(options.dataParent ? { dir: options.dataParent } : {}),
    prefix: "auction-bench-pg-",
  });
  const cluster = await startCluster(bin, { dir });
  try {
    const admin = postgres(cluster.url, { max: 1, onnotice: () => {} });
    await admin.unsafe("CREATE DATABASE bench");
    await admin.end();
    const url = cluster.url.replace(/\/postgres$/, "/bench");
    return await measureServer(workload, { ...options, serverArgs: ["--database-url", url] });
  } finally {
    await cluster.stop();
    await Deno.remove(dir, { recursive: true });
  }
}
