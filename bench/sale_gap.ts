/**
 * What `--tcp-message-gap-ms` costs a sale: runs whole sales against the real server with gap 0
 * and with the default 250 ms, each party answering INFORM_Req at once, and prints the median
 * time from WINNER to Shipping_Info as the parties see it.
 *
 *     deno run --allow-run --allow-read --allow-write --allow-net --allow-env bench/sale_gap.ts
 * @module
 */

import { startServerProcess } from "../tests/_support/server_process.ts";
import { TcpPeer } from "../tests/_support/tcp_peer.ts";
import { UdpPeer } from "../tests/_support/udp_peer.ts";

const SALES_PER_GAP = 5;
const GAPS_MS = [0, 250];

/** Records when each line arrived, and answers INFORM_Req at once. */
function party(name: string, card: string) {
  const peer = new TcpPeer();
  const arrivedAtMs = new Map<string, number>();
  peer.onLine = (line, reply) => {
    const type = line.split(" ")[0]!;
    if (!arrivedAtMs.has(type)) arrivedAtMs.set(type, performance.now());
    const inform = /^INFORM_Req (\d+) /.exec(line);
    if (inform) {
      reply(`INFORM_Res ${inform[1]} ${name} ${card} 12/39 1 Main Street\n`).catch(() => {});
    }
  };
  return { peer, arrivedAtMs };
}

async function oneSale(udpPort: number, index: number) {
  const buyer = party("bea", "4111111111111111");
  const seller = party("sam", "5555555555554444");
  const buyerUdp = new UdpPeer({ port: udpPort });
  const sellerUdp = new UdpPeer({ port: udpPort });
  try {
    await sellerUdp.request(
      `REGISTER 1 sam${index} seller 127.0.0.1 ${sellerUdp.port} ${seller.peer.port}`,
    );
    await buyerUdp.request(
      `REGISTER 1 bea${index} buyer 127.0.0.1 ${buyerUdp.port} ${buyer.peer.port}`,
    );
    await sellerUdp.request(`LIST_ITEM 2 Kite${index} "A kite" 10.00 1`);
    await buyerUdp.request(`SUBSCRIBE 2 Kite${index}`);
    await buyerUdp.request(`BID 3 Kite${index} 25.00`);
    await seller.peer.waitForLine(/^Shipping_Info /, 20_000);
    await buyer.peer.waitForEof(1, 20_000);
    seller.peer.connections[0]?.close();
    const winnerAtMs = buyer.arrivedAtMs.get("WINNER")!;
    return {
      informReqMs: buyer.arrivedAtMs.get("INFORM_Req")! - winnerAtMs,
      shippingMs: seller.arrivedAtMs.get("Shipping_Info")! - winnerAtMs,
    };
  } finally {
    await Promise.all([buyerUdp.close(), sellerUdp.close()]);
    await Promise.all([buyer.peer.close(), seller.peer.close()]);
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

for (const gapMs of GAPS_MS) {
  const server = await startServerProcess({
    args: [
      "--duration-unit",
      "seconds",
      "--announce-interval",
      "0",
      "--tcp-message-gap-ms",
      String(gapMs),
    ],
  });
  const results = [];
  try {
    for (let index = 0; index < SALES_PER_GAP; index++) {
      results.push(await oneSale(server.udpPort, index));
    }
  } finally {
    await server.stop();
    await Deno.remove(server.dataDir, { recursive: true });
  }
  const informReq = median(results.map((result) => result.informReqMs)).toFixed(0);
  const shipping = median(results.map((result) => result.shippingMs)).toFixed(0);
  console.log(
    `gap ${gapMs} ms: WINNER -> INFORM_Req ${informReq} ms, WINNER -> Shipping_Info ${shipping} ms ` +
      `(median of ${SALES_PER_GAP})`,
  );
}
