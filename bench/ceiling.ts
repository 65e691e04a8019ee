/**
 * `deno task bench`: durable accepted bids per second against the ceilings of this machine, all
 * measured in one run by a load generator written in C (`bench/loadgen.c`, compiled here with
 * gcc), so that the generator is never the bottleneck:
 *
 * 1. the generator against a C echo server: how fast the generator itself goes;
 * 2. a bare Deno `listenDatagram` echo loop (`bench/echo_server.ts`): the UDP ceiling of Deno;
 * 3. the real server (default flags plus `--rate-limit 0 --log-level warning`), one seller with
 *    one item, one password-less buyer bidding one cent above the last, group commit on;
 * 4. one request in flight against the bare `fdatasync` ceiling of the data folder's disk.
 *
 * Flags: --seconds 3 (per measurement), --in-flight 32,64, --data-parent DIR (a real disk).
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { freePort, startBenchServer, startEchoServer } from "./server_launcher.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** One line of the generator's JSON output. */
export interface LoadResult {
  sent: number;
  replies: number;
  counted: number;
  seconds: number;
  perSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  lost: number;
}

/** Compiles `bench/loadgen.c` into `dir`; returns the binary's path. */
export function buildLoadGenerator(dir: string): Promise<string> {
  return buildC("loadgen", dir);
}

/** Compiles `bench/<name>.c` into `dir/<name>`; returns the binary's path. */
export async function buildC(name: string, dir: string): Promise<string> {
  const binary = join(dir, name);
  const { success, stderr } = await new Deno.Command("gcc", {
    args: ["-O2", "-o", binary, `${ROOT}bench/${name}.c`],
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`gcc failed: ${new TextDecoder().decode(stderr)}`);
  return binary;
}

/** What {@linkcode runLoad} sends (see the modes in `bench/loadgen.c`). */
export interface LoadOptions {
  /** The server's UDP port. */
  port: number;
  /** `echo`, `bid` (lists its own item), `bid-existing`, `bid-fixed` (same amount each time). */
  mode: "echo" | "bid" | "bid-existing" | "bid-fixed";
  /** Requests outstanding at most. */
  inFlight: number;
  /** How long to send. */
  seconds: number;
  /** The item to bid on. @default "Kite" */
  item?: string;
  /** The first bid (or every bid with `bid-fixed`), in cents. @default 200 */
  startCents?: number;
  /** Requests per second, open loop; 0 keeps `inFlight` outstanding (closed loop). @default 0 */
  rate?: number;
}

/** Runs the generator against `port` and returns its result. */
export async function runLoad(binary: string, options: LoadOptions): Promise<LoadResult> {
  const { success, stdout, stderr } = await new Deno.Command(binary, {
    args: [
      "run",
      String(options.port),
      options.mode,
      String(options.inFlight),
      String(options.seconds),
      options.item ?? "Kite",
      String(options.startCents ?? 200),
      String(options.rate ?? 0),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`loadgen failed: ${new TextDecoder().decode(stderr)}`);
  return JSON.parse(new TextDecoder().decode(stdout));
}

/** Appends 64 bytes and `fdatasync`s, over and over, for `seconds`: syncs per second. */
export async function fdatasyncCeiling(dir: string, seconds: number): Promise<number> {
  const path = join(dir, "fdatasync-probe");
  const file = await Deno.open(path, { create: true, write: true, append: true });
  const bytes = new Uint8Array(64).fill(97);
  let count = 0;
  const startMs = performance.now();
  try {
    while (performance.now() - startMs < seconds * 1000) {
      await file.write(bytes);
      await file.syncData();
      count++;
    }
  } finally {
    file.close();
    await Deno.remove(path);
  }
  return count / ((performance.now() - startMs) / 1000);
}

/** Runs the generator's own C echo server on a free port; returns it and a way to stop it. */
export function startCEcho(binary: string): { port: number; stop: () => Promise<void> } {
  const port = freePort("udp");
  const child = new Deno.Command(binary, { args: ["echo-server", String(port)] }).spawn();
  return {
    port,
    stop: async () => {
      child.kill("SIGKILL");
      await child.status;
    },
  };
}

/** A result as `N/s  p50 U µs  p99 U µs`. */
export function rate(result: LoadResult): string {
  return `${result.perSecond.toFixed(0).padStart(7)}/s  p50 ${result.p50Us.toFixed(0)} µs  ` +
    `p99 ${result.p99Us.toFixed(0)} µs`;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "seconds": { type: "string", default: "3" },
      "in-flight": { type: "string", default: "32,64" },
      "data-parent": { type: "string", default: "" },
    },
  });
  const seconds = Number(values.seconds);
  const windows = values["in-flight"].split(",").map(Number);
  const work = await Deno.makeTempDir({ prefix: "auction-bench-" });
  const dataParent = values["data-parent"] || work;
  try {
    const binary = await buildLoadGenerator(work);
    console.log(
      `bench: ${seconds} s per measurement, data under ${await Deno.realPath(dataParent)}`,
    );
    const cEcho = startCEcho(binary);
    const generator = await runLoad(binary, {
      port: cEcho.port,
      mode: "echo",
      inFlight: windows[0]!,
      seconds,
    }).finally(() => cEcho.stop());
    console.log(`generator vs C echo      ${rate(generator)}`);
    for (const inFlight of windows) {
      const echo = await startEchoServer();
      const baseline = await runLoad(binary, {
        port: echo.udpPort,
        mode: "echo",
        inFlight,
        seconds,
      })
        .finally(() => echo.stop());
      const dataDir = await Deno.makeTempDir({ dir: dataParent, prefix: "data-" });
      const server = await startBenchServer(dataDir, ["--rate-limit", "0"]);
      const bids = await runLoad(binary, { port: server.udpPort, mode: "bid", inFlight, seconds })
        .finally(() => server.stop());
      console.log(`${inFlight} in flight:`);
      console.log(`  Deno echo loop         ${rate(baseline)}`);
      console.log(`  durable accepted bids  ${rate(bids)}`);
      console.log(
        `  bids / echo loop       ${(bids.perSecond / baseline.perSecond).toFixed(2)}x` +
          `   (generator ${(generator.perSecond / bids.perSecond).toFixed(1)}x the server)`,
      );
    }
    const ceiling = await fdatasyncCeiling(dataParent, seconds);
    const dataDir = await Deno.makeTempDir({ dir: dataParent, prefix: "data-" });
    const server = await startBenchServer(dataDir, ["--rate-limit", "0"]);
    const single = await runLoad(binary, {
      port: server.udpPort,
      mode: "bid",
      inFlight: 1,
      seconds,
    })
      .finally(() => server.stop());
    console.log(`1 in flight:`);
    console.log(`  fdatasync ceiling      ${ceiling.toFixed(0).padStart(7)}/s`);
    console.log(`  durable accepted bids  ${rate(single)}`);
    console.log(`  bids / fdatasync       ${(single.perSecond / ceiling).toFixed(2)}x`);
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
