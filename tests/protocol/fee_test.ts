import assert from "node:assert/strict";
import { splitPrice } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test("splitPrice() takes a 10% fee rounded half up and pays out the rest", pure, () => {
  assert.deepEqual(splitPrice(5), { feeCents: 1, payoutCents: 4 }); // 0.05: fee 0.005 → 0.01
  assert.deepEqual(splitPrice(14), { feeCents: 1, payoutCents: 13 });
  assert.deepEqual(splitPrice(15), { feeCents: 2, payoutCents: 13 });
  assert.deepEqual(splitPrice(2500), { feeCents: 250, payoutCents: 2250 });
  assert.deepEqual(splitPrice(99_999_999), { feeCents: 10_000_000, payoutCents: 89_999_999 });
  assert.deepEqual(splitPrice(100_000_000_000), {
    feeCents: 10_000_000_000,
    payoutCents: 90_000_000_000,
  });
  for (let cents = 1; cents < 2000; cents++) {
    const { feeCents, payoutCents } = splitPrice(cents);
    assert.equal(feeCents + payoutCents, cents);
  }
  assert.throws(() => splitPrice(2.5), /Cannot split price 2.5/);
});
