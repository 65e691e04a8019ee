/**
 * `deno task bench`: acknowledged requests per second over UDP on 127.0.0.1, with many
 * concurrent clients, against real server processes: once with group commit and once with one
 * fsync per request (`--no-group-commit`), in the same run, then the ratio.
 *
 * Flags: --request register (the workload), --clients 64, --seconds 3, --data-parent DIR (where
 * the temporary data folders go, default the system's temp folder; it must be a real disk, not
 * a tmpfs, for fsync to mean anything).
 * @module
 */

import { parseArgs } from "node:util";
import { startBenchServer } from "./server_launcher.ts";
import { UdpPeer } from "../tests/_support/udp_peer.ts";
import { type BenchWorkload, WORKLOADS } from "./workloads.ts";

const RETRANSMIT_MS = 1_000;

/** The result of one measured mode. */
interface Measured {
  acknowledged: number;
  seconds: number;
  perSecond: number;
}

async function measure(
  workload: BenchWorkload,
  options: { clients: number; seconds: number; dataParent: string; serverArgs: string[] },
): Promise<Measured> {
  const dataDir = await Deno.makeTempDir({
    ...(options.dataParent ? { dir: options.dataParent } : {}),
    prefix: "auction-bench-",
  });
  const server = await startBenchServer(dataDir, options.serverArgs);
  const peers = Array.from(
    { length: options.clients },
    () => new UdpPeer({ port: server.udpPort }),
  );
  try {
    for (const line of workload.setup) await peers[0]!.request(line);
    let acknowledged = 0;
    const startMs = performance.now();
    const endMs = startMs + options.seconds * 1000;
    await Promise.all(peers.map(async (peer, client) => {
      for (let index = 0; performance.now() < endMs; index++) {
        const rq = 1_000 + index;
        const line = workload.request(client, index, rq);
        const from = peer.received.length;
        for (let attempt = 0; attempt < 5; attempt++) {
          await peer.send(line);
          try {
            const reply = await peer.waitFor((message) => message.rq === rq, {
              timeoutMs: RETRANSMIT_MS,
              from,
            });
            if (workload.isAcknowledgement(reply.type) && performance.now() <= endMs) {
              acknowledged++;
            }
            break;
          } catch {
            // Lost or not yet answered: resend the same bytes, as a client would.
          }
        }
        peer.received.length = 0;
      }
    }));
    const seconds = (performance.now() - startMs) / 1000;
    return { acknowledged, seconds, perSecond: acknowledged / seconds };
  } finally {
    await Promise.all(peers.map((peer) => peer.close()));
    await server.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "request": { type: "string", default: "register" },
      "clients": { type: "string", default: "64" },
      "seconds": { type: "string", default: "3" },
      "data-parent": { type: "string", default: "" },
    },
  });
  const workload = WORKLOADS[values.request];
  if (!workload) {
    console.error(`--request must be one of ${Object.keys(WORKLOADS).join(", ")}`);
    Deno.exit(2);
  }
  const options = {
    clients: Number(values.clients),
    seconds: Number(values.seconds),
    dataParent: values["data-parent"],
  };
  console.log(
    `${values.request}: ${options.clients} clients, ${options.seconds} s per mode, ` +
      `data under ${await Deno.realPath(options.dataParent || Deno.env.get("TMPDIR") || "/tmp")}`,
  );
  const group = await measure(workload, { ...options, serverArgs: [] });
  console.log(`group commit:       ${group.perSecond.toFixed(0)} acknowledged requests/s`);
  const each = await measure(workload, { ...options, serverArgs: ["--no-group-commit"] });
  console.log(`fsync per request:  ${each.perSecond.toFixed(0)} acknowledged requests/s`);
  console.log(`ratio:              ${(group.perSecond / each.perSecond).toFixed(1)}x`);
}
