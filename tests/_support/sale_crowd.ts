/**
 * Many sales closing at the same moment on a real server, for the isolation tests of sales:
 * peers that answer INFORM_Req like a good client, a port nothing listens on, one transaction
 * that lists, bids on and closes one auction per pair of ports, a gateway that records what
 * it was asked to pay, and a UDP prober that fails at the first slow reply.
 * @module
 */

import assert from "node:assert/strict";
import type { AuctionEvent } from "../../auction/events.ts";
import {
  type PaymentGateway,
  type PaymentRequest,
  type PaymentResult,
  SimulatedGateway,
} from "../../server/sale/payment.ts";
import type { ServerHandle } from "../../server/server.ts";
import type { TcpPeer } from "./tcp_peer.ts";
import { registeredUser } from "./sale_fixture.ts";
import { UdpPeer } from "./udp_peer.ts";

/**
 * How long a UDP request may wait for its reply while the sales run: a third of the 3 s inform
 * deadline a loop held by a bad party would wait for. 300 ms failed on a loaded machine (one
 * PING of ~2500 answered late with two CPU hogs and other test runs on 2 cores).
 */
export const UDP_REPLY_MS = 1000;

/** Makes `peer` answer INFORM_Req with an INFORM_Res, like a well-behaved client. */
export function answerInform(peer: TcpPeer, name: string, card: string, expiry = "12/30"): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} ${card} ${expiry} 1 Main Street\n`).catch(() => {});
    }
    if (line.startsWith("Shipping_Info ")) peer.connections.at(-1)?.close(); // Seller closes.
  };
}

/** A port nothing listens on. */
export function refusedPort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

function user(name: string, role: "buyer" | "seller", tcpPort: number, atMs: number) {
  const udpPort = (role === "seller" ? 41000 : 42000) + Number(name.slice(1));
  return registeredUser(name, role, udpPort, tcpPort, atMs);
}

/**
 * Lists, bids on and closes one auction per pair of ports in a single transaction: the same
 * moment. Sale `i + 1` has seller `s{i+1}`, buyer `b{i+1}`, item `Item{i+1}`, price 10.00 + i+1
 * cents.
 */
export async function closeAuctionsAtOnce(
  server: ServerHandle,
  ports: { buyer: number; seller: number }[],
): Promise<void> {
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

/** Sends REGISTER, then PINGs one after another until `done`; returns the slowest reply. */
export async function probeUdp(server: ServerHandle, done: () => boolean): Promise<number> {
  const peer = new UdpPeer({ port: server.udpAddress.port });
  let slowest = 0;
  try {
    const registered = await peer.request("REGISTER 1 prober buyer 127.0.0.1 9 9", UDP_REPLY_MS);
    assert.equal(registered.type, "REGISTERED");
    for (let rq = 2; !done(); rq++) {
      const started = Date.now();
      // A password-less account cannot LOGIN (PROTOCOL.md): PING goes the same way through
      // the dispatcher and the store's flush.
      const reply = await peer.request(`PING ${rq}`, UDP_REPLY_MS);
      assert.equal(reply.type, "PONG");
      slowest = Math.max(slowest, Date.now() - started);
    }
  } finally {
    await peer.close();
  }
  return slowest;
}

/** The simulated gateway, recording the idempotency key of every request it was asked to pay. */
export class RecordingGateway implements PaymentGateway {
  /** The simulated gateway that decides; its `ledger` holds the payments made. */
  readonly simulated = new SimulatedGateway();
  /** Idempotency keys of every `pay` call, in order (declined ones too). */
  readonly requested: string[] = [];

  pay(request: PaymentRequest): Promise<PaymentResult> {
    this.requested.push(request.idempotencyKey);
    return this.simulated.pay(request);
  }

  lookup(idempotencyKey: string): Promise<PaymentResult | undefined> {
    return this.simulated.lookup(idempotencyKey);
  }
}
