import assert from "node:assert/strict";
import type { AuctionEvent } from "../../server/events.ts";
import { type ServerHandle, startServer } from "../../server/server.ts";
import { BadPeer, FLOOD_BYTES, type Misbehaviour } from "../_support/bad_peer.ts";
import { TcpPeer } from "../_support/tcp_peer.ts";
import { UdpPeer } from "../_support/udp_peer.ts";
import { waitUntil } from "../_support/wait.ts";

/** Every bad winner's sale is cancelled only at this deadline (or earlier); good ones are not. */
const INFORM_TIMEOUT_SECONDS = 3;
/** How long a well-behaved sale may take from the close to Shipping_Info. */
const GOOD_SALE_MS = 1000;
/** How long a UDP request may wait for its reply while the sales run. */
const UDP_REPLY_MS = 300;
const SELLER_CARD = "5555555555554444";

type Winner = "good" | Misbehaviour | "refused";
const WINNERS: Winner[] = [
  "good",
  "silent",
  "trickle",
  "good",
  "flood",
  "reset",
  "refused",
  "good",
];

/** Makes `peer` answer INFORM_Req with an INFORM_Res, like a well-behaved client. */
function answerInform(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} ${card} 12/30 1 Main Street\n`).catch(() => {});
    }
    if (line.startsWith("Shipping_Info ")) peer.connections.at(-1)?.close(); // Seller closes.
  };
}

/** A port nothing listens on. */
function refusedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

function user(name: string, role: "buyer" | "seller", tcpPort: number, atMs: number) {
  const udpPort = (role === "seller" ? 41000 : 42000) + Number(name.slice(1));
  return {
    type: "user_registered" as const,
    atMs,
    name,
    role,
    declaredIp: "127.0.0.1",
    udpPort,
    tcpPort,
    session: { hostname: "127.0.0.1", port: udpPort },
  };
}

/** Lists, bids on and closes one auction per winner in a single transaction: the same moment. */
async function closeAll(server: ServerHandle, ports: { buyer: number; seller: number }[]) {
  await server.core.run((transaction) => {
    const atMs = transaction.nowMs;
    const events: AuctionEvent[] = [];
    ports.forEach((port, index) => {
      const id = index + 1;
      events.push(user(`s${id}`, "seller", port.seller, atMs));
      events.push(user(`b${id}`, "buyer", port.buyer, atMs));
      events.push({
        type: "item_listed",
        atMs,
        id,
        name: `Item${id}`,
        description: "A thing",
        seller: `s${id}`,
        startPriceCents: 100,
        durationMs: 5000,
        endsAtMs: atMs + 5000,
      });
      events.push({
        type: "bid_placed",
        atMs,
        itemId: id,
        bidder: `b${id}`,
        amountCents: 1000 + id,
        endsAtMs: atMs + 5000,
      });
    });
    for (const event of events) transaction.emit(event);
    for (const [index] of ports.entries()) {
      transaction.emit({
        type: "auction_closed",
        atMs,
        itemId: index + 1,
        rqs: {
          buyer: transaction.nextServerRq(),
          seller: transaction.nextServerRq(),
          buyerInform: transaction.nextServerRq(),
          sellerInform: transaction.nextServerRq(),
        },
      });
    }
  });
}

/** Sends REGISTER/LOGIN requests one after another until `done`; returns the slowest reply. */
async function probeUdp(server: ServerHandle, done: () => boolean): Promise<number> {
  const peer = new UdpPeer({ port: server.udpAddress.port });
  let slowest = 0;
  try {
    const registered = await peer.request("REGISTER 1 prober buyer 127.0.0.1 9 9", UDP_REPLY_MS);
    assert.equal(registered.type, "REGISTERED");
    for (let rq = 2; !done(); rq++) {
      const started = Date.now();
      const reply = await peer.request(`LOGIN ${rq} prober`, UDP_REPLY_MS);
      assert.equal(reply.type, "LOGIN_SUCCESS");
      slowest = Math.max(slowest, Date.now() - started);
    }
  } finally {
    await peer.close();
  }
  return slowest;
}

Deno.test("bad winners cost their own sale one deadline: good sales, UDP and memory are unaffected", async () => {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: "",
    config: {
      informTimeoutSeconds: INFORM_TIMEOUT_SECONDS,
      durationUnit: "s",
      announceIntervalSeconds: 0,
    },
  });
  const sellers = WINNERS.map(() => new TcpPeer());
  const buyers = WINNERS.map((kind) =>
    kind === "good" ? new TcpPeer() : kind === "refused" ? null : new BadPeer(kind)
  );
  try {
    sellers.forEach((seller, index) => answerInform(seller, `s${index + 1}`, SELLER_CARD));
    buyers.forEach((buyer, index) => {
      if (buyer instanceof TcpPeer) answerInform(buyer, `b${index + 1}`, "4111111111111111");
    });
    const ports = WINNERS.map((_, index) => ({
      buyer: buyers[index]?.port ?? refusedPort(),
      seller: sellers[index]!.port,
    }));
    const closedAt = Date.now();
    await closeAll(server, ports);
    let finished = false;
    const settled = Promise.all(WINNERS.map(async (kind, index) => {
      const last = await sellers[index]!.waitForLine(/^(Shipping_Info|CANCEL) /, 8000);
      return { kind, last, afterMs: Date.now() - closedAt };
    })).finally(() => finished = true);
    // UDP requests go on while the sales run; one reply too late fails the test at once.
    const [outcomes, slowestUdpMs] = await Promise.all([
      settled,
      probeUdp(server, () => finished),
    ]);

    for (const { kind, last, afterMs } of outcomes) {
      if (kind === "good") {
        assert.match(last, /^Shipping_Info /, `a good sale settles: ${last}`);
        assert.ok(
          afterMs < GOOD_SALE_MS,
          `a good sale settles in ${afterMs} ms, not at a deadline`,
        );
      } else {
        assert.match(last, /^CANCEL /, `the ${kind} winner's sale is cancelled: ${last}`);
        if (kind === "flood" || kind === "reset") {
          assert.ok(afterMs < GOOD_SALE_MS, `${kind} cancelled at once, not at the deadline`);
        }
        assert.ok(
          afterMs < (INFORM_TIMEOUT_SECONDS + 1) * 1000,
          `${kind} cancelled in ${afterMs} ms`,
        );
      }
    }
    assert.ok(slowestUdpMs < UDP_REPLY_MS, `UDP answered within ${slowestUdpMs} ms`);
    // The winners whose connections are up get the CANCEL too.
    const reasons: Partial<Record<Winner, RegExp>> = {
      silent: /^CANCEL \d+ Buyer did not answer INFORM_Req within 3 s$/,
      trickle: /^CANCEL \d+ Buyer did not answer INFORM_Req within 3 s$/,
      flood: /^CANCEL \d+ .*Line too long: at most 4096 bytes$/,
    };
    buyers.forEach((buyer, index) => {
      const reason = reasons[WINNERS[index]!];
      if (buyer instanceof BadPeer && reason) {
        assert.ok(
          buyer.lines.some((line) => reason.test(line)),
          `${buyer.behaviour}: ${buyer.lines}`,
        );
      }
    });
    // The flood was cut off, not buffered: its writes failed long before 64 MiB got through.
    const flood = buyers[WINNERS.indexOf("flood")] as BadPeer;
    await waitUntil(() => flood.floodError !== null, "the flood to be cut off", 3000);
    assert.ok(flood.floodWritten < FLOOD_BYTES / 4, `${flood.floodWritten} bytes got through`);
    await server.finalizer.idle();
    for (const [index, kind] of WINNERS.entries()) {
      assert.equal(
        server.core.state.sales[index + 1]!.status,
        kind === "good" ? "settled" : "cancelled",
      );
    }
  } finally {
    await server.close();
    await Promise.all([...sellers, ...buyers].map((peer) => peer?.close()));
  }
});
