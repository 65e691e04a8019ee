import assert from "node:assert/strict";
import type { AuctionEvent } from "../../../auction/events.ts";
import { SaleFinalizer } from "../../../server/sale/finalizer.ts";
import type { LineChannel } from "../../../server/sale/line_channel.ts";
import { type Connector, OutOfDescriptorsError } from "../../../server/sale/peer_connection.ts";
import type { PeerAddress } from "../../../auction/state.ts";
import { waitUntil } from "../../_support/wait.ts";
import {
  BUYER_TCP,
  createSaleHarness,
  saleEvents,
  SELLER_TCP,
} from "../../_support/sale_fixture.ts";
import { pure } from "../../_support/pure.ts";

const ATTACKER_IP = "10.0.0.9";
const AT_MS = Date.UTC(2026, 0, 1);

/** Closed sales `first..last` between two silent users on one attacker address. */
function attackerSales(first: number, last: number): AuctionEvent[] {
  const events: AuctionEvent[] = [];
  for (const [name, role, port] of [["mal", "seller", 7002], ["mab", "buyer", 7001]] as const) {
    events.push({
      type: "user_registered",
      atMs: AT_MS,
      name,
      role,
      declaredIp: ATTACKER_IP,
      udpPort: port,
      tcpPort: port,
      session: { hostname: ATTACKER_IP, port },
    });
  }
  for (let id = first; id <= last; id++) {
    events.push(
      {
        type: "item_listed",
        atMs: AT_MS,
        id,
        name: `Junk${id}`,
        description: "x",
        seller: "mal",
        startPriceCents: 1,
        durationMs: 5000,
        endsAtMs: AT_MS + 5000,
      },
      { type: "bid_placed", atMs: AT_MS, itemId: id, bidder: "mab", amountCents: 100, endsAtMs: 0 },
      {
        type: "auction_closed",
        atMs: AT_MS + 5000,
        itemId: id,
        rqs: {
          buyer: 1000 + id,
          seller: 2000 + id,
          buyerInform: 3000 + id,
          sellerInform: 4000 + id,
        },
      },
    );
  }
  return events;
}

Deno.test(
  "--max-sales-in-flight: one address's silent sales wait while another's sale starts at once",
  pure,
  async () => {
    const events = [...attackerSales(1, 20), ...saleEvents({ itemId: 21, itemName: "Kite" })];
    const sale = await createSaleHarness({ events, config: { maxSalesInFlight: 4 } });
    const silent = [];
    for (let index = 0; index < 20; index++) {
      silent.push(sale.connector.listen({ hostname: ATTACKER_IP, port: 7001 }));
      sale.connector.listen({ hostname: ATTACKER_IP, port: 7002 });
    }
    sale.finalizer.start();
    await waitUntil(() => sale.buyer.sent.length === 2, "the honest buyer's INFORM_Req");
    assert.match(sale.buyer.sent[0] ?? "", /^WINNER \d+ Kite/);
    assert.equal(
      sale.finalizer.running,
      3,
      "two attacker sales (half the slots) and the honest one",
    );
    assert.equal(sale.finalizer.waiting, 18);
    assert.equal(silent.filter((channel) => channel.sent.length > 0).length, 2);
    await sale.finalizer.close();
  },
);

/** A connector that is out of file descriptors for its first `failures` connects. */
class ExhaustedConnector implements Connector {
  failures: number;
  readonly inner: Connector;
  constructor(inner: Connector, failures: number) {
    this.inner = inner;
    this.failures = failures;
  }
  connect(address: PeerAddress): Promise<LineChannel> {
    if (this.failures-- > 0) {
      return Promise.reject(
        new OutOfDescriptorsError(new Error("Too many open files (os error 24)")),
      );
    }
    return this.inner.connect(address);
  }
}

Deno.test(
  "a sale that runs out of file descriptors waits and tries again instead of being cancelled",
  pure,
  async () => {
    const sale = await createSaleHarness({ events: saleEvents({}) });
    const finalizer = new SaleFinalizer(sale.core, {
      gateway: sale.gateway,
      connector: new ExhaustedConnector(sale.connector, 2),
    });
    finalizer.start();
    await waitUntil(() => finalizer.running === 0 && finalizer.waiting === 1, "a retry to wait");
    assert.equal(sale.core.state.sales[1]?.status, "pending", "not cancelled");
    assert.equal(sale.buyer.sent.length, 0);
    sale.clock.advance(1000);
    await waitUntil(() => sale.buyer.sent.length === 2, "WINNER and INFORM_Req after the retry");
    assert.equal(sale.core.state.sales[1]?.status, "pending");
    await finalizer.close();
  },
);

Deno.test(
  "a sale that waited for a slot gets the whole --inform-timeout from its INFORM_Req",
  pure,
  async () => {
    const events = [
      ...saleEvents({ itemId: 1 }),
      ...saleEvents({ itemId: 2, itemName: "Lamp", withUsers: false }),
    ];
    const sale = await createSaleHarness({
      events,
      config: { maxSalesInFlight: 1, informTimeoutSeconds: 10 },
    });
    const secondBuyer = sale.connector.listen(BUYER_TCP);
    sale.connector.listen(SELLER_TCP);
    sale.finalizer.start();
    await waitUntil(() => sale.buyer.sent.length === 2, "the first sale's INFORM_Req");
    assert.equal(sale.finalizer.waiting, 1, "the second sale waits for the slot");
    assert.equal(secondBuyer.sent.length, 0, "and its parties hear nothing yet");
    sale.clock.advance(10_000);
    await waitUntil(
      () => sale.core.state.sales[1]?.status === "cancelled",
      "the first to time out",
    );
    await waitUntil(() => secondBuyer.sent.length === 2, "the second sale's INFORM_Req");
    assert.match(secondBuyer.sent[1] ?? "", /^INFORM_Req \d+ Lamp/);
    sale.clock.advance(9_000);
    await new Promise((resolve) => setTimeout(resolve, 0)); // let any cancellation run

    assert.equal(sale.core.state.sales[2]?.status, "pending", "its deadline counts from now");
    sale.clock.advance(1_000);
    await waitUntil(() => sale.core.state.sales[2]?.status === "cancelled", "its own deadline");
    await sale.finalizer.idle();
  },
);
