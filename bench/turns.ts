/**
 * `deno task bench:turns`: why pushes wait in a queue of their own (`server/net/push_queue.ts`).
 * One Deno UDP socket is handed a backlog of datagrams for a sink nobody reads; meanwhile a peer
 * sends it a request (how long until its receive completes?) and it sends a reply to the peer
 * (how long until the peer has it?). Ways of handing the backlog over:
 *
 * - `all`: every send at once (what the transport did before the queue);
 * - `immediate`: a window per `setImmediate` (a turn that wakes itself);
 * - `timer`: a window per 0 ms timer;
 * - `ioturn`: a window per {@linkcode IoTurn} (a loopback datagram: what the transport does).
 *
 * deno task bench:turns [--window 100] [--backlogs 1000,6000,20000]
 * @module
 */

import { parseArgs } from "node:util";
import { setImmediate } from "node:timers";
import { IoTurn } from "../server/net/io_turn.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    window: { type: "string", default: "100" },
    backlogs: { type: "string", default: "1000,6000,20000" },
  },
});
const window = Number(values.window);
const backlogs = values.backlogs.split(",").map(Number);
const MODES = ["all", "immediate", "timer", "ioturn"] as const;
type Mode = (typeof MODES)[number];

const bind = () => Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
const udpTo = (socket: Deno.DatagramConn) => ({
  transport: "udp" as const,
  hostname: "127.0.0.1",
  port: (socket.addr as Deno.NetAddr).port,
});
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** One backlog handed over in `mode`: the receive's and the reply's delays, and the drain time. */
async function measure(mode: Mode, backlog: number) {
  const server = bind();
  const sink = bind();
  const peer = bind();
  const datagram = new TextEncoder().encode("AUCTION_ANNOUNCE 1 Kite a_kite 20.00 60");
  let waiting = 0;
  let settled = 0;
  const settle = () => settled++;
  const sendWindow = () => {
    for (let count = 0; count < window && waiting > 0; count++, waiting--) {
      server.send(datagram, udpTo(sink)).then(settle, settle);
    }
    if (waiting > 0) next();
  };
  const turn = new IoTurn(sendWindow);
  const next = () => {
    if (mode === "immediate") setImmediate(sendWindow);
    else if (mode === "timer") setTimeout(sendWindow, 0);
    else turn.request();
  };
  // A first send: the runtime's first burst on a fresh socket is not the steady state.
  await server.send(datagram, udpTo(sink));
  const receiving = server.receive();
  const startedAt = performance.now();
  if (mode === "all") {
    for (let index = 0; index < backlog; index++) {
      server.send(datagram, udpTo(sink)).then(settle, settle);
    }
  } else {
    waiting = backlog;
    sendWindow();
  }
  await tick();
  const requestAt = performance.now();
  await peer.send(datagram, udpTo(server));
  await receiving;
  const receiveMs = performance.now() - requestAt;
  const replying = peer.receive();
  const replyAt = performance.now();
  server.send(datagram, udpTo(peer));
  await replying;
  const replyMs = performance.now() - replyAt;
  while (settled < backlog) await tick();
  const drainMs = performance.now() - startedAt;
  turn.close();
  for (const socket of [server, sink, peer]) socket.close();
  return { receiveMs, replyMs, drainMs };
}

console.log(`window ${window} (all: no window); times in ms`);
for (const backlog of backlogs) {
  for (const mode of MODES) {
    const { receiveMs, replyMs, drainMs } = await measure(mode, backlog);
    console.log(
      `backlog ${String(backlog).padStart(6)}  ${mode.padEnd(9)}  request received after ` +
        `${receiveMs.toFixed(2).padStart(6)}  reply received after ${
          replyMs.toFixed(2).padStart(6)
        }` +
        `  backlog sent in ${drainMs.toFixed(1).padStart(6)} (${
          Math.round(backlog / drainMs * 1000)
        }/s)`,
    );
  }
}
