/**
 * `deno task bench:recovery` (issue 12, goal 5):
 *
 * 1. Replay: a journal of `--events` (1,000,000) records of a busy server (users, items, then
 *    accepted bids, each `bid_placed` with its `request_answered`), written with the store's own
 *    encoder (`bench/history.ts`), no snapshot. Timed twice: `recover()` in this process, and
 *    the real server from spawn until it answers over UDP, against the same start on an empty
 *    folder in the same run.
 * 2. Snapshot stalls: paced BIDs (`bench/loadgen.c`, `--rate` per second) on a server holding
 *    `--open-items` (100,000) open items with `--snapshot-events` small enough that it writes a
 *    snapshot every second or two (each BID journals 2 events), against the same load on an
 *    empty server (same flags). The rate is low (20/s) because with 100,000 open items each
 *    accepted bid costs the server milliseconds (the scheduler's deadline scan): a higher rate
 *    measures that queue, not the snapshots.
 * @module
 */

import { parseArgs } from "node:util";
import { buildC, type LoadResult, runLoad } from "./ceiling.ts";
import { busyEvents, itemEvents, writeJournalOf, writeSnapshotOf } from "./history.ts";
import { startBenchServer } from "./server_launcher.ts";
import { recover } from "../server/store/recovery.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "events": { type: "string", default: "1000000" },
    "open-items": { type: "string", default: "100000" },
    "snapshot-events": { type: "string", default: "40" },
    "rate": { type: "string", default: "20" },
    "seconds": { type: "string", default: "10" },
  },
});
const eventCount = Number(values.events);
const openItems = Number(values["open-items"]);
const snapshotEvents = values["snapshot-events"];
const rate = Number(values.rate);
const seconds = Number(values.seconds);

/** Seconds from spawning the server on `dataDir` until it answers a probe. */
async function startSeconds(dataDir: string): Promise<number> {
  const startedAt = performance.now();
  const server = await startBenchServer(dataDir, []);
  const elapsed = (performance.now() - startedAt) / 1000;
  await server.stop();
  return elapsed;
}

async function paced(loadgen: string, dataDir: string): Promise<LoadResult> {
  const server = await startBenchServer(dataDir, [
    "--rate-limit",
    "0",
    "--snapshot-events",
    snapshotEvents,
  ]);
  try {
    return await runLoad(loadgen, {
      port: server.udpPort,
      mode: "bid",
      inFlight: 256,
      seconds,
      rate,
    });
  } finally {
    await server.stop();
  }
}

const work = await Deno.makeTempDir({ prefix: "auction-bench-recovery-" });
try {
  const loadgen = await buildC("loadgen", work);
  const nowMs = Date.now();

  const journalDir = `${work}/journal`;
  let startedAt = performance.now();
  const written = await writeJournalOf(
    journalDir,
    busyEvents(eventCount, { nowMs, users: 1000, items: 1000 }),
  );
  const writeSeconds = (performance.now() - startedAt) / 1000;
  const bytes = (await Deno.stat(`${journalDir}/journal-0000000000000001.jsonl`)).size;
  console.log(
    `replay of ${written} journal events (${(bytes / 1e6).toFixed(0)} MB, written in ` +
      `${writeSeconds.toFixed(1)} s):`,
  );
  startedAt = performance.now();
  const recovered = await recover(journalDir, { readOnly: true });
  const recoverSeconds = (performance.now() - startedAt) / 1000;
  console.log(
    `  recover() in this process   ${recoverSeconds.toFixed(2)} s ` +
      `(${(recovered.replayed / recoverSeconds).toFixed(0)} events/s)`,
  );
  const emptyDir = await Deno.makeTempDir({ dir: work, prefix: "empty-" });
  const emptyStart = await startSeconds(emptyDir);
  const fullStart = await startSeconds(journalDir);
  console.log(`  server start, empty folder  ${emptyStart.toFixed(2)} s (baseline)`);
  console.log(
    `  server start, the journal   ${fullStart.toFixed(2)} s: replay adds ` +
      `${(fullStart - emptyStart).toFixed(2)} s; goal under 5 s: ` +
      (fullStart - emptyStart < 5 ? "met" : "MISSED"),
  );
  await Deno.remove(journalDir, { recursive: true });

  console.log(
    `BIDs at ${rate}/s for ${seconds} s, a snapshot every ${snapshotEvents} events:`,
  );
  const smallDir = await Deno.makeTempDir({ dir: work, prefix: "small-" });
  const small = await paced(loadgen, smallDir);
  const bigDir = await Deno.makeTempDir({ dir: work, prefix: "big-" });
  const { serializeMs } = await writeSnapshotOf(
    bigDir,
    itemEvents(openItems, { nowMs, closed: false, prefix: "open" }),
    nowMs,
  );
  const snapshotBytes = (await Deno.stat(`${bigDir}/state.json`)).size;
  const big = await paced(loadgen, bigDir);
  const row = (label: string, result: LoadResult) =>
    console.log(
      `  ${label} p50 ${(result.p50Us / 1000).toFixed(1)} ms  p99 ${
        (result.p99Us / 1000).toFixed(1)
      } ms  p99.9 ${(result.p999Us / 1000).toFixed(1)} ms  max ${
        (result.maxUs / 1000).toFixed(1)
      } ms  (${result.counted}/${result.sent} accepted, ${result.lost} lost)`,
    );
  row("empty state (baseline)        ", small);
  row(`${openItems} open items          `, big);
  console.log(
    `  (the snapshot of ${openItems} open items is ${(snapshotBytes / 1e6).toFixed(0)} MB; ` +
      `serializeSnapshot took ${serializeMs.toFixed(0)} ms in this process)\n  ` +
      `goal: no request waits more than 50 ms: ${
        big.maxUs <= 50_000 && big.lost === 0 && big.counted > 0 ? "met" : "MISSED"
      }`,
  );
} finally {
  await Deno.remove(work, { recursive: true });
}
