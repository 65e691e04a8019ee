/**
 * `deno task bench:latency` (issue 12, goal 7): p50/p99 of a BID at half the maximum
 * throughput. In one run, with `bench/loadgen.c`:
 *
 * 1. the maximum: durable accepted bids, closed loop, `--in-flight` (32) outstanding, on the
 *    set-up of `deno task bench` (default flags plus `--rate-limit 0`, one seller, one item, one
 *    password-less buyer, every bid one cent higher);
 * 2. the same on a fresh server, paced (open loop) at half that rate: latency from the time each
 *    bid was due until its BID_ACCEPTED;
 * 3. baselines at the same paced rate: the generator against its own C echo server (the
 *    machine's and the generator's noise floor) and against a bare Deno echo loop.
 * @module
 */

import { parseArgs } from "node:util";
import { buildC, type LoadResult, runLoad, startCEcho } from "./ceiling.ts";
import { startBenchServer, startEchoServer } from "./server_launcher.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    "in-flight": { type: "string", default: "32" },
    "seconds": { type: "string", default: "5" },
  },
});
const inFlight = Number(values["in-flight"]);
const seconds = Number(values.seconds);

const work = await Deno.makeTempDir({ prefix: "auction-bench-latency-" });
try {
  const loadgen = await buildC("loadgen", work);
  const bids = async (rate: number) => {
    const dataDir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
    const server = await startBenchServer(dataDir, ["--rate-limit", "0"]);
    try {
      const result = await runLoad(loadgen, {
        port: server.udpPort,
        mode: "bid",
        inFlight: rate > 0 ? 1024 : inFlight,
        seconds,
        rate,
      });
      return { ...result, socketDrops: await socketDrops(server.udpPort) };
    } finally {
      await server.stop();
    }
  };
  const maximum = await bids(0);
  const half = Math.round(maximum.perSecond / 2);
  const paced = await bids(half);
  const cEcho = startCEcho(loadgen);
  const cBaseline = await runLoad(loadgen, {
    port: cEcho.port,
    mode: "echo",
    inFlight: 1024,
    seconds,
    rate: half,
  }).finally(() => cEcho.stop());
  const denoEcho = await startEchoServer();
  const denoBaseline = await runLoad(loadgen, {
    port: denoEcho.udpPort,
    mode: "echo",
    inFlight: 1024,
    seconds,
    rate: half,
  }).finally(() => denoEcho.stop());

  const ms = (us: number) => `${(us / 1000).toFixed(2)} ms`.padStart(9);
  const row = (label: string, result: LoadResult) =>
    console.log(
      `  ${label.padEnd(24)} p50 ${ms(result.p50Us)}  p99 ${ms(result.p99Us)}  ` +
        `p99.9 ${ms(result.p999Us)}  max ${ms(result.maxUs)}  ` +
        `(${result.counted}/${result.sent}, ${result.lost} lost)`,
    );
  console.log(
    `maximum: ${maximum.perSecond.toFixed(0)} accepted bids/s with ${inFlight} in flight ` +
      `(p50 ${ms(maximum.p50Us).trim()}, p99 ${ms(maximum.p99Us).trim()})`,
  );
  console.log(`paced at half of it, ${half}/s for ${seconds} s:`);
  row("durable accepted bids", paced);
  if (paced.socketDrops !== null) {
    console.log(
      `  the server's socket dropped ${paced.socketDrops} datagrams (its receive buffer was full: ` +
        `net.core.rmem_default ${await readProc("/proc/sys/net/core/rmem_default")} bytes)`,
    );
  }
  row("C echo (noise floor)", cBaseline);
  row("Deno echo loop", denoBaseline);
} finally {
  await Deno.remove(work, { recursive: true });
}

/**
 * A file of `/proc`, trimmed, or "unknown": Deno asks for --allow-all to read `/proc/net` and
 * `/proc/sys`, so `cat` (the benchmark may run programs) reads it.
 */
async function readProc(path: string): Promise<string> {
  try {
    const output = await new Deno.Command("cat", { args: [path], stderr: "null" }).output();
    return output.success ? new TextDecoder().decode(output.stdout).trim() : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Datagrams the kernel dropped at the UDP socket bound to `port` on 127.0.0.1 because its
 * receive buffer was full (the last column of `/proc/net/udp`), or null where that cannot be read.
 */
async function socketDrops(port: number): Promise<number | null> {
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const line = (await readProc("/proc/net/udp")).split("\n")
    .find((row) => row.trim().split(/\s+/)[1] === local);
  return line ? Number(line.trim().split(/\s+/).at(-1)) : null;
}
