import assert from "node:assert/strict";
import { passesLuhn } from "../../protocol/card.ts";
import { maskCardNumbers } from "../../protocol/card_mask.ts";
import { redactSecrets } from "../../protocol/redact.ts";
import { pure } from "../_support/pure.ts";

/** Cards in groups of one or two digits (or mixed), each with what the log must show. */
const MASKED: { line: string; logged: string }[] = [
  {
    line: "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
    logged: "* * * * * * * * * * * * 1 1 1 1",
  },
  { line: "41 11 11 11 11 11 11 11", logged: "** ** ** ** ** ** 11 11" },
  { line: "card 60 11 00 09 90 13 94 24.", logged: "card ** ** ** ** ** ** 94 24." },
  { line: "3 7 8 2 8 2 2 4 6 3 1 0 0 0 5", logged: "* * * * * * * * * * * 0 0 0 5" },
  { line: "x 4 2 2 2 2 2 2 2 2 2 2 2 2 y", logged: "x * * * * * * * * * 2 2 2 2 y" },
  {
    // Not `1.1.1.1_`: four dotted numbers alone read as an IPv4 address.
    line: "4-1-1-1 1.1.1.1.1_1_1_1,1,1,1,1",
    logged: "*-*-*-* *.*.*.*.*_*_*_*,1,1,1,1",
  },
  {
    line: "4\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1\t1",
    logged: "*\t*\t*\t*\t*\t*\t*\t*\t*\t*\t*\t*\t1\t1\t1\t1",
  },
  {
    line: "4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 0",
    logged: "* * * * * * * * * * * * * * * 1 1 1 0",
  },
  {
    line: "\uff14 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 \uff11 " +
      "\uff11 \uff11 \uff11 \uff11 x",
    logged: "* * * * * * * * * * * * \uff11 \uff11 \uff11 \uff11 x",
  },
];

Deno.test(
  "maskCardNumbers() masks a card in groups of one or two digits that passes the Luhn check",
  pure,
  async (t) => {
    for (const { line, logged } of MASKED) {
      await t.step(JSON.stringify(line), () => assert.equal(maskCardNumbers(line), logged));
    }
  },
);

Deno.test("redactSecrets() finds a loose card beside an RQ# or its expiry", pure, () => {
  // The RQ# runs into the card: the stretch that is the card is found within the run.
  const denied = redactSecrets("DENIED 7 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1");
  assert.ok(!denied.includes("4 1 1 1 1"), denied);
  assert.match(denied, /^DENIED /);
  assert.equal(
    redactSecrets('Shipping_Info 9 "Bea Smith" 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 12/30 1 Main St'),
    'Shipping_Info 9 "Bea Smith" * * * * * * * * * * * * 1 1 1 1 **/** 1 Main St',
  );
});

/** Digit runs of one- and two-digit groups that are not cards: logged as they are. */
const LEFT_ALONE = [
  // 16 digits failing the Luhn check, as every stretch of 13 or more of its groups does.
  "41 11 11 11 11 11 11 12",
  // 12 digits failing the Luhn check (as a card the parser takes, passing it, they are masked).
  "4 2 2 2 2 2 2 2 2 2 2 8",
  "on 27.11.2026 at 03 49 52 502",
  "27/11/2026 03.49.52",
  "dates 2026-11-27 2026-11-28",
  "total 1,000,000.00 over 12 bids",
  // Times: `:` joins no loose run, so this date and time (whose digits pass) stays readable.
  "2026-01-02 12:30:45",
  "at 2026-11-27 03:49:52.502, 12:00:00",
  "from 192.168.100.200:65535 and 10.0.0.1 5000 5001",
  'AUCTION_ANNOUNCE 12 Kite "A red kite" 999999999.99 86400',
];

Deno.test(
  "maskCardNumbers() leaves dates, times, amounts and addresses that are no card alone",
  pure,
  async (t) => {
    assert.equal(passesLuhn("20260102123045"), true, "the date and time above would pass");
    assert.equal(passesLuhn("4111111111111112"), false);
    for (const line of LEFT_ALONE) {
      await t.step(line, () => assert.equal(redactSecrets(line), line));
    }
  },
);
