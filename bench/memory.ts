/**
 * `deno task bench:memory` (issue 12, goal 6): what users, items and subscriptions cost.
 *
 * 1. The real server (caps off, `--announce-interval 0`). Items: the server started on a data
 *    folder holding `--items` (100,000) open items (a snapshot written with the store's own
 *    modules, `bench/history.ts`), against the server started on an empty folder, in the same
 *    run (listing them over UDP takes minutes: each listing scans every deadline of the
 *    scheduler). Then, fed over UDP by `bench/swarm.c`: `--users` (100,000) buyers each
 *    registering from its own loopback address, then one subscription per user. The server's
 *    `VmRSS` (`/proc/PID/status`) after each phase, 2 s after it settled: the growth per item,
 *    user and subscription. RSS holds what V8 has not collected yet and the cached replies of
 *    the phase (one per request, kept 247 s), so it is an upper bound.
 * 2. The same state built in this process with `applyEvent` and measured with
 *    `Deno.memoryUsage().heapUsed` after a full GC (`--v8-flags=--expose-gc`): the bytes the live
 *    state itself holds, without cached replies or garbage.
 * @module
 */

import { parseArgs } from "node:util";
import { buildC } from "./ceiling.ts";
import { capsOff, residentBytes, startBenchServer } from "./server_launcher.ts";
import { runSwarm } from "./swarm.ts";
import { itemEvents, writeSnapshotOf } from "./history.ts";
import { applyEvent } from "../auction/apply.ts";
import type { AuctionEvent } from "../auction/events.ts";
import { type AuctionState, emptyState } from "../auction/state.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "users": { type: "string", default: "100000" },
    "items": { type: "string", default: "100000" },
    "snapshot-events": { type: "string", default: "" },
  },
});
const users = Number(values.users);
const items = Number(values.items);
/** `--snapshot-events N` for the server (its default when empty): snapshots leave garbage. */
const snapshotFlags = values["snapshot-events"]
  ? ["--snapshot-events", values["snapshot-events"]]
  : [];
const MB = 1024 * 1024;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` numbers from 1. */
function peers(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

async function serverMemory(swarmBinary: string) {
  const flags = [
    "--rate-limit",
    "0",
    "--announce-interval",
    "0",
    ...snapshotFlags,
    ...await capsOff(),
  ];
  const settled = async (pid: number) => {
    await delay(2000);
    return await residentBytes(pid);
  };
  const rss: Record<string, number> = {};
  const emptyDir = await Deno.makeTempDir({ dir: work, prefix: "empty-" });
  const empty = await startBenchServer(emptyDir, flags);
  rss.start = await settled(empty.pid).finally(() => empty.stop());
  console.log(`  empty folder   RSS ${(rss.start / MB).toFixed(0)} MB`);

  const dataDir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
  const nowMs = Date.now();
  await writeSnapshotOf(dataDir, itemEvents(items, { nowMs, closed: false, prefix: "M" }), nowMs);
  const server = await startBenchServer(dataDir, flags);
  try {
    rss.items = await settled(server.pid);
    console.log(
      `  ${items} items    RSS ${(rss.items / MB).toFixed(0)} MB (loaded from a snapshot)`,
    );
    const options = {
      port: server.udpPort,
      basePort: 20_000 + Math.floor(Math.random() * 20_000),
      window: 512,
      closeIdle: true,
    };
    const timed = async (label: string, lines: string[]) => {
      const startedAt = performance.now();
      await runSwarm(swarmBinary, options, lines);
      const seconds = (performance.now() - startedAt) / 1000;
      rss[label] = await settled(server.pid);
      console.log(
        `  ${label.padEnd(14)} ${lines.length} requests in ${seconds.toFixed(1)} s, ` +
          `RSS ${(rss[label]! / MB).toFixed(0)} MB`,
      );
    };
    await timed(
      "users",
      peers(users).map((peer) => `R ${peer} REGISTERED REGISTER 1 m${peer} buyer 1.2.3.4 9 9`),
    );
    await timed(
      "subscriptions",
      peers(users).map((peer) => `R ${peer} SUBSCRIBED SUBSCRIBE 2 M${(peer - 1) % items}`),
    );
    const peak = await residentBytes(server.pid, "VmHWM");
    return { rss, peak };
  } finally {
    await server.stop();
  }
}

/** Heap bytes after a full GC (needs `--v8-flags=--expose-gc`). */
function heapUsed(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("Run with --v8-flags=--expose-gc");
  gc();
  gc();
  return Deno.memoryUsage().heapUsed;
}

function stateMemory() {
  const state: AuctionState = emptyState();
  const apply = (events: Iterable<AuctionEvent>) => {
    for (const event of events) applyEvent(state, event);
  };
  const nowMs = Date.now();
  const before = heapUsed();
  apply([{
    type: "user_registered",
    atMs: nowMs,
    name: "memseller",
    role: "seller",
    declaredIp: "127.0.0.1",
    udpPort: 9,
    tcpPort: 9,
    session: { hostname: "127.0.0.1", port: 9 },
  }]);
  apply(
    peers(users).map((peer): AuctionEvent => ({
      type: "user_registered",
      atMs: nowMs,
      name: `m${peer}`,
      role: "buyer",
      declaredIp: "1.2.3.4",
      udpPort: 9,
      tcpPort: 9,
      session: { hostname: `127.1.${peer >> 8 & 255}.${peer & 255}`, port: 30_000 + (peer >> 16) },
    })),
  );
  const afterUsers = heapUsed();
  // What the server also keeps for each REGISTER: its reply, for 247 s.
  apply(
    peers(users).map((peer): AuctionEvent => ({
      type: "request_answered",
      atMs: nowMs,
      source: `127.1.${peer >> 8 & 255}.${peer & 255}:${30_000 + (peer >> 16)}`,
      rq: 1,
      requestDigest: "0123456789abcdef",
      reply: "REGISTERED 1",
    })),
  );
  const afterReplies = heapUsed();
  apply(
    peers(items).map((index): AuctionEvent => ({
      type: "item_listed",
      atMs: nowMs,
      id: index,
      name: `M${index - 1}`,
      description: "d",
      seller: "memseller",
      startPriceCents: 100,
      durationMs: 3_600_000,
      endsAtMs: nowMs + 3_600_000,
    })),
  );
  const afterItems = heapUsed();
  apply(
    peers(users).map((peer): AuctionEvent => ({
      type: "subscribed",
      atMs: nowMs,
      itemId: (peer - 1) % items + 1,
      user: `m${peer}`,
    })),
  );
  const afterSubscriptions = heapUsed();
  return {
    user: (afterUsers - before) / users,
    reply: (afterReplies - afterUsers) / users,
    item: (afterItems - afterReplies) / items,
    subscription: (afterSubscriptions - afterItems) / users,
    total: afterSubscriptions - before,
    keep: state,
  };
}

const work = await Deno.makeTempDir({ prefix: "auction-bench-memory-" });
try {
  const swarmBinary = await buildC("swarm", work);
  console.log(`the server, ${users} users, ${items} items, ${users} subscriptions:`);
  const { rss, peak } = await serverMemory(swarmBinary);
  const per = (after: string, before: string, count: number) =>
    ((rss[after]! - rss[before]!) / count).toFixed(0).padStart(6);
  console.log(`  bytes per open item    ${per("items", "start", items)} (RSS growth)`);
  console.log(`  bytes per idle user    ${per("users", "items", users)}`);
  console.log(`  bytes per subscription ${per("subscriptions", "users", users)}`);
  console.log(
    `  RSS with ${users} users and ${items} items: ${(rss.users! / MB).toFixed(0)} MB ` +
      `(${(rss.subscriptions! / MB).toFixed(0)} MB with the subscriptions; ` +
      `peak ${(peak / MB).toFixed(0)} MB; ${(rss.start! / MB).toFixed(0)} MB empty)`,
  );
  const state = stateMemory();
  console.log(`the live state alone (applyEvent in this process, heap after GC):`);
  console.log(`  bytes per idle user    ${state.user.toFixed(0).padStart(6)}`);
  console.log(`  its cached reply       ${state.reply.toFixed(0).padStart(6)} (kept 247 s)`);
  console.log(`  bytes per open item    ${state.item.toFixed(0).padStart(6)}`);
  console.log(`  bytes per subscription ${state.subscription.toFixed(0).padStart(6)}`);
  console.log(`  all of it              ${(state.total / MB).toFixed(0).padStart(6)} MB`);
} finally {
  await Deno.remove(work, { recursive: true });
}
