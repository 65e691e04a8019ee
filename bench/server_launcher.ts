/**
 * Starts the real server (`main.ts server`) for the benchmark at `--log-level warning` on free
 * ports, or the baseline echo server, and waits until it answers a probe (at that level the
 * server logs nothing when ready).
 * @module
 */

import { UdpPeer } from "../tests/_support/udp_peer.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** A running benchmark server. */
export interface BenchServer {
  /** Its UDP port. */
  udpPort: number;
  /** Its process id (the `deno` process running it). */
  pid: number;
  /** Stops it with SIGTERM and waits for it to exit. */
  stop(): Promise<void>;
}

/** A port that was free a moment ago on 127.0.0.1 (`udp` or `tcp`). */
export function freePort(transport: "udp" | "tcp"): number {
  const listener = transport === "udp"
    ? Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 })
    : Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Starts the server on `dataDir` with `args`; resolves once it answers over UDP. */
export function startBenchServer(dataDir: string, args: string[]): Promise<BenchServer> {
  // AUCTION_BENCH_DENO_FLAGS, e.g. "--cpu-prof --cpu-prof-dir=prof", profiles the server.
  const denoFlags = (Deno.env.get("AUCTION_BENCH_DENO_FLAGS") ?? "").split(" ").filter(Boolean);
  return startAndProbe((udpPort) => [
    ...denoFlags,
    "--allow-net",
    "--allow-read",
    "--allow-write",
    "--allow-env",
    `${ROOT}main.ts`,
    "server",
    "--host",
    "127.0.0.1",
    "--udp-port",
    String(udpPort),
    "--tcp-port",
    String(freePort("tcp")),
    "--data-dir",
    dataDir,
    "--log-level",
    "warning",
    // Every client is on 127.0.0.1 and one seller lists an item per client: lift those caps.
    "--max-users-per-ip",
    "0",
    "--max-provisional-per-net",
    "0",
    "--max-listings-per-seller",
    "0",
    // The board and its metrics stay on, as by default, on a free port.
    "--http-port",
    "0",
    ...args,
  ]);
}

/** The per-user and per-seller caps that the benchmarks with many users turn off. */
const CAP_FLAGS = [
  "--max-users",
  "--max-provisional",
  "--max-provisional-per-net",
  "--max-users-per-ip",
  "--max-subscriptions-per-user",
  "--max-listings-per-seller",
  "--max-sales-in-flight",
  "--max-tcp-per-ip",
] as const;

let capFlagsOff: Promise<string[]> | undefined;

/**
 * `--flag 0` for each cap of {@linkcode CAP_FLAGS} that this server has (those its
 * `server --help` lists), so that a benchmark with 10,000 users from one machine runs with or
 * without them.
 */
export function capsOff(): Promise<string[]> {
  capFlagsOff ??= (async () => {
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--allow-read", "--allow-env", `${ROOT}main.ts`, "server", "--help"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const usage = new TextDecoder().decode(stdout);
    return CAP_FLAGS.filter((flag) => new RegExp(`${flag}\\b`).test(usage))
      .flatMap((flag) => [flag, "0"]);
  })();
  return capFlagsOff;
}

/**
 * A memory figure of process `pid` in bytes: `VmRSS` (resident now) or `VmHWM` (peak) of
 * `/proc/PID/status`, read with `cat` (Deno lets only `--allow-all` read `/proc` itself).
 */
export async function residentBytes(pid: number, field = "VmRSS"): Promise<number> {
  const { stdout } = await new Deno.Command("cat", { args: [`/proc/${pid}/status`] }).output();
  const status = new TextDecoder().decode(stdout);
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, "m").exec(status);
  if (!match) throw new Error(`No ${field} in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}

/** Starts the baseline, a bare UDP echo server (`echo_server.ts`); resolves once it answers. */
export function startEchoServer(): Promise<BenchServer> {
  return startAndProbe((udpPort) => [
    "--allow-net",
    `${ROOT}bench/echo_server.ts`,
    "--port",
    String(udpPort),
  ]);
}

/** Runs `deno run <args(udpPort)>` and waits until the process answers a probe on `udpPort`. */
async function startAndProbe(args: (udpPort: number) => string[]): Promise<BenchServer> {
  const udpPort = freePort("udp");
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", ...args(udpPort)],
    stdin: "null",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  const probe = new UdpPeer({ port: udpPort });
  try {
    // Every 50 ms for up to 60 s: a server recovering a big journal takes a while to answer.
    for (let attempt = 0;; attempt++) {
      try {
        await probe.request("LOGIN 1 probe", 50);
        break;
      } catch (error) {
        if (attempt >= 1200) throw new Error(`The server did not answer: ${error}`);
      }
    }
  } finally {
    await probe.close();
  }
  return {
    udpPort,
    pid: process.pid,
    async stop() {
      process.kill("SIGTERM");
      await process.status;
    },
  };
}
