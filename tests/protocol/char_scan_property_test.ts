/**
 * The codec reads a request's head, names, prices and ASCII text by char code rather than with
 * regular expressions (every request goes through them). These properties hold them to the
 * regular expressions they replaced, on random text full of the edge cases: white space a
 * regular expression's `\s` knows beyond space and tab, digits, dots, non-ASCII letters.
 * @module
 */

import assert from "node:assert/strict";
import {
  datagramText,
  DecodeError,
  decodeLine,
  lookupMessageType,
  MAX_PRICE_CENTS,
  parsePrice,
  parseUserName,
  ProtocolError,
} from "../../protocol/mod.ts";
import { Random } from "../_support/random.ts";
import { pure } from "../_support/pure.ts";

const RUNS = 5000;
const SPACES = [" ", "\t", "\r", "\n", "\v", "\f", "\u00a0", "\u1680", "\u2000", "\u200a"];
const MORE_SPACES = ["\u2028", "\u2029", "\u202f", "\u205f", "\u3000", "\ufeff", "\u200b"];
const PIECES = [
  ..."0123456789.",
  "00",
  "12345678901",
  ..."aZ_-é",
  "BID",
  "PING",
  "LOGIN",
  "key=ab",
  ...SPACES,
  ...MORE_SPACES,
];

interface Outcome {
  value?: unknown;
  error?: string;
  rq?: number;
}

/** What `read` returns, or the message (and RQ#) of the protocol error it raises. */
function outcome(read: () => unknown): Outcome {
  try {
    return { value: read() };
  } catch (error) {
    if (!(error instanceof ProtocolError)) throw error;
    return { error: error.message, rq: (error as DecodeError).rq };
  }
}

Deno.test("parseUserName() accepts exactly what /^[A-Za-z0-9_.-]{1,32}$/ accepts", pure, () => {
  const random = new Random(31);
  for (let run = 0; run < RUNS; run++) {
    const text = random.string(PIECES, 0, random.chance(0.1) ? 40 : 6);
    const reserved = ["__proto__", "constructor"].includes(text.toLowerCase());
    const expected = /^[A-Za-z0-9_.-]{1,32}$/.test(text) && !reserved;
    assert.equal("value" in outcome(() => parseUserName(text)), expected, text);
  }
  assert.equal(parseUserName("a".repeat(32)), "a".repeat(32));
  assert.throws(() => parseUserName("a".repeat(33)), ProtocolError);
});

/** The price rule as it was written with regular expressions. */
function priceByRegex(text: string): number {
  const match = /^(\d{1,10})(?:\.(\d{1,2}))?$/.exec(text);
  if (!match && /^\d{11,}(\.\d{1,2})?$/.test(text)) {
    throw new ProtocolError("Invalid Price: must be more than 0, up to 1,000,000,000", "Price");
  }
  if (!match) throw new ProtocolError("not a price", "Price");
  const cents = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  if (cents <= 0) {
    throw new ProtocolError("Invalid Price: must be more than 0, up to 1,000,000,000", "Price");
  }
  if (cents > MAX_PRICE_CENTS) {
    throw new ProtocolError("Invalid Price: must be more than 0, up to 1,000,000,000", "Price");
  }
  return cents;
}

Deno.test("parsePrice() reads and refuses exactly as its regular expressions did", pure, () => {
  const random = new Random(32);
  const digits = [..."0123456789.", "1234567890", "x", " "];
  for (let run = 0; run < RUNS; run++) {
    const text = random.string(digits, 0, random.chance(0.2) ? 16 : 5);
    const expected = outcome(() => priceByRegex(text));
    const actual = outcome(() => parsePrice(text));
    assert.equal(actual.value, expected.value, text);
    // The wording differs only where the reference above shortened it.
    if (expected.error !== "not a price") assert.equal(actual.error, expected.error, text);
    else assert.match(actual.error ?? "", /use (a number with )?at most 2 decimals/, text);
  }
  assert.equal(parsePrice("1000000000.00"), MAX_PRICE_CENTS);
  assert.equal(parsePrice("0.5"), 50);
  assert.equal(parsePrice("007.05"), 705);
});

Deno.test("decodeLine() splits the head as /^[ \\t]*(\\S+)(?:[ \\t]+(\\S+))?/ does", pure, () => {
  const random = new Random(33);
  const head = /^[ \t]*(\S+)(?:[ \t]+(\S+))?/;
  for (let run = 0; run < RUNS; run++) {
    const line = random.string(PIECES, 0, 8);
    const match = head.exec(line);
    const actual = outcome(() => decodeLine(line)) as {
      value?: unknown;
      error?: string;
      rq?: number;
    };
    if (!match) {
      assert.equal(actual.error, "Empty message", JSON.stringify(line));
      continue;
    }
    const [whole, name = "", rqText] = match;
    const rq = rqText !== undefined && /^\d{1,15}$/.test(rqText) ? Number(rqText) : 0;
    if (!lookupMessageType(name) || rqText === undefined) {
      assert.ok(actual.error, JSON.stringify(line));
      assert.equal(actual.rq, rq, JSON.stringify(line));
      continue;
    }
    // The same line with its head written plainly reads the same: the fields after the head
    // start where the regular expression's match ended.
    const plain = `${name} ${rqText}${line.slice(whole.length)}`;
    assert.deepEqual(actual, outcome(() => decodeLine(plain)), JSON.stringify(line));
    if (actual.value) assert.equal((actual.value as { rq: number }).rq, rq);
  }
});

Deno.test("datagramText() reads ASCII by char code and anything else as strict UTF-8", pure, () => {
  const random = new Random(34);
  const strict = new TextDecoder("utf-8", { fatal: true });
  for (let run = 0; run < RUNS; run++) {
    const bytes = random.bytes(random.int(0, 40)).map((byte) =>
      random.chance(0.9) ? byte & 0x7f : byte
    );
    let expected: string | undefined;
    try {
      expected = strict.decode(bytes);
    } catch {
      // Not UTF-8: refused below.
    }
    const actual = outcome(() => datagramText(bytes));
    if (expected === undefined) assert.equal(actual.error, "Request is not valid UTF-8");
    else assert.equal(actual.value, expected);
  }
  // A datagram longer than a request (a client reads up to 65,535 bytes) is read whole.
  const long = new Uint8Array(65_535).fill(0x61);
  assert.equal(datagramText(long, 65_535), "a".repeat(65_535));
  // A byte-order mark is dropped, as the strict decoder drops it.
  assert.equal(datagramText(new Uint8Array([0xef, 0xbb, 0xbf, 0x41])), "A");
});
