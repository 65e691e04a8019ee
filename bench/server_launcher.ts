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
    "--max-listings-per-seller",
    "0",
    // The board and its metrics stay on, as by default, on a free port.
    "--http-port",
    "0",
    ...args,
  ]);
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
    for (let attempt = 0;; attempt++) {
      try {
        await probe.request("LOGIN 1 probe", 200);
        break;
      } catch (error) {
        if (attempt >= 100) throw new Error(`The server did not answer: ${error}`);
      }
    }
  } finally {
    await probe.close();
  }
  return {
    udpPort,
    async stop() {
      process.kill("SIGTERM");
      await process.status;
    },
  };
}
