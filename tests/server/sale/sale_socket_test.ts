import assert from "node:assert/strict";
import { configure, type LogRecord, reset } from "@logtape/logtape";
import { refusedPort } from "../../_support/sale_crowd.ts";
import { type ServerHandle, startServer } from "../../../server/server.ts";
import { saleEvents } from "../../_support/sale_fixture.ts";
import { TcpPeer } from "../../_support/tcp_peer.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";

const BUYER_CARD = "4111-1111-1111-1111";
const SELLER_CARD = "5555555555554444";

/** A server on free ports with buyer and seller TCP listeners, and a sale about to close. */
async function withSale(
  options: { informTimeoutSeconds?: number; buyerPort?: number; priceCents?: number | null },
  test: (context: { server: ServerHandle; buyer: TcpPeer; seller: TcpPeer }) => Promise<void>,
): Promise<void> {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: null,
    config: { informTimeoutSeconds: options.informTimeoutSeconds ?? 5 },
  });
  const buyer = new TcpPeer();
  const seller = new TcpPeer();
  try {
    await test({ server, buyer, seller });
  } finally {
    await server.close();
    await Promise.all([buyer.close(), seller.close()]);
  }
}

/** Lists Kite, places the bid and closes the auction, as the scheduler would. */
async function closeAuction(
  server: ServerHandle,
  ports: { buyer: number; seller: number },
  priceCents: number | null = 2500,
): Promise<void> {
  const events = saleEvents({
    closed: false,
    priceCents,
    buyerTcpPort: ports.buyer,
    sellerTcpPort: ports.seller,
  });
  await server.core.run((transaction) => {
    for (const event of events) transaction.emit(event);
    transaction.emit({
      type: "auction_closed",
      atMs: transaction.nowMs,
      itemId: 1,
      rqs: {
        buyer: transaction.nextServerRq(),
        seller: transaction.nextServerRq(),
        buyerInform: transaction.nextServerRq(),
        sellerInform: transaction.nextServerRq(),
      },
    });
  });
}

/** Makes `peer` answer INFORM_Req with an INFORM_Res carrying `card`. */
function answerWith(peer: TcpPeer, name: string, card: string): void {
  peer.onLine = (line, reply) => {
    const match = /^INFORM_Req (\d+) /.exec(line);
    if (match) {
      reply(`INFORM_Res ${match[1]} ${name} ${card} 12/30 1 Main Street\n`).catch(() => {});
    }
  };
}

Deno.test("a sale over real TCP runs from WINNER and SOLD to Shipping_Info", async () => {
  await withSale({}, async ({ server, buyer, seller }) => {
    answerWith(buyer, '"Bea Smith"', BUYER_CARD);
    answerWith(seller, "sam", SELLER_CARD);
    await closeAuction(server, { buyer: buyer.port, seller: seller.port });
    const shipping = await seller.waitForLine(/^Shipping_Info /);
    assert.match(shipping, /^Shipping_Info \d+ "Bea Smith" 1 Main Street$/);
    await buyer.waitForEof(); // The server closes the buyer's connection.
    assert.equal(seller.eofCount, 0, "the server leaves the seller to close its own");
    seller.connections[0]!.close(); // The seller closes its own.
    await server.finalizer.idle();
    assert.match(buyer.lines[0]!, /^WINNER \d+ Kite 25.00 sam$/);
    assert.match(buyer.lines[1]!, /^INFORM_Req \d+ Kite 25.00$/);
    assert.match(seller.lines[0]!, /^SOLD \d+ Kite 25.00 bea$/);
    assert.match(seller.lines[1]!, /^INFORM_Req \d+ Kite 25.00$/);
    const sale = server.core.state.sales[1]!;
    assert.deepEqual([sale.status, sale.feeCents, sale.payoutCents], ["settled", 250, 2250]);
    assert.deepEqual([sale.buyerCardLast4, sale.sellerCardLast4], ["1111", "4444"]);
  });
});

Deno.test("a declined card over real TCP ends in CANCEL to both", async () => {
  await withSale({}, async ({ server, buyer, seller }) => {
    answerWith(buyer, "bea", "4000000000000002");
    answerWith(seller, "sam", SELLER_CARD);
    await closeAuction(server, { buyer: buyer.port, seller: seller.port });
    const reason = /^CANCEL \d+ Payment declined: buyer's card ending 0002 was declined$/;
    await buyer.waitForLine(reason);
    await seller.waitForLine(reason);
    await Promise.all([buyer.waitForEof(), seller.waitForEof()]);
    await server.finalizer.idle();
    assert.equal(server.core.state.sales[1]!.status, "cancelled");
  });
});

Deno.test("a silent buyer costs one inform timeout, and the UDP loop keeps serving", async () => {
  await withSale({ informTimeoutSeconds: 5 }, async ({ server, buyer, seller }) => {
    answerWith(seller, "sam", SELLER_CARD);
    await closeAuction(server, { buyer: buyer.port, seller: seller.port });
    await buyer.waitForLine(/^INFORM_Req /);
    const udp = new UdpPeer({ port: server.udpAddress.port });
    const cancel = /^CANCEL \d+ Buyer did not answer INFORM_Req within 5 s$/;
    try {
      // Answered while the sale still waits for its silent buyer: a loop held by the wait
      // would answer only after the CANCEL, or not within the whole inform timeout.
      const reply = await udp.request("REGISTER 1 carl buyer 127.0.0.1 7000 7001", 4000);
      assert.equal(reply.type, "REGISTERED");
      assert.ok(!buyer.lines.some((line) => cancel.test(line)), "answered during the wait");
    } finally {
      await udp.close();
    }
    await buyer.waitForLine(cancel, 15_000);
    await seller.waitForLine(cancel, 15_000);
    await server.finalizer.idle();
  });
});

Deno.test("an unreachable winner: CANCEL to the seller after three attempts, the details only in the log", async () => {
  const records: LogRecord[] = [];
  await configure({
    sinks: { keep: (record) => records.push(record) },
    loggers: [
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
      { category: ["auction", "sale"], lowestLevel: "warning", sinks: ["keep"] },
    ],
  });
  try {
    await withSale({}, async ({ server, buyer, seller }) => {
      // Taken only once every listener of the test is bound, so none of them can be given it.
      const deadPort = refusedPort();
      await closeAuction(server, { buyer: deadPort, seller: seller.port });
      const cancel = await seller.waitForLine(/^CANCEL /);
      // The buyer's address, port and the system's error are none of the seller's business.
      assert.match(cancel, /^CANCEL \d+ Buyer unreachable: could not connect after 3 attempts$/);
      assert.equal(seller.lines.length, 1, "no SOLD before the CANCEL");
      assert.equal(buyer.connections.length, 0);
      await server.finalizer.idle();
      const logged = records.map((record) => JSON.stringify(record.properties));
      assert.ok(
        logged.some((line) => line.includes(`Cannot connect to 127.0.0.1:${deadPort}`)),
        `the server's log keeps the details: ${logged.join("\n")}`,
      );
    });
  } finally {
    await reset();
  }
});

Deno.test("garbage from a party ends in CANCEL to both", async (t) => {
  const cases: [string, string | Uint8Array, RegExp][] = [
    ["a line that is no message", "hello there\n", /Buyer did not answer with INFORM_Res$/],
    ["bytes that are not UTF-8", new Uint8Array([0xff, 0xfe, 10]), /Line is not valid UTF-8$/],
    [
      "a megabyte without a newline",
      new Uint8Array(1024 * 1024).fill(57),
      /Line too long: at most 4096 bytes$/,
    ],
  ];
  for (const [name, garbage, reason] of cases) {
    await t.step(name, async () => {
      await withSale({}, async ({ server, buyer, seller }) => {
        buyer.onLine = (line) => {
          if (line.startsWith("INFORM_Req")) buyer.write(garbage).catch(() => {});
        };
        await closeAuction(server, { buyer: buyer.port, seller: seller.port });
        const cancel = await seller.waitForLine(/^CANCEL /);
        assert.match(cancel, reason);
        await server.finalizer.idle();
        assert.equal(server.core.state.sales[1]!.status, "cancelled");
      });
    });
  }
});

Deno.test("an auction without a bid sends NON_OFFER to the seller and closes", async () => {
  await withSale({}, async ({ server, buyer, seller }) => {
    await closeAuction(server, { buyer: buyer.port, seller: seller.port }, null);
    assert.match(await seller.waitForLine(/^NON_OFFER /), /^NON_OFFER \d+ Kite$/);
    await seller.waitForEof();
    await server.finalizer.idle();
    assert.deepEqual(seller.lines.length, 1);
    assert.equal(buyer.connections.length, 0);
  });
});
