/**
 * The request path's CPU cost without sockets: the real core, dispatcher, scheduler and
 * FileStore (group commit) in one process; closed-loop clients call `dispatch` directly with
 * BIDs (one item per client, every bid accepted, a BID_UPDATE push to the seller each).
 * Prints accepted bids per second and microseconds per bid. `--store memory` leaves the disk
 * out (a MemoryStore): what remains is the CPU cost of the request path alone.
 *
 * deno run --allow-read --allow-write --allow-env bench/hot_path.ts [--bids 40000] [--clients 64]
 *   [--log-level warning|info] [--store file|memory] [--data-parent DIR] [--board]
 *   [--stream-clients 1]
 * `--board` adds what the HTTP side costs a bid, as `startServer` wires it: the metrics' counters
 * and journal observer, and the board's model and event stream with `--stream-clients` clients
 * reading it as fast as it comes.
 * At `info` the log goes to stderr: redirect it (`2>/dev/null`) to measure formatting, not a tty.
 * @module
 */

import process from "node:process";
import { parseArgs } from "node:util";
import { systemClock } from "../server/clock.ts";
import { DEFAULT_CONFIG } from "../server/config.ts";
import { AuctionCore } from "../server/core.ts";
import { Dispatcher } from "../server/net/dispatcher.ts";
import { FileStore } from "../server/store/file_store.ts";
import { setUpLogging } from "../server/logging.ts";
import { AuctionScheduler } from "../server/scheduler.ts";
import { MemoryStore } from "../server/store/store.ts";
import type { PeerAddress } from "../auction/state.ts";
import { WORKLOADS } from "./workloads.ts";
import { Board } from "../server/http/board.ts";
import { ServerMetrics } from "../server/http/metrics.ts";

const UTF8 = new TextEncoder();

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "bids": { type: "string", default: "40000" },
      "clients": { type: "string", default: "64" },
      "log-level": { type: "string", default: "warning" },
      "data-parent": { type: "string", default: "" },
      "store": { type: "string", default: "file" },
      "board": { type: "boolean", default: false },
      "stream-clients": { type: "string", default: "1" },
    },
  });
  const bids = Number(values.bids);
  const clients = Number(values.clients);
  await setUpLogging(values["log-level"] as "warning" | "info");
  const dataDir = await Deno.makeTempDir({
    ...(values["data-parent"] ? { dir: values["data-parent"] } : {}),
    prefix: "auction-hot-",
  });
  const metrics = values.board
    ? new ServerMetrics({ openAuctions: () => 0, sessions: () => 0, streamClients: () => 1 })
    : undefined;
  const store = values.store === "memory"
    ? new MemoryStore()
    : new FileStore(dataDir, { onBatchWritten: metrics?.batchWritten });
  const core = new AuctionCore({
    state: await store.load(),
    store,
    clock: systemClock,
    // Every client is on 127.0.0.1 and one seller lists an item per client: lift those caps.
    config: {
      ...DEFAULT_CONFIG,
      maxUsersPerIp: 0,
      maxListingsPerSeller: 0,
      maxProvisionalPerNetwork: 0,
      maxProvisional: 0,
      maxUsers: 0,
    },
    outbox: { send: metrics ? () => metrics.pushed() : () => {} },
  });
  let reading: Promise<unknown> | undefined;
  let board: Board | undefined;
  if (metrics) {
    core.onCommitted((batch) => metrics.committed(batch));
    const hub = (board = new Board(core, { onDrop: metrics.streamDropped })).hub;
    reading = Promise.all(
      Array.from({ length: Number(values["stream-clients"]) }, async () => {
        for await (const _chunk of hub.connect(null).body!) {
          // A browser reading the stream as fast as it comes.
        }
      }),
    );
  }
  const dispatcher = new Dispatcher(core, { onRequest: metrics?.request });
  const scheduler = new AuctionScheduler(core);
  scheduler.start();
  const workload = WORKLOADS.bid!;
  const request = async (line: string, from: PeerAddress) => {
    let reply = "";
    await dispatcher.dispatch(UTF8.encode(line), from, (text) => reply = text);
    return reply;
  };
  const address = (client: number) => ({ hostname: "127.0.0.1", port: 20_000 + client });
  for (const line of workload.setup(clients)) await request(line, address(-1));
  for (let client = 0; client < clients; client++) {
    for (const line of workload.clientSetup?.(client) ?? []) await request(line, address(client));
  }
  let accepted = 0;
  let sent = 0;
  const startMs = performance.now();
  const startCpu = process.cpuUsage();
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    for (let index = 0; sent < bids; index++) {
      sent++;
      const reply = await request(workload.request(client, index, 1_000 + index), address(client));
      if (reply.startsWith("BID_ACCEPTED")) accepted++;
    }
  }));
  const seconds = (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(startCpu);
  console.log(
    `${accepted} of ${sent} bids accepted in ${seconds.toFixed(2)} s: ` +
      `${(accepted / seconds).toFixed(0)} bids/s, ${
        (1e6 * seconds / sent).toFixed(1)
      } µs per bid, ` +
      `${((cpu.user + cpu.system) / sent).toFixed(1)} µs of CPU per bid`,
  );
  await scheduler.stop();
  board?.close();
  await reading?.catch(() => {});
  metrics?.close();
  await store.close();
  await Deno.remove(dataDir, { recursive: true });
}
