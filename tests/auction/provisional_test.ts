import assert from "node:assert/strict";
import { networkOf } from "../../auction/provisional.ts";
import { pure } from "../_support/pure.ts";

Deno.test("networkOf() groups IPv4 by /24 and IPv6 by /64", pure, async (t) => {
  await t.step("IPv4", () => {
    assert.equal(networkOf("10.1.2.3"), "10.1.2.0/24");
    assert.equal(networkOf("10.1.2.250"), networkOf("10.1.2.3"));
    assert.notEqual(networkOf("10.1.3.3"), networkOf("10.1.2.3"));
  });
  await t.step("IPv4-mapped IPv6 counts as IPv4", () => {
    assert.equal(networkOf("::ffff:10.1.2.3"), "10.1.2.0/24");
  });
  await t.step("IPv6, written short or long", () => {
    assert.equal(networkOf("2001:db8:0:1::5"), "2001:db8:0:1::/64");
    assert.equal(networkOf("2001:0db8:0000:0001:ffff:0:0:9"), "2001:db8:0:1::/64");
    assert.equal(networkOf("2001:db8::1"), "2001:db8:0:0::/64");
    assert.equal(networkOf("::1"), "0:0:0:0::/64");
    assert.notEqual(networkOf("2001:db8:0:2::5"), networkOf("2001:db8:0:1::5"));
  });
});
