import assert from "node:assert/strict";
import type {
  PaymentGateway,
  PaymentRequest,
  PaymentResult,
} from "../../../server/sale/payment.ts";
import { waitUntil } from "../../_support/wait.ts";
import {
  createSaleHarness,
  GOOD_CARD,
  informRes,
  saleEvents,
  SELLER_CARD,
  SELLER_TCP,
} from "../../_support/sale_fixture.ts";
import { pure } from "../../_support/pure.ts";

/** A gateway that records requests (cards reduced to last four) and answers as told. */
class FakeGateway implements PaymentGateway {
  readonly requests: { key: string; amountCents: number; buyer: string; seller: string }[] = [];
  constructor(
    readonly answer: PaymentResult | Error = {
      status: "settled",
      feeCents: 250,
      payoutCents: 2250,
    },
  ) {}
  pay(request: PaymentRequest): Promise<PaymentResult> {
    this.requests.push({
      key: request.idempotencyKey,
      amountCents: request.amountCents,
      buyer: request.buyerCard.number.slice(-4),
      seller: request.sellerCard.number.slice(-4),
    });
    return this.answer instanceof Error
      ? Promise.reject(this.answer)
      : Promise.resolve(this.answer);
  }
  lookup(): Promise<PaymentResult | undefined> {
    return Promise.resolve(undefined);
  }
}

Deno.test(
  "finalizer settles a sale: WINNER, SOLD, INFORM_Req, payment, Shipping_Info",
  pure,
  async () => {
    const gateway = new FakeGateway();
    const sale = await createSaleHarness({ events: saleEvents({}), gateway });
    sale.finalizer.start();
    await waitUntil(
      () => sale.buyer.sent.length === 2 && sale.seller.sent.length === 2,
      "INFORM_Req",
    );
    assert.deepEqual(sale.buyer.sent, ["WINNER 105 Kite 25.00 sam", "INFORM_Req 107 Kite 25.00"]);
    assert.deepEqual(sale.seller.sent, ["SOLD 106 Kite 25.00 bea", "INFORM_Req 108 Kite 25.00"]);
    sale.seller.answer(informRes(108, "sam", SELLER_CARD));
    sale.buyer.answer(informRes(107, '"Bea Smith"', GOOD_CARD, "0130"));
    await sale.finalizer.idle();

    assert.deepEqual(gateway.requests, [
      { key: "sale-1", amountCents: 2500, buyer: "1111", seller: "4444" },
    ]);
    const shipping = sale.seller.sent[2] ?? "";
    assert.match(shipping, /^Shipping_Info \d+ "Bea Smith" 1 Main Street, Springfield$/);
    const record = sale.core.state.sales[1]!;
    assert.deepEqual(
      sale.buyer.sent.slice(2),
      [`PAID ${record.paidRq} Kite 25.00 1111`],
      "the buyer gets PAID and nothing more",
    );
    assert.deepEqual(record.buyerNotice, { atMs: sale.clock.now(), delivered: true });
    assert.equal(sale.buyer.finishedWithGraceMs, 2000, "the server closes the buyer's connection");
    assert.equal(sale.buyer.halfClosed, true);
    assert.equal(sale.seller.finishedWithGraceMs, 10_000, "the seller gets 10 s to close its own");
    assert.equal(sale.seller.halfClosed, false, "the server leaves the seller to close first");
    assert.equal(record.status, "settled");
    assert.equal(record.feeCents, 250);
    assert.equal(record.payoutCents, 2250);
    assert.equal(record.buyerCardLast4, "1111");
    assert.equal(record.sellerCardLast4, "4444");
    assert.equal(record.shippingRq, Number(shipping.split(" ")[1]));
    assert.deepEqual(record.sellerNotice, { atMs: sale.clock.now(), delivered: true });
    assert.equal(record.shipTo, undefined, "the address is dropped once delivered");
    const journal = JSON.stringify(sale.store.events);
    assert.ok(!journal.includes(GOOD_CARD) && !journal.includes(SELLER_CARD));
    assert.ok(!journal.includes("12/30") && !journal.includes("0130"));
  },
);

Deno.test("finalizer starts the exchange once auction_closed is durable", pure, async () => {
  const sale = await createSaleHarness({ events: saleEvents({ closed: false }) });
  sale.finalizer.start();
  assert.equal(sale.finalizer.running, 0);
  await sale.core.run((transaction) => {
    transaction.emit({
      type: "auction_closed",
      atMs: transaction.nowMs,
      itemId: 1,
      rqs: { buyer: 11, seller: 12, buyerInform: 13, sellerInform: 14 },
    });
  });
  await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req to the buyer");
  assert.deepEqual(sale.buyer.sent, ["WINNER 11 Kite 25.00 sam", "INFORM_Req 13 Kite 25.00"]);
  await sale.finalizer.close();
});

Deno.test("finalizer cancels both sides when the gateway declines the card", pure, async () => {
  const sale = await createSaleHarness({ events: saleEvents({}) });
  sale.finalizer.start();
  await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
  sale.buyer.answer(informRes(107, "bea", "4000000000000002"));
  sale.seller.answer(informRes(108, "sam", SELLER_CARD));
  await sale.finalizer.idle();
  const reason = "Payment declined: buyer's card ending 0002 was declined";
  assert.match(sale.buyer.sent[2] ?? "", new RegExp(`^CANCEL \\d+ ${reason}$`));
  assert.match(sale.seller.sent[2] ?? "", new RegExp(`^CANCEL \\d+ ${reason}$`));
  assert.equal(sale.core.state.sales[1]!.status, "cancelled");
  assert.equal(sale.core.state.sales[1]!.reason, reason);
  assert.ok(sale.buyer.closed && sale.seller.closed);
});

Deno.test("finalizer cancels when the gateway cannot be reached", pure, async () => {
  const sale = await createSaleHarness({
    events: saleEvents({}),
    gateway: new FakeGateway(new Error("gateway offline")),
  });
  sale.finalizer.start();
  await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
  sale.buyer.answer(informRes(107, "bea", GOOD_CARD));
  sale.seller.answer(informRes(108, "sam", SELLER_CARD));
  await sale.finalizer.idle();
  assert.equal(
    sale.core.state.sales[1]!.reason,
    "Payment failed: the payment service could not be reached",
    "the gateway's own error is for the log",
  );
});

Deno.test(
  "finalizer cancels when a party does not answer by the inform timeout",
  pure,
  async () => {
    const gateway = new FakeGateway();
    const sale = await createSaleHarness({
      events: saleEvents({}),
      gateway,
      config: { informTimeoutSeconds: 30 },
    });
    sale.finalizer.start();
    await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
    sale.seller.answer(informRes(108, "sam", SELLER_CARD));
    sale.clock.advance(29_999);
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(sale.finalizer.running, 1, "still waiting just before the deadline");
    sale.clock.advance(1);
    await sale.finalizer.idle();
    const cancel = /^CANCEL \d+ Buyer did not answer INFORM_Req within 30 s$/;
    assert.match(sale.buyer.sent[2] ?? "", cancel);
    assert.match(sale.seller.sent[2] ?? "", cancel);
    assert.equal(gateway.requests.length, 0);
    assert.equal(sale.clock.pendingTimers, 0, "the deadline timer is gone");
  },
);

Deno.test(
  "finalizer cancels on an invalid INFORM_Res without waiting for the other party",
  pure,
  async (t) => {
    const cases: [string, string, RegExp][] = [
      [
        "card failing Luhn",
        informRes(107, "bea", "4111111111111112"),
        /Invalid CC#: not a valid card number, check the digits/,
      ],
      ["card too short", informRes(107, "bea", "41111111"), /Invalid CC#: use 12 to 19 digits/],
      ["expiry not a month", informRes(107, "bea", GOOD_CARD, "13/30"), /Invalid CC_Exp_Date/],
      ["expired card", informRes(107, "bea", GOOD_CARD, "12/25"), /^Buyer's card has expired$/],
      ["missing address", `INFORM_Res 107 bea ${GOOD_CARD} 12/30`, /missing Address/],
      ["another message", "BID 107 Kite 30", /^Buyer answered BID instead of INFORM_Res$/],
      ["garbage", "hello there", /^Buyer did not answer with INFORM_Res$/],
      ["a hang-up", "", /^Buyer closed the connection without answering INFORM_Req$/],
    ];
    for (const [name, line, reason] of cases) {
      await t.step(name, async () => {
        const gateway = new FakeGateway();
        const sale = await createSaleHarness({ events: saleEvents({}), gateway });
        sale.finalizer.start();
        await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
        if (line === "") sale.buyer.hangUp();
        else sale.buyer.answer(line);
        await sale.finalizer.idle();
        const record = sale.core.state.sales[1]!;
        assert.equal(record.status, "cancelled");
        assert.match(record.reason ?? "", reason);
        assert.match(sale.seller.sent[2] ?? "", /^CANCEL /);
        assert.equal(gateway.requests.length, 0);
        assert.ok(!JSON.stringify(sale.store.events).includes(GOOD_CARD));
      });
    }
  },
);

Deno.test("finalizer accepts a card valid through the end of its month", pure, async () => {
  const sale = await createSaleHarness({ events: saleEvents({}) });
  sale.finalizer.start();
  await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
  sale.buyer.answer(informRes(107, "bea", GOOD_CARD, "01/26")); // the clock is in January 2026
  sale.seller.answer(informRes(108, "sam", SELLER_CARD, "0126"));
  await sale.finalizer.idle();
  assert.equal(sale.core.state.sales[1]!.status, "settled");
});

Deno.test("finalizer charges exact fees on awkward prices", pure, async (t) => {
  for (
    const [priceCents, feeCents, payoutCents] of [[5, 1, 4], [99_999_999, 10_000_000, 89_999_999]]
  ) {
    await t.step(`${priceCents} cents`, async () => {
      const sale = await createSaleHarness({ events: saleEvents({ priceCents }) });
      sale.finalizer.start();
      await waitUntil(() => sale.buyer.sent.length === 2, "INFORM_Req");
      sale.buyer.answer(informRes(107, "bea", GOOD_CARD));
      sale.seller.answer(informRes(108, "sam", SELLER_CARD));
      await sale.finalizer.idle();
      const record = sale.core.state.sales[1]!;
      assert.deepEqual([record.status, record.feeCents, record.payoutCents], [
        "settled",
        feeCents,
        payoutCents,
      ]);
    });
  }
});

Deno.test(
  "finalizer sends CANCEL to the seller alone when the winner is unreachable",
  pure,
  async () => {
    const sale = await createSaleHarness({ events: saleEvents({ buyerTcpPort: 6999 }) });
    sale.finalizer.start();
    await sale.finalizer.idle();
    assert.deepEqual(sale.connector.attempts.sort(), ["127.0.0.1:6002", "127.0.0.1:6999"]);
    assert.equal(sale.seller.sent.length, 1);
    assert.match(sale.seller.sent[0]!, /^CANCEL \d+ Buyer unreachable: could not connect$/);
    assert.equal(sale.core.state.sales[1]!.status, "cancelled");
  },
);

Deno.test(
  "finalizer sends NON_OFFER to the seller of an item without a bid, and nothing more",
  pure,
  async () => {
    const sale = await createSaleHarness({ events: saleEvents({ priceCents: null }) });
    sale.finalizer.start();
    await sale.finalizer.idle();
    assert.deepEqual(sale.seller.sent, ["NON_OFFER 106 Kite"]);
    assert.equal(sale.buyer.sent.length, 0);
    assert.equal(sale.core.state.sales[1]!.status, "no_offer");
    assert.equal(sale.core.state.sales[1]!.sellerNotice?.delivered, true);
  },
);

Deno.test(
  "finalizer runs sales concurrently: a silent party holds up no other sale",
  pure,
  async () => {
    const events = [
      ...saleEvents({ itemId: 1, itemName: "Kite" }),
      ...saleEvents({ itemId: 2, itemName: "Lamp", withUsers: false, priceCents: null }),
    ];
    const sale = await createSaleHarness({ events });
    const secondSellerConnection = sale.connector.listen(SELLER_TCP);
    sale.finalizer.start();
    await waitUntil(() => secondSellerConnection.sent.length === 1, "NON_OFFER for Lamp");
    assert.deepEqual(secondSellerConnection.sent, ["NON_OFFER 110 Lamp"]);
    assert.equal(sale.core.state.sales[2]!.sellerNotice?.delivered, true);
    assert.equal(sale.core.state.sales[1]!.status, "pending", "Kite still waits for INFORM_Res");
    assert.deepEqual(sale.seller.sent, ["SOLD 106 Kite 25.00 bea", "INFORM_Req 108 Kite 25.00"]);
    await sale.finalizer.close();
  },
);

Deno.test("finalizer resumes a pending sale with the same server RQ#s", pure, async () => {
  const first = await createSaleHarness({ events: saleEvents({}) });
  first.finalizer.start();
  await waitUntil(() => first.buyer.sent.length === 2, "first INFORM_Req");
  await first.finalizer.close();
  assert.equal(first.core.state.sales[1]!.status, "pending", "a shutdown cancels nothing");

  const second = await createSaleHarness({ events: first.store.events });
  second.finalizer.start();
  await waitUntil(() => second.buyer.sent.length === 2, "resumed INFORM_Req");
  assert.deepEqual(second.buyer.sent, first.buyer.sent);
  assert.deepEqual(second.seller.sent, first.seller.sent);
  await second.finalizer.close();
});

Deno.test("finalizer never touches a settled sale again", pure, async () => {
  const gateway = new FakeGateway();
  const first = await createSaleHarness({ events: saleEvents({}), gateway });
  first.finalizer.start();
  await waitUntil(() => first.buyer.sent.length === 2, "INFORM_Req");
  first.buyer.answer(informRes(107, "bea", GOOD_CARD));
  first.seller.answer(informRes(108, "sam", SELLER_CARD));
  await first.finalizer.idle();

  const second = await createSaleHarness({ events: first.store.events, gateway });
  second.finalizer.start();
  await second.finalizer.idle();
  assert.equal(gateway.requests.length, 1);
  assert.deepEqual(second.connector.attempts, []);
});

Deno.test(
  "finalizer resends Shipping_Info cut off by a restart, with the same RQ#",
  pure,
  async () => {
    const events = [...saleEvents({}), {
      type: "sale_settled" as const,
      atMs: Date.UTC(2026, 0, 1, 0, 0, 8),
      itemId: 1,
      feeCents: 250,
      payoutCents: 2250,
      buyerCardLast4: "1111",
      sellerCardLast4: "4444",
      shippingRq: 321,
      shipTo: { name: "bea", address: "1 Main Street" },
    }];
    const gateway = new FakeGateway();
    const sale = await createSaleHarness({ events, gateway });
    sale.finalizer.start();
    await sale.finalizer.idle();
    assert.deepEqual(sale.seller.sent, ["Shipping_Info 321 bea 1 Main Street"]);
    assert.deepEqual(sale.buyer.sent, []);
    assert.equal(gateway.requests.length, 0);
    assert.equal(sale.core.state.sales[1]!.shipTo, undefined);
  },
);
