import assert from "node:assert/strict";
import { FakeClock } from "../../../server/clock.ts";
import { type PaymentCard, SimulatedGateway } from "../../../server/sale/payment.ts";
import { pure } from "../../_support/pure.ts";

const NOW = Date.UTC(2026, 5, 15);

function card(number: string, expiry = { month: 12, year: 2030 }): PaymentCard {
  return { number, expiry, holder: "Bea" };
}

function request(buyer: string, seller = "5555555555554444", amountCents = 2500) {
  return {
    idempotencyKey: `sale-${buyer}`,
    amountCents,
    buyerCard: card(buyer),
    sellerCard: card(seller),
  };
}

Deno.test(
  "SimulatedGateway settles a valid sale and keeps only the last four digits",
  pure,
  async () => {
    const gateway = new SimulatedGateway({ clock: new FakeClock(NOW) });
    const result = await gateway.pay(request("4111111111111111", "5555555555554444", 5));
    assert.deepEqual(result, { status: "settled", feeCents: 1, payoutCents: 4 });
    assert.deepEqual(gateway.ledger, [{
      idempotencyKey: "sale-4111111111111111",
      chargedCents: 5,
      feeCents: 1,
      payoutCents: 4,
      buyerCardLast4: "1111",
      sellerCardLast4: "4444",
      atMs: NOW,
    }]);
  },
);

Deno.test(
  "SimulatedGateway declines the test card, non-Luhn numbers and expired cards",
  pure,
  async (t) => {
    const gateway = new SimulatedGateway({ clock: new FakeClock(NOW) });
    await t.step("the declined test card", async () => {
      assert.deepEqual(await gateway.pay(request("4000000000000002")), {
        status: "declined",
        reason: "buyer's card ending 0002 was declined",
      });
    });
    await t.step("a number failing Luhn, on the seller's side", async () => {
      assert.deepEqual(await gateway.pay(request("4111111111111111", "5555555555554445")), {
        status: "declined",
        reason: "seller's card ending 4445 is not a valid card number",
      });
    });
    await t.step("an expired card; valid through the end of its month", async () => {
      const expired = { ...request("378282246310005"), idempotencyKey: "expired" };
      expired.buyerCard = card("378282246310005", { month: 5, year: 2026 });
      assert.equal((await gateway.pay(expired)).status, "declined");
      const current = { ...request("378282246310005"), idempotencyKey: "current" };
      current.buyerCard = card("378282246310005", { month: 6, year: 2026 });
      assert.equal((await gateway.pay(current)).status, "settled");
    });
    assert.equal(gateway.ledger.length, 1, "declines move no money");
  },
);

Deno.test("SimulatedGateway pays a repeated idempotency key only once", pure, async () => {
  const gateway = new SimulatedGateway({ clock: new FakeClock(NOW) });
  const first = await gateway.pay(request("4111111111111111"));
  const again = await gateway.pay(request("4111111111111111"));
  assert.deepEqual(again, first);
  assert.equal(gateway.ledger.length, 1);
});
