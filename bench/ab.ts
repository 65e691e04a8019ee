/**
 * `deno task bench:ab`: alternating A/B runs of durable bids against servers of several
 * variants (a checkout of the project and server flags), so that a change can be measured on a
 * machine other work shares: each round runs every variant once, in turn, on a fresh server and
 * data folder, with `bench/loadgen.c` in `bid` mode (or `echo` against `bench/echo_server.ts`
 * for the variant `echo`, and the bare `fdatasync` ceiling for `ceiling`). Besides bids per
 * second it prints the server's main-thread CPU time per request, read from
 * `/proc/PID/task/PID/schedstat` around the run: it moves far less with the machine's load than
 * the throughput does; and the CPU time of all its threads per request (the journal's sync helper
 * polls on one of them). With `ceiling` or `echo` among the variants it ends with each server's
 * ratio to them: of the medians, and the median of the rounds' own ratios.
 *
 * deno task bench:ab [--rounds 4] [--in-flight 32] [--seconds 3] [--rate 0]
 *   NAME=CHECKOUT[|SERVER FLAGS] ... [echo] [ceiling]
 * e.g. `deno task bench:ab before=/tmp/old after=. 'off=.|--no-http'` (the flags of
 * `deno task bench` are always passed: `--rate-limit 0 --log-level warning`, and
 * `--http-port 0` unless the variant says `--no-http`).
 * @module
 */

import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { buildLoadGenerator, fdatasyncCeiling, type LoadResult, runLoad } from "./ceiling.ts";
import { freePort } from "./server_launcher.ts";
import { UdpPeer } from "../tests/_support/udp_peer.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** One variant: a name, the checkout whose `main.ts` runs, and extra server flags. */
interface Variant {
  name: string;
  checkout: string;
  flags: string[];
}

/** A server (or the echo loop) started for one run. */
interface Running {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/** Parses `NAME=CHECKOUT|FLAGS`, `echo` or `ceiling`. */
function parseVariant(text: string): Variant {
  if (text === "echo" || text === "ceiling") return { name: text, checkout: "", flags: [] };
  const match = /^([^=]+)=([^|]+)(?:\|(.*))?$/s.exec(text);
  if (!match) throw new SyntaxError(`Cannot read variant "${text}": NAME=CHECKOUT[|FLAGS]`);
  return {
    name: match[1]!,
    checkout: resolve(match[2]!),
    flags: (match[3] ?? "").split(" ").filter(Boolean),
  };
}

/** Main-thread CPU time of process `pid`, in nanoseconds. */
async function mainThreadCpuNs(pid: number): Promise<number> {
  const { stdout } = await new Deno.Command("cat", {
    args: [`/proc/${pid}/task/${pid}/schedstat`],
  }).output();
  return Number(new TextDecoder().decode(stdout).split(" ")[0]);
}

/** CPU time of all the threads of process `pid` (the main one, the runtime's, workers'), in ns. */
async function processCpuNs(pid: number): Promise<number> {
  // Through `cat`, as above: Deno reads /proc only with every permission.
  const { stdout } = await new Deno.Command("sh", {
    args: ["-c", `cat /proc/${pid}/task/*/schedstat`],
  }).output();
  return new TextDecoder().decode(stdout).trim().split("\n")
    .reduce((sum, line) => sum + Number(line.split(" ")[0]), 0);
}

/** Starts a variant's server (or the echo loop) on free ports and waits until it answers. */
async function start(variant: Variant): Promise<Running> {
  const port = freePort("udp");
  const dataDir = await Deno.makeTempDir({ prefix: "auction-ab-" });
  const args = variant.name === "echo"
    ? ["run", "--allow-net", `${ROOT}bench/echo_server.ts`, "--port", String(port)]
    : [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      `${variant.checkout}/main.ts`,
      "server",
      ...["--host", "127.0.0.1", "--udp-port", String(port)],
      ...["--tcp-port", String(freePort("tcp")), "--data-dir", dataDir],
      ...["--log-level", "warning", "--rate-limit", "0"],
      ...["--max-users-per-ip", "0", "--max-listings-per-seller", "0"],
      ...(variant.flags.includes("--no-http") ? [] : ["--http-port", "0"]),
      ...variant.flags,
    ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: variant.checkout || ROOT,
    stdin: "null",
  }).spawn();
  const probe = new UdpPeer({ port });
  try {
    for (let attempt = 0;; attempt++) {
      try {
        await probe.request(variant.name === "echo" ? "PING 1" : "LOGIN 1 probe", 50);
        break;
      } catch (error) {
        if (attempt >= 600) throw new Error(`${variant.name} did not answer: ${error}`);
      }
    }
  } finally {
    await probe.close();
  }
  return {
    port,
    pid: child.pid,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    allowPositionals: true,
    options: {
      "rounds": { type: "string", default: "4" },
      "in-flight": { type: "string", default: "32" },
      "seconds": { type: "string", default: "3" },
      "rate": { type: "string", default: "0" },
    },
  });
  const variants = positionals.map(parseVariant);
  const inFlight = Number(values["in-flight"]);
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const work = await Deno.makeTempDir({ prefix: "auction-ab-bin-" });
  const perSecond = new Map<string, number[]>();
  const cpuUs = new Map<string, number[]>();
  const allCpuUs = new Map<string, number[]>();
  try {
    const binary = await buildLoadGenerator(work);
    for (let round = 1; round <= Number(values.rounds); round++) {
      const line: string[] = [];
      for (const variant of variants) {
        if (variant.name === "ceiling") {
          const syncs = await fdatasyncCeiling(work, seconds);
          perSecond.set("ceiling", [...perSecond.get("ceiling") ?? [], syncs]);
          line.push(`ceiling ${syncs.toFixed(0)}/s`);
          continue;
        }
        const server = await start(variant);
        let result: LoadResult;
        let cpu: number;
        let allCpu: number;
        try {
          const before = await mainThreadCpuNs(server.pid);
          const allBefore = await processCpuNs(server.pid);
          const mode = variant.name === "echo" ? "echo" : "bid";
          result = await runLoad(binary, { port: server.port, mode, inFlight, seconds, rate });
          cpu = (await mainThreadCpuNs(server.pid) - before) / 1000 / result.counted;
          allCpu = (await processCpuNs(server.pid) - allBefore) / 1000 / result.counted;
        } finally {
          await server.stop();
        }
        perSecond.set(variant.name, [...perSecond.get(variant.name) ?? [], result.perSecond]);
        cpuUs.set(variant.name, [...cpuUs.get(variant.name) ?? [], cpu]);
        allCpuUs.set(variant.name, [...allCpuUs.get(variant.name) ?? [], allCpu]);
        const latency = rate > 0
          ? ` (p50 ${(result.p50Us / 1000).toFixed(2)} ms, p99 ${
            (result.p99Us / 1000).toFixed(1)
          } ms)`
          : "";
        line.push(
          `${variant.name} ${result.perSecond.toFixed(0)}/s ${cpu.toFixed(1)} µs ` +
            `(all threads ${allCpu.toFixed(1)})${latency}`,
        );
      }
      console.log(`round ${round} (load ${Deno.loadavg()[0]!.toFixed(1)}): ${line.join(", ")}`);
    }
    for (const [name, runs] of perSecond) {
      const cpu = cpuUs.get(name);
      const allCpu = allCpuUs.get(name);
      console.log(
        `${name}: median ${median(runs).toFixed(0)}/s` +
          (cpu && allCpu
            ? `, ${median(cpu).toFixed(1)} µs of main-thread CPU per request ` +
              `(${median(allCpu).toFixed(1)} µs of all its threads)`
            : ""),
      );
    }
    // Each server against the baselines measured in the same rounds (`ceiling` for goal 2,
    // `echo` for goal 1): the ratio of the medians, and the median of the rounds' own ratios.
    for (const base of ["ceiling", "echo"]) {
      const baseRuns = perSecond.get(base);
      if (!baseRuns) continue;
      for (const [name, runs] of perSecond) {
        if (name === "ceiling" || name === "echo") continue;
        const ratios = runs.map((value, i) => value / baseRuns[i]!);
        console.log(
          `${name} / ${base}: ${(median(runs) / median(baseRuns)).toFixed(2)}x by medians, ` +
            `rounds ${ratios.map((ratio) => ratio.toFixed(2)).join(" ")} ` +
            `(median ${median(ratios).toFixed(2)}x)`,
        );
      }
    }
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}
