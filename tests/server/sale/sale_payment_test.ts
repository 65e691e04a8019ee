import assert from "node:assert/strict";
import type { AuctionEvent } from "../../../auction/events.ts";
import { SimulatedGateway } from "../../../server/sale/payment.ts";
import { MemoryLedger } from "../../../server/sale/payment_ledger.ts";
import type { SaleStep } from "../../../server/sale/steps.ts";
import {
  createSaleHarness,
  GOOD_CARD,
  informRes,
  saleEvents,
  SELLER_CARD,
} from "../../_support/sale_fixture.ts";
import { pure } from "../../_support/pure.ts";
import { waitUntil } from "../../_support/wait.ts";

const AT = Date.UTC(2026, 0, 1, 0, 0, 8);

/** The intent a crash left behind: the payment of `sale-1` was asked of the gateway. */
const PAYMENT_STARTED: AuctionEvent = {
  type: "payment_started",
  atMs: AT,
  itemId: 1,
  idempotencyKey: "sale-1",
  buyerCardLast4: "1111",
  sellerCardLast4: "4444",
  shipTo: { name: "Bea Smith", address: "1 Main Street" },
};

/** A gateway whose ledger already charged `sale-1` (the charge a crash cut off). */
async function gatewayThatCharged(): Promise<{ gateway: SimulatedGateway; pays: string[] }> {
  const ledger = new MemoryLedger();
  await ledger.append({
    key: "sale-1",
    status: "settled",
    chargedCents: 2500,
    feeCents: 250,
    payoutCents: 2250,
    buyerCardLast4: "1111",
    sellerCardLast4: "4444",
    atMs: AT,
  });
  const gateway = new SimulatedGateway({ ledger });
  const pays: string[] = [];
  const pay = gateway.pay.bind(gateway);
  gateway.pay = (request) => {
    pays.push(request.idempotencyKey);
    return pay(request);
  };
  return { gateway, pays };
}

Deno.test("a sale records its payment intent before the gateway is called", pure, async () => {
  const seen: { step: SaleStep; started: boolean; charged: number }[] = [];
  const gateway = new SimulatedGateway();
  const sale = await createSaleHarness({
    events: saleEvents({}),
    gateway,
    onStep: (step) => {
      const record = sale.core.state.sales[1]!;
      seen.push({ step, started: record.payment !== undefined, charged: gateway.ledger.length });
    },
  });
  sale.finalizer.start();
  await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
  sale.buyer.answer(informRes(107, '"Bea Smith"', GOOD_CARD));
  sale.seller.answer(informRes(108, "sam", SELLER_CARD));
  await sale.finalizer.idle();
  const at = (step: SaleStep) => seen.find((entry) => entry.step === step);
  assert.deepEqual(at("payment_started"), { step: "payment_started", started: true, charged: 0 });
  assert.deepEqual(at("charged"), { step: "charged", started: true, charged: 1 });
  assert.deepEqual(
    seen.map((entry) => entry.step).filter((step) =>
      step !== "shipping_sent" && step !== "paid_sent" &&
      step !== "seller_notified" && step !== "buyer_notified"
    ),
    ["connected", "inform_requested", "informs_read", "payment_started", "charged", "settled"],
  );
  const journal = sale.store.events.map((event) => event.type);
  assert.ok(journal.indexOf("payment_started") < journal.indexOf("sale_settled"));
  assert.ok(!JSON.stringify(sale.store.events).includes(GOOD_CARD));
});

Deno.test(
  "after a crash between the charge and sale_settled, the sale settles from the gateway's record",
  pure,
  async () => {
    const { gateway, pays } = await gatewayThatCharged();
    const sale = await createSaleHarness({ events: [...saleEvents({}), PAYMENT_STARTED], gateway });
    sale.finalizer.start();
    await sale.finalizer.idle();
    const record = sale.core.state.sales[1]!;
    assert.equal(record.status, "settled");
    assert.deepEqual([record.feeCents, record.payoutCents], [250, 2250]);
    assert.deepEqual(pays, [], "the gateway is not asked to pay again");
    assert.equal(gateway.ledger.length, 1, "one charge");
    // The parties are not asked again: straight to Shipping_Info and PAID.
    assert.deepEqual(sale.seller.sent, [
      `Shipping_Info ${record.shippingRq} "Bea Smith" 1 Main Street`,
    ]);
    assert.deepEqual(sale.buyer.sent, [`PAID ${record.paidRq} Kite 25.00 1111`]);
    assert.equal(record.sellerNotice?.delivered, true);
    assert.equal(record.buyerNotice?.delivered, true);
  },
);

Deno.test(
  "after a crash between the intent and the charge, the sale runs again with the same key",
  pure,
  async () => {
    const gateway = new SimulatedGateway();
    const sale = await createSaleHarness({ events: [...saleEvents({}), PAYMENT_STARTED], gateway });
    sale.finalizer.start();
    await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req again");
    assert.deepEqual(sale.buyer.sent, ["WINNER 105 Kite 25.00 sam", "INFORM_Req 107 Kite 25.00"]);
    sale.buyer.answer(informRes(107, '"Bea Smith"', GOOD_CARD));
    sale.seller.answer(informRes(108, "sam", SELLER_CARD));
    await sale.finalizer.idle();
    assert.equal(sale.core.state.sales[1]!.status, "settled");
    assert.deepEqual(gateway.ledger.map((entry) => entry.idempotencyKey), ["sale-1"]);
  },
);

Deno.test("a payment the gateway declined before a crash cancels the sale", pure, async () => {
  const ledger = new MemoryLedger();
  await ledger.append({
    key: "sale-1",
    status: "declined",
    reason: "buyer's card ending 0002 was declined",
    atMs: AT,
  });
  const gateway = new SimulatedGateway({ ledger });
  const sale = await createSaleHarness({ events: [...saleEvents({}), PAYMENT_STARTED], gateway });
  sale.finalizer.start();
  await sale.finalizer.idle();
  const record = sale.core.state.sales[1]!;
  assert.equal(record.status, "cancelled");
  assert.match(record.reason ?? "", /^Payment declined: buyer's card ending 0002 was declined$/);
  assert.match(sale.buyer.sent[0] ?? "", /^CANCEL \d+ Payment declined/);
  assert.match(sale.seller.sent[0] ?? "", /^CANCEL \d+ Payment declined/);
  assert.equal(gateway.ledger.length, 0);
});

Deno.test(
  "a gateway that fails after charging is looked up by key: settled, not cancelled",
  pure,
  async () => {
    const gateway = new SimulatedGateway();
    const pay = gateway.pay.bind(gateway);
    gateway.pay = async (request) => {
      await pay(request);
      throw new Error("gateway timed out");
    };
    const sale = await createSaleHarness({ events: saleEvents({}), gateway });
    sale.finalizer.start();
    await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
    sale.buyer.answer(informRes(107, "bea", GOOD_CARD));
    sale.seller.answer(informRes(108, "sam", SELLER_CARD));
    await sale.finalizer.idle();
    assert.equal(sale.core.state.sales[1]!.status, "settled");
    assert.equal(gateway.ledger.length, 1);
  },
);

Deno.test("finalizer resends PAID cut off by a restart, with the same RQ#", pure, async () => {
  const events: AuctionEvent[] = [...saleEvents({}), PAYMENT_STARTED, {
    type: "sale_settled",
    atMs: AT,
    itemId: 1,
    feeCents: 250,
    payoutCents: 2250,
    buyerCardLast4: "1111",
    sellerCardLast4: "4444",
    shippingRq: 321,
    shipTo: { name: "bea", address: "1 Main Street" },
    paidRq: 322,
  }, { type: "seller_notified", atMs: AT, itemId: 1, delivered: true }];
  const sale = await createSaleHarness({ events });
  sale.finalizer.start();
  await sale.finalizer.idle();
  assert.deepEqual(sale.buyer.sent, ["PAID 322 Kite 25.00 1111"]);
  assert.deepEqual(sale.seller.sent, [], "Shipping_Info went out before the restart");
  assert.equal(sale.core.state.sales[1]!.buyerNotice?.delivered, true);
  assert.equal(sale.buyer.finishedWithGraceMs, 2000, "then the server closes the connection");
});

Deno.test(
  "an unreachable buyer's PAID is recorded as not delivered, not retried forever",
  pure,
  async () => {
    const events: AuctionEvent[] = [...saleEvents({ buyerTcpPort: 1 }), {
      type: "sale_settled",
      atMs: AT,
      itemId: 1,
      feeCents: 250,
      payoutCents: 2250,
      buyerCardLast4: "1111",
      sellerCardLast4: "4444",
      paidRq: 322,
    }];
    const sale = await createSaleHarness({ events });
    sale.finalizer.start();
    await sale.finalizer.idle();
    assert.equal(sale.core.state.sales[1]!.buyerNotice?.delivered, false);
  },
);
