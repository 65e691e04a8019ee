/**
 * `deno task bench:floor`: where the time of one request in flight goes, from the bare UDP echo
 * up to the real server, each measured by `bench/loadgen.c` at 1 in flight (echo mode: any reply
 * counts; `bid` mode for the real server), in alternating rounds. The variants:
 *
 * - `c-ceiling`, `c-ceiling-prealloc`: append 64 bytes + fdatasync in C (`bench/lat_floor.c`),
 *   the second overwriting a file filled and synced beforehand;
 * - `deno-ceiling`: the same in Deno, `await write` + `await syncData` (what `deno task bench`
 *   calls the ceiling);
 * - `c-sync-echo`: a C UDP server: receive, append, fdatasync, send;
 * - `echo`: a Deno UDP echo (`receive` then `send`);
 * - `async-sync`: Deno receive, `writeSync`, `await syncData()`, send;
 * - `async-sync-190`: the same with 190 bytes written per request (a bid's record and commit);
 * - `async-sync-prealloc`, `async-sync-190-prealloc`: the same over a file filled with 64 MB of
 *   zeros and synced first (an fdatasync that changes no size and allocates no block);
 * - `sync-sync`, `sync-sync-prealloc`: the same with `syncDataSync()`;
 * - `journal`: receive, then the project's `JournalWriter.append` of one event (JSON line, CRC,
 *   commit record, group commit), then send;
 * - `server`: the real server (as `deno task bench:ab` starts it), durable accepted bids.
 *
 * deno task bench:floor [--rounds 3] [--seconds 3] [--variants a,b,...]
 *   (`--serve MODE --port N --dir D` runs one Deno variant as the server; used by the driver.)
 * @module
 */

import { parseArgs } from "node:util";
import { join } from "node:path";
import { buildC, buildLoadGenerator, runLoad } from "./ceiling.ts";
import { freePort, startBenchServer } from "./server_launcher.ts";
import { JournalWriter } from "../server/store/journal_writer.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const ALL = [
  "c-ceiling",
  "c-ceiling-prealloc",
  "deno-ceiling",
  "c-sync-echo",
  "echo",
  "async-sync",
  "async-sync-190",
  "async-sync-prealloc",
  "async-sync-190-prealloc",
  "sync-sync",
  "sync-sync-prealloc",
  "journal",
  "server",
];

/** Serves one Deno variant on `port` until killed. */
async function serve(mode: string, port: number, dir: string): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
  const buffer = new Uint8Array(65_536);
  const prealloc = mode.endsWith("-prealloc");
  const file = await Deno.open(join(dir, "floor.log"), {
    create: true,
    write: true,
    append: !prealloc,
  });
  if (prealloc) {
    // Filled with zeros and synced: later writes overwrite blocks already allocated.
    const zeros = new Uint8Array(1 << 20);
    for (let i = 0; i < 64; i++) await file.write(zeros);
    await file.sync();
    await file.seek(0, Deno.SeekMode.Start);
  }
  const padded = new Uint8Array(190).fill(97);
  const writer = new JournalWriter(dir);
  Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
  for (;;) {
    const [bytes, address] = await socket.receive(buffer);
    if (mode !== "echo" && mode !== "journal") {
      const out = mode.includes("-190") ? padded : bytes;
      for (let written = 0; written < out.length;) {
        written += file.writeSync(out.subarray(written));
      }
      if (mode.startsWith("async-sync")) await file.syncData();
      else file.syncDataSync();
    } else if (mode === "journal") {
      await writer.append([{
        type: "bid_placed",
        itemId: 1,
        bidder: "buyer",
        amountCents: bytes.length,
        at: Date.now(),
      } as never]);
    }
    await socket.send(bytes, address);
  }
}

/** Runs a process until `stop`; returns a way to stop it. */
function spawn(command: string, args: string[]): { stop: () => Promise<void> } {
  const child = new Deno.Command(command, { args, stdin: "null", stdout: "null" }).spawn();
  return {
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Waits until a UDP server on `port` echoes a datagram. */
async function waitForEcho(port: number): Promise<void> {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  try {
    for (let attempt = 0; attempt < 400; attempt++) {
      await socket.send(new TextEncoder().encode("PING 0"), {
        transport: "udp",
        hostname: "127.0.0.1",
        port,
      });
      const reply = await Promise.race([
        socket.receive(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), 50)),
      ]);
      if (reply) return;
    }
    throw new Error(`nothing answers on ${port}`);
  } finally {
    socket.close();
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "3" },
      variants: { type: "string", default: ALL.join(",") },
      serve: { type: "string" },
      port: { type: "string" },
      dir: { type: "string" },
    },
  });
  if (values.serve) {
    await serve(values.serve, Number(values.port), values.dir!);
  } else {
    const seconds = Number(values.seconds);
    const variants = values.variants.split(",");
    const work = await Deno.makeTempDir({ prefix: "auction-floor-" });
    const results = new Map<string, number[]>();
    try {
      const loadgen = await buildLoadGenerator(work);
      const floor = await buildC("lat_floor", work);
      for (let round = 1; round <= Number(values.rounds); round++) {
        const line: string[] = [];
        for (const variant of variants) {
          const dir = await Deno.makeTempDir({ dir: work, prefix: "data-" });
          let perSecond: number;
          try {
            if (variant.startsWith("c-ceiling")) {
              const { stdout } = await new Deno.Command(floor, {
                args: ["ceiling", join(dir, "probe"), String(seconds)].concat(
                  variant.endsWith("prealloc") ? ["prealloc"] : [],
                ),
                stdout: "piped",
              }).output();
              perSecond = Number(new TextDecoder().decode(stdout));
            } else if (variant === "deno-ceiling") {
              const { fdatasyncCeiling } = await import("./ceiling.ts");
              perSecond = await fdatasyncCeiling(dir, seconds);
            } else if (variant === "server") {
              const server = await startBenchServer(dir, ["--rate-limit", "0"]);
              try {
                perSecond = (await runLoad(loadgen, {
                  port: server.udpPort,
                  mode: "bid",
                  inFlight: 1,
                  seconds,
                })).perSecond;
              } finally {
                await server.stop();
              }
            } else {
              const port = freePort("udp");
              const child = variant === "c-sync-echo"
                ? spawn(floor, ["serve", String(port), join(dir, "log")])
                : spawn(Deno.execPath(), [
                  "run",
                  "--allow-net",
                  "--allow-read",
                  "--allow-write",
                  `${ROOT}bench/lat_floor.ts`,
                  ...["--serve", variant, "--port", String(port), "--dir", dir],
                ]);
              try {
                await waitForEcho(port);
                perSecond = (await runLoad(loadgen, {
                  port,
                  mode: "echo",
                  inFlight: 1,
                  seconds,
                })).perSecond;
              } finally {
                await child.stop();
              }
            }
          } finally {
            await Deno.remove(dir, { recursive: true });
          }
          results.set(variant, [...results.get(variant) ?? [], perSecond]);
          line.push(`${variant} ${perSecond.toFixed(0)}`);
        }
        console.log(`round ${round} (load ${Deno.loadavg()[0]!.toFixed(1)}): ${line.join(", ")}`);
      }
      const base = median(results.get("deno-ceiling") ?? [NaN]);
      for (const [variant, runs] of results) {
        console.log(
          `${variant.padEnd(20)} median ${median(runs).toFixed(0).padStart(7)}/s` +
            // Without the `deno-ceiling` variant there is nothing to compare with.
            (Number.isNaN(base) ? "" : `  ${(median(runs) / base).toFixed(2)}x the Deno ceiling`),
        );
      }
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  }
}
