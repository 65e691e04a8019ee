import assert from "node:assert/strict";
import { containsCardNumber, maskCardNumbers } from "../../protocol/mod.ts";

Deno.test({
  name: "maskCardNumbers() keeps only the last four digits of a card, with or without separators",
  permissions: "none",
  fn: () => {
    assert.equal(
      maskCardNumbers('pay Kite "Ann Lee" 4111111111111111 12/30 1 Main St'),
      'pay Kite "Ann Lee" ************1111 12/30 1 Main St',
    );
    assert.equal(maskCardNumbers("4111 1111 1111 1111"), "**** **** **** 1111");
    assert.equal(maskCardNumbers("card 5555-5555-5555-4444."), "card ****-****-****-4444.");
    assert.equal(maskCardNumbers("x411111111117y"), "x********1117y");
  },
});

Deno.test({
  name: "maskCardNumbers() leaves prices, ports, an IP with ports and short numbers alone",
  permissions: "none",
  fn: () => {
    for (
      const text of [
        "REGISTER 20028 jas seller 192.168.100.123 51072 40469",
        "BID_UPDATE 8 Kite 25.00 scott 101",
        "2026-05-01T12:00:00.000Z WARNING rq=99999",
        "12345678901",
      ]
    ) {
      assert.equal(maskCardNumbers(text), text);
      assert.equal(containsCardNumber(text), false);
    }
  },
});

Deno.test({
  name: "containsCardNumber() finds a card typed anywhere in a line, twice in a row",
  permissions: "none",
  fn: () => {
    assert.equal(containsCardNumber("pya Kite x 4111-1111-1111-1111 12/30 y"), true);
    assert.equal(containsCardNumber("pya Kite x 4111-1111-1111-1111 12/30 y"), true);
  },
});

Deno.test({
  name: "maskCardNumbers() does not take the expiry or the address's number into the card",
  permissions: "none",
  fn: () => {
    assert.equal(
      maskCardNumbers("4111111111111111 12/30 1234 Main St"),
      "************1111 12/30 1234 Main St",
    );
    assert.equal(maskCardNumbers("3782-822463-10005 12/30"), "****-******-*0005 12/30");
  },
});

Deno.test({
  name: "maskCardNumbers() leaves IPv6 addresses alone, bracketed with a port or bare",
  permissions: "none",
  fn: () => {
    for (
      const text of [
        'Received "PING 1" from "[2001:db8::1234:5678:9012:3456]:5000"',
        'Received "PING 1" from "[2001:db8:0:1234:5678:9012:3456:7890]:40000"',
        "peer 2001:db8::1234:5678:9012:3456 and ::ffff:192.168.100.200 and fe80::1",
      ]
    ) {
      assert.equal(maskCardNumbers(text), text);
    }
    // Four groups and no `::` make no IPv6 address: a card.
    assert.equal(maskCardNumbers("x 4111:1111:1111:1111 y"), "x ****:****:****:1111 y");
  },
});

Deno.test({
  name: "maskCardNumbers() takes a number failing the Luhn check for a card only in a card's shape",
  permissions: "none",
  fn: () => {
    for (
      const text of [
        "order 1234 5678 9012 shipped",
        "at 1764219000123 ms",
        "Sale of item 1234 settled: 100000000000 cents",
        "x411111111111y",
        "411.111.111.111",
      ]
    ) {
      assert.equal(maskCardNumbers(text), text);
    }
    // 14 to 19 digits, in one group or after a first group of four: a mistyped card.
    assert.equal(
      maskCardNumbers("pay Kite Ann 4111 1111 1111 1112 12/30 Home"),
      "pay Kite Ann **** **** **** 1112 12/30 Home",
    );
    assert.equal(maskCardNumbers("4111111111111112"), "************1112");
    assert.equal(maskCardNumbers("4111-1111-1111-1112 1230"), "****-****-****-1112 ****");
    assert.equal(maskCardNumbers("3782 822463 10006"), "**** ****** *0006");
  },
});
