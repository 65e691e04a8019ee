/**
 * Hostile datagrams for the UDP fuzz test: every request of the table (and a few server-only
 * and TCP-only names) as valid lines, then mutated (truncated, bytes flipped, quotes, backslashes,
 * tabs, CR, LF and NUL inserted, huge numbers, duplicated or dropped fields, padded to 1024 or
 * 1025 bytes, invalid UTF-8), plus random bytes and empty datagrams. All drawn from a seeded
 * {@linkcode Random}, so a failing seed replays the same stream.
 * @module
 */

import type { Random } from "./random.ts";

const UTF8 = new TextEncoder();

/** User names the fuzzers use (never the legitimate users' names). */
const NAMES = ["fz0", "fz1", "FZ1", "fz2", "fz3", "fz_3", "fz.4"];
/** Item names the fuzzers use (never the legitimate user's items). */
const ITEMS = ["FuzzKite", "FuzzVase", "fuzzkite", "FuzzBook"];
/** Tokens that stress number parsing. */
const HUGE = [
  "99999999999999999999999999",
  "1e309",
  "-1",
  "-0",
  "0x1F",
  "NaN",
  "Infinity",
  "1000000000.01",
  "1000000000.00",
  "0.001",
  "0.00",
  "00000000000000000000000000001",
  "9007199254740993",
  "1.5e3",
  "65536",
  "",
];
/** Byte runs that are not valid UTF-8 (stray continuation, overlong, surrogate, truncated). */
const INVALID_UTF8 = [
  [0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xe2, 0x82],
  [0xf4, 0x90, 0x80, 0x80],
  [0xfe, 0xfe, 0xff],
];
const SPECIALS = [
  '"',
  "\\",
  "\t",
  "\r",
  "\n",
  "\0",
  '\\"',
  '"\\',
  "  ",
  "é",
  "\u{1F600}",
  "\u200b",
];

/** Who a fuzzer is: its own user (most of its lines speak as it), and its role. */
export interface FuzzIdentity {
  name: string;
  role: "buyer" | "seller";
}

/** The valid lines a fuzzer sends first and every few dozen datagrams, to hold its identity. */
export function identityLines(random: Random, self: FuzzIdentity): string[] {
  const rq = random.int(51, 99);
  const lines = [
    `REGISTER ${rq} ${self.name} ${self.role} 127.0.0.1 9 ${random.int(1024, 65535)}`,
    `LOGIN ${rq + 1} ${self.name}`,
  ];
  const item = random.pick(ITEMS);
  if (self.role === "buyer") lines.push(`SUBSCRIBE ${rq + 2} ${item}`);
  else lines.push(`LIST_ITEM ${rq + 2} ${item} short 1.00 ${random.pick(["1h", "3s", "6s"])}`);
  return lines;
}

/** One valid-looking request line of a random type from the table. */
export function validLine(random: Random, self?: FuzzIdentity): string {
  const rq = random.int(0, 50);
  const name = self && random.chance(0.7) ? self.name : random.pick(NAMES);
  const item = random.pick(ITEMS);
  const cents = random.int(1, 10 ** random.int(2, 9));
  const price = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;
  const port = String(random.int(1024, 65535));
  const lines = [
    `REGISTER ${rq} ${name} ${
      random.pick(["buyer", "seller", "SELLER"])
    } 127.0.0.1 ${port} ${port}`,
    `REGISTER ${rq} ${name} buyer 127.0.0.1 ${port} ${port} secret${rq}`,
    `LOGIN ${rq} ${name}`,
    `LOGIN ${rq} ${name} ${port} secret${rq}`,
    `DE-REGISTER ${rq} ${name}`,
    `de_register ${rq} ${name}`,
    `LIST_ITEM ${rq} ${item} "A \\"fuzzy\\" thing \\\\ here" ${price} ${
      random.pick(["1h", "90", "3s", "6s"])
    }`,
    `LIST_ITEM ${rq} ${item} plain ${price} 2h ${name}`,
    `SUBSCRIBE ${rq} ${item}`,
    `SUBSCRIBE ${rq} ${item} ${name}`,
    `DE-SUBSCRIBE ${rq} ${item}`,
    `de_subscribe ${rq} ${item} ${name}`,
    `BID ${rq} ${item} ${price}`,
    `ACCEPT ${rq} ${item} ${price}`,
    `REFUSE ${rq} ${item} REJECT`,
    `INFORM_Res ${rq} "Fuzz Name" 4111111111111111 12/30 1 Main Street`,
    `INFORM_Req ${rq} ${item} ${price}`,
    `WINNER ${rq} ${item} ${price} ${name}`,
    `BID_UPDATE ${rq} ${item} ${price} ${name} 10`,
    `CANCEL ${rq} because`,
    `REGISTERED ${rq}`,
    `NOPE ${rq}`,
  ];
  // Half the time, a request of this fuzzer's own role, so the fuzz gets past "Only buyers...".
  if (self && random.chance()) {
    return random.pick(
      self.role === "buyer" ? lines.slice(8, 13) : [lines[6]!, ...lines.slice(13, 15)],
    );
  }
  return random.pick(lines);
}

/** `line` with one to three mutations, as bytes. */
export function mutate(random: Random, line: string): Uint8Array {
  let bytes: Uint8Array = UTF8.encode(line);
  const count = random.int(1, random.pick([1, 1, 3]));
  for (let round = 0; round < count; round++) bytes = mutateOnce(random, bytes);
  return bytes;
}

function mutateOnce(random: Random, bytes: Uint8Array): Uint8Array {
  const at = random.int(0, bytes.length);
  switch (random.int(0, 8)) {
    case 0: // Truncate.
      return bytes.slice(0, at);
    case 1: { // Flip a bit.
      if (bytes.length === 0) return bytes;
      const copy = bytes.slice();
      const index = Math.min(at, copy.length - 1);
      copy[index]! ^= 1 << random.int(0, 7);
      return copy;
    }
    case 2: // Insert a quote, backslash, tab, CR, LF, NUL, or a multi-byte character.
      return splice(bytes, at, 0, UTF8.encode(random.pick(SPECIALS)));
    case 3: // Invalid UTF-8.
      return splice(bytes, at, 0, new Uint8Array(random.pick(INVALID_UTF8)));
    case 4: // A field becomes a huge or odd number.
      return replaceToken(random, bytes, () => random.pick(HUGE));
    case 5: // A field twice.
      return replaceToken(random, bytes, (token) => `${token} ${token}`);
    case 6: // A field dropped.
      return replaceToken(random, bytes, () => "");
    case 7: // Padded to exactly 1024 or 1025 bytes (inside the line or at its end).
      return padTo(random, bytes, random.pick([1023, 1024, 1025]));
    default: // The message name in another case or spelling.
      return replaceToken(random, bytes, (token) => token.toLowerCase().replaceAll("-", "_"), 0);
  }
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function replaceToken(
  random: Random,
  bytes: Uint8Array,
  replace: (token: string) => string,
  index?: number,
): Uint8Array {
  const tokens = new TextDecoder().decode(bytes).split(" ");
  const which = index ?? random.int(0, tokens.length - 1);
  tokens[which] = replace(tokens[which] ?? "");
  return UTF8.encode(tokens.join(" "));
}

function padTo(random: Random, bytes: Uint8Array, length: number): Uint8Array {
  if (bytes.length >= length) return bytes.slice(0, length);
  const fill = new Uint8Array(length - bytes.length).fill(random.pick([0x61, 0x20, 0x22]));
  return splice(bytes, random.chance() ? bytes.length : random.int(0, bytes.length), 0, fill);
}

/** One fuzz datagram: mostly mutated requests, some valid, random or empty. */
export function fuzzDatagram(random: Random, self?: FuzzIdentity): Uint8Array {
  const kind = random.next();
  if (kind < 0.25) return UTF8.encode(validLine(random, self));
  if (kind < 0.3) return random.bytes(random.int(0, 1100));
  if (kind < 0.32) return new Uint8Array(0);
  if (kind < 0.34) return random.bytes(random.int(1500, 9000));
  return mutate(random, validLine(random, self));
}
