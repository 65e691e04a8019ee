/**
 * `deno task bench:fanout` (issue 12, goal 3), against the real server on fresh data folders:
 *
 * 1. One accepted bid on an item with `--subscribers` (10,000) subscribers, each its own user on
 *    its own address (`bench/swarm.c`): the time from the BID leaving the bidder until the last
 *    BID_UPDATE (subscribers and seller) arrived, p50/p99 over `--bids` bids, one at a time.
 *    Baseline in the same run: the same item with no subscriber (the seller's update only).
 * 2. Bid latency (paced `bench/loadgen.c`, `--rate` bids/s) on a server holding `--items`
 *    (10,000) items with 10 subscribers each, with announcements every `--interval` seconds,
 *    against the same server set-up with announcements off.
 * @module
 */

import { parseArgs } from "node:util";
import { buildC, runLoad } from "./ceiling.ts";
import { capsOff, startBenchServer } from "./server_launcher.ts";
import { Swarm } from "./swarm.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "subscribers": { type: "string", default: "10000" },
    "bids": { type: "string", default: "30" },
    "items": { type: "string", default: "10000" },
    "per-item": { type: "string", default: "10" },
    "interval": { type: "string", default: "10" },
    "rate": { type: "string", default: "500" },
    "seconds": { type: "string", default: "12" },
  },
});
const subscribers = Number(values.subscribers);
const bids = Number(values.bids);
const items = Number(values.items);
const perItem = Number(values["per-item"]);
const intervalSeconds = Number(values.interval);
const rate = Number(values.rate);
const seconds = Number(values.seconds);

/** Fan-out of one bid to `count` subscribers: the swarm's `fanout` result. */
async function fanout(swarmBinary: string, count: number): Promise<Record<string, number>> {
  const dataDir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
  const server = await startBenchServer(dataDir, [
    "--rate-limit",
    "0",
    "--announce-interval",
    "0",
    ...await capsOff(),
  ]);
  const swarm = Swarm.start(swarmBinary, { port: server.udpPort, window: 256 });
  try {
    const bidder = count + 1;
    const started = performance.now();
    await swarm.run([
      "R 0 REGISTERED REGISTER 1 fanseller seller 127.0.0.1 9 9",
      `R ${bidder} REGISTERED REGISTER 1 fanbidder buyer 127.0.0.1 9 9`,
    ]);
    await swarm.run(["R 0 ITEM_LISTED LIST_ITEM 2 Fan bench 1.00 3600s"]);
    const peers = Array.from({ length: count }, (_, index) => index + 1);
    await swarm.run(
      peers.map((peer) => `R ${peer} REGISTERED REGISTER 1 f${peer} buyer 1.2.3.4 9 9`),
    );
    await swarm.run(peers.map((peer) => `R ${peer} SUBSCRIBED SUBSCRIBE 2 Fan`));
    const setupSeconds = (performance.now() - started) / 1000;
    await swarm.send([`FANOUT ${bidder} Fan 200 ${bids} ${count + 1}`]);
    const result = (await swarm.next()).fanout as Record<string, number>;
    return { ...result, setupSeconds };
  } finally {
    await swarm.close();
    await server.stop();
  }
}

/** Paced bids on a server with `items` items of `perItem` subscribers, announcing or not. */
async function bidsBeside(
  binaries: { swarm: string; loadgen: string },
  announceIntervalSeconds: number,
) {
  const dataDir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
  const server = await startBenchServer(dataDir, [
    "--rate-limit",
    "0",
    "--announce-interval",
    String(announceIntervalSeconds),
    ...await capsOff(),
  ]);
  const swarm = Swarm.start(binaries.swarm, { port: server.udpPort, window: 256 });
  try {
    await swarm.run(["R 0 REGISTERED REGISTER 1 annseller seller 127.0.0.1 9 9"]);
    const names = Array.from({ length: items }, (_, index) => `A${index}`);
    await swarm.run(
      names.map((name, index) => `R 0 ITEM_LISTED LIST_ITEM ${index + 2} ${name} d 1.00 3600s`),
    );
    const peers = Array.from({ length: perItem }, (_, index) => index + 1);
    await swarm.run(
      peers.map((peer) => `R ${peer} REGISTERED REGISTER 1 a${peer} buyer 1.2.3.4 9 9`),
    );
    await swarm.run(
      peers.flatMap((peer) =>
        names.map((name, index) => `R ${peer} SUBSCRIBED SUBSCRIBE ${index + 2} ${name}`)
      ),
    );
    await swarm.send(["HOLD"]);
    await swarm.next();
    const load = await runLoad(binaries.loadgen, {
      port: server.udpPort,
      mode: "bid",
      inFlight: 256,
      seconds,
      rate,
    });
    const [held] = await swarm.close({ terminate: true });
    return { load, datagrams: Number(held?.datagrams ?? 0) };
  } finally {
    await swarm.close({ terminate: true });
    await server.stop();
  }
}

const work = await Deno.makeTempDir({ prefix: "auction-bench-fanout-" });
try {
  const swarmBinary = await buildC("swarm", work);
  const loadgen = await buildC("loadgen", work);
  const ms = (value: number | undefined) => `${(value ?? NaN).toFixed(1)} ms`;

  console.log(`fan-out of one accepted bid, ${bids} bids one at a time:`);
  const alone = await fanout(swarmBinary, 0);
  console.log(
    `  0 subscribers (baseline)   last update p50 ${ms(alone.p50Ms)}  p99 ${ms(alone.p99Ms)}` +
      `  (reply p50 ${ms(alone.replyP50Ms)})`,
  );
  const many = await fanout(swarmBinary, subscribers);
  console.log(
    `  ${subscribers} subscribers    last update p50 ${ms(many.p50Ms)}  p99 ${ms(many.p99Ms)}` +
      `  max ${ms(many.maxMs)}  (reply p50 ${ms(many.replyP50Ms)} p99 ${ms(many.replyP99Ms)};` +
      ` ${many.complete}/${bids} complete, ${many.missing} updates missing;` +
      ` set-up ${many.setupSeconds?.toFixed(1)} s)`,
  );
  console.log(
    `  goal: every update within 1000 ms: ${(many.p99Ms ?? Infinity) <= 1000 ? "met" : "MISSED"}`,
  );

  console.log(
    `bids at ${rate}/s for ${seconds} s beside ${items} items x ${perItem} subscribers:`,
  );
  const quiet = await bidsBeside({ swarm: swarmBinary, loadgen }, 0);
  const announcing = await bidsBeside({ swarm: swarmBinary, loadgen }, intervalSeconds);
  const row = (label: string, run: typeof quiet) =>
    console.log(
      `  ${label} p50 ${ms(run.load.p50Us / 1000)}  p99 ${ms(run.load.p99Us / 1000)}  ` +
        `p99.9 ${ms(run.load.p999Us / 1000)}  max ${ms(run.load.maxUs / 1000)}  ` +
        `(${run.load.counted}/${run.load.sent} accepted, ${run.datagrams} datagrams to subscribers)`,
    );
  row("announcements off      ", quiet);
  row(`announce every ${intervalSeconds} s     `, announcing);
  const delayMs = (announcing.load.p99Us - quiet.load.p99Us) / 1000;
  console.log(
    `  p99 delay from announcements ${ms(delayMs)}; goal at most 10 ms: ` +
      (delayMs <= 10 ? "met" : "MISSED"),
  );
} finally {
  await Deno.remove(work, { recursive: true });
}
