import assert from "node:assert/strict";
import {
  decodeLine,
  durationMs,
  encodeMessage,
  formatPrice,
  MAX_PRICE_CENTS,
  message,
  parseCardExpiry,
  parseCardNumber,
  parseDescription,
  parseDuration,
  parseIp,
  parsePort,
  parsePrice,
  parseRole,
  parseText,
  parseTypedCardExpiry,
  parseUserName,
  ProtocolError,
} from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

Deno.test("parsePrice() turns decimals into integer cents", pure, () => {
  assert.equal(parsePrice("25"), 2500);
  assert.equal(parsePrice("25.5"), 2550);
  assert.equal(parsePrice("25.50"), 2550);
  assert.equal(parsePrice("0.01"), 1);
  assert.equal(parsePrice("0.1"), 10);
  assert.equal(parsePrice("1000000000"), MAX_PRICE_CENTS);
  assert.equal(parsePrice("1000000000.00"), MAX_PRICE_CENTS);
});

Deno.test("parsePrice() says the range when a price has too many digits", pure, () => {
  for (const text of ["99999999999", "12345678901.5", "1000000000.01"]) {
    assert.throws(() => parsePrice(text), /must be more than 0, up to 1,000,000,000/, text);
  }
});

Deno.test("parsePrice() tells a number out of range from one that is no number", pure, () => {
  const cases: [string, string][] = [
    ["-5", 'Invalid Price "-5": must be more than 0, up to 1,000,000,000'],
    ["-0.5", 'Invalid Price "-0.5": must be more than 0, up to 1,000,000,000'],
    ["0", "Invalid Price: must be more than 0, up to 1,000,000,000"],
    ["1.234", 'Invalid Price "1.234": use at most 2 decimals'],
    ["abc", 'Invalid Price "abc": use a number with at most 2 decimals, like 25 or 25.50'],
  ];
  for (const [text, expected] of cases) {
    assert.throws(() => parsePrice(text), { message: expected }, text);
  }
});

Deno.test(
  "parsePrice() refuses 0, three decimals, and more than 1000000000.00",
  pure,
  async (t) => {
    for (
      const text of ["0", "0.00", "0.001", "1.234", "1000000000.01", "1000000001", "-1", "1e3"]
    ) {
      await t.step(text, () => {
        assert.throws(() => parsePrice(text, "Bid_Amount"), (error: unknown) => {
          assert.ok(error instanceof ProtocolError);
          assert.equal(error.field, "Bid_Amount");
          assert.match(error.message, /Bid_Amount/);
          return true;
        });
      });
    }
    for (const text of ["", ".5", "5.", "1,000", " 1", "abc", "NaN", "Infinity", "0x10"]) {
      await t.step(JSON.stringify(text), () => {
        assert.throws(() => parsePrice(text), ProtocolError);
      });
    }
  },
);

Deno.test("formatPrice() writes cents with exactly two decimals", pure, () => {
  assert.equal(formatPrice(1), "0.01");
  assert.equal(formatPrice(10), "0.10");
  assert.equal(formatPrice(2500), "25.00");
  assert.equal(formatPrice(2505), "25.05");
  assert.equal(formatPrice(MAX_PRICE_CENTS), "1000000000.00");
});

Deno.test("prices survive a round trip through the wire at the limits", pure, () => {
  for (const cents of [1, 99, 100, 101, 12345, MAX_PRICE_CENTS - 1, MAX_PRICE_CENTS]) {
    assert.equal(parsePrice(formatPrice(cents)), cents);
    const bid = message("BID", 1, { item: "Kite", amount: cents });
    assert.deepEqual(decodeLine(encodeMessage(bid)), bid);
  }
});

Deno.test("parseDuration() reads units s, m, h and bare numbers", pure, () => {
  assert.deepEqual(parseDuration("90s"), { amount: 90, unit: "s" });
  assert.deepEqual(parseDuration("1.5m"), { amount: 1.5, unit: "m" });
  assert.deepEqual(parseDuration("2h"), { amount: 2, unit: "h" });
  assert.deepEqual(parseDuration("2H"), { amount: 2, unit: "h" });
  assert.deepEqual(parseDuration("5"), { amount: 5, unit: null });
});

Deno.test("durationMs() counts a bare number in the server's unit", pure, () => {
  assert.equal(durationMs(parseDuration("90s"), "m"), 90_000);
  assert.equal(durationMs(parseDuration("1.5m"), "s"), 90_000);
  assert.equal(durationMs(parseDuration("2h"), "s"), 7_200_000);
  assert.equal(durationMs(parseDuration("5"), "m"), 300_000);
  assert.equal(durationMs(parseDuration("5"), "s"), 5_000);
});

Deno.test("parseDuration() refuses zero, negatives, other units and junk", pure, async (t) => {
  for (const text of ["0", "0s", "-5", "5d", "5ms", "m", "", "1.2345m", "1e3", "5 m"]) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(() => parseDuration(text), ProtocolError);
    });
  }
});

Deno.test("durations written back read the same", pure, () => {
  for (const text of ["90s", "1.5m", "2h", "5", "0.5h"]) {
    const listing = message("LIST_ITEM", 1, {
      item: "Kite",
      description: "x",
      startPrice: 100,
      duration: parseDuration(text),
    });
    const line = encodeMessage(listing);
    assert.ok(line.endsWith(` ${text}`), line);
    assert.deepEqual(decodeLine(line), listing);
  }
});

Deno.test("parseUserName() takes 1 to 32 letters, digits, _ - and .", pure, () => {
  for (const name of ["a", "Z", "0", "_", "-", ".", "a.b-c_D9", "x".repeat(32)]) {
    assert.equal(parseUserName(name), name);
  }
});

Deno.test("parseUserName() refuses empty, too long and other characters", pure, async (t) => {
  const bad = ["", "x".repeat(33), "a b", "a/b", "é", "a@b", 'a"b', "名前", "a\tb", "a+b"];
  for (const name of bad) {
    await t.step(JSON.stringify(name), () => {
      assert.throws(() => parseUserName(name), /Invalid Name .*: use 1 to 32 ASCII letters/);
    });
  }
});

Deno.test("decodeLine() refuses a name of 33 characters in REGISTER", pure, () => {
  assert.throws(
    () => decodeLine(`REGISTER 1 ${"a".repeat(33)} buyer 10.0.0.1 6000 6001`),
    /Invalid Name/,
  );
});

Deno.test("parseDescription() takes up to 200 characters and no control characters", pure, () => {
  assert.equal(parseDescription(""), "");
  assert.equal(parseDescription("d".repeat(200)), "d".repeat(200));
  assert.equal(parseDescription("é".repeat(200)), "é".repeat(200));
  assert.throws(() => parseDescription("d".repeat(201)), /at most 200/);
  assert.throws(() => parseDescription("a\u0001b"), /control characters/);
  const listing = `LIST_ITEM 1 Kite "${"d ".repeat(100)}" 1 5`;
  assert.equal((decodeLine(listing) as { description: string }).description, "d ".repeat(100));
  assert.throws(() => decodeLine(`LIST_ITEM 1 Kite "${"d ".repeat(100)}x" 1 5`), /at most 200/);
});

Deno.test("parseRole() takes buyer or seller in any case", pure, () => {
  assert.equal(parseRole("buyer"), "buyer");
  assert.equal(parseRole("SELLER"), "seller");
  assert.equal(parseRole("Buyer"), "buyer");
  assert.throws(() => parseRole("admin"), /Invalid Role "admin"/);
});

Deno.test("parseIp() takes IPv4 and IPv6 literals only", pure, () => {
  for (const ip of ["127.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "fe80::1", "2001:db8::7"]) {
    assert.equal(parseIp(ip), ip);
  }
  for (const ip of ["256.0.0.1", "1.2.3", "1.2.3.4.5", "localhost", "", "a:b:z::"]) {
    assert.throws(() => parseIp(ip), /Invalid IP/, ip);
  }
});

Deno.test("parsePort() takes 1 to 65535", pure, () => {
  assert.equal(parsePort("1"), 1);
  assert.equal(parsePort("65535"), 65535);
  for (const port of ["0", "65536", "-1", "80.5", "", "port"]) {
    assert.throws(() => parsePort(port), /use 1 to 65535/, port);
  }
});

Deno.test("parseCardNumber() takes 12 to 19 digits that pass Luhn", pure, () => {
  assert.equal(parseCardNumber("4111 1111 1111 1111"), "4111111111111111");
  assert.equal(parseCardNumber("4000000000000002"), "4000000000000002");
  assert.throws(() => parseCardNumber("4111111111111112"), /not a valid card number/);
  assert.throws(() => parseCardNumber("41111111111"), /12 to 19 digits/);
});

Deno.test("parseCardExpiry() takes MM/YY and MMYY", pure, () => {
  assert.deepEqual(parseCardExpiry("12/30"), { month: 12, year: 2030 });
  assert.deepEqual(parseCardExpiry("0127"), { month: 1, year: 2027 });
  assert.throws(() => parseCardExpiry("13/30"), /MM\/YY/);
  assert.throws(() => parseCardExpiry("1/30"), /MM\/YY/);
});

Deno.test("parseTypedCardExpiry() takes M/YY as typed, and the wire gets MM/YY", pure, () => {
  assert.deepEqual(parseTypedCardExpiry("1/30"), { month: 1, year: 2030 });
  assert.deepEqual(parseTypedCardExpiry("01/30"), { month: 1, year: 2030 });
  assert.deepEqual(parseTypedCardExpiry("12/30"), { month: 12, year: 2030 });
  assert.deepEqual(parseTypedCardExpiry("0130"), { month: 1, year: 2030 });
  for (const bad of ["0/30", "13/30", "1/3", "130", "1/2030", "a/30"]) {
    assert.throws(() => parseTypedCardExpiry(bad), /MM\/YY/, bad);
  }
  const response = message("INFORM_Res", 7, {
    name: "Ann",
    card: "4111111111111111",
    expiry: parseTypedCardExpiry("1/30"),
    address: "1 Main St",
  });
  assert.equal(encodeMessage(response), "INFORM_Res 7 Ann 4111111111111111 01/30 1 Main St");
});

Deno.test("parseText() names its limit when the text is too long", pure, () => {
  assert.equal(parseText(" Ann Lee "), "Ann Lee");
  assert.throws(() => parseText("x".repeat(301), "name"), {
    message: "Invalid name: at most 300 characters",
  });
});

Deno.test("parseCardNumber() words a mistyped card without jargon", pure, () => {
  assert.throws(() => parseCardNumber("4111111111111112", "card"), {
    message: "Invalid card: not a valid card number, check the digits",
  });
});
