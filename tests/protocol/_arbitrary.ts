/**
 * Random valid messages for the codec's property tests, built from the message table.
 * @module
 */

import {
  type FieldKind,
  type FieldKinds,
  MAX_PRICE_CENTS,
  type Message,
  MESSAGES,
  type MessageType,
  passesLuhn,
} from "../../protocol/mod.ts";
import type { Random } from "../_support/random.ts";

const NAME_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"];
/** Printable characters, including the ones quoting must handle. */
const TEXT_CHARS = [
  ...NAME_CHARS,
  ..." \"\\'!#$%&()*+,/:;<=>?@[]^`{|}~",
  " ",
  " ",
  "é",
  "ß",
  "名",
  "😀",
];

function name(random: Random): string {
  while (true) {
    const text = random.string(NAME_CHARS, 1, 32);
    if (!["__proto__", "constructor"].includes(text.toLowerCase())) return text;
  }
}

function text(random: Random, maxLength: number): string {
  while (true) {
    const value = random.string(TEXT_CHARS, 1, maxLength).trim();
    if (value !== "") return value;
  }
}

function card(random: Random): string {
  const body = random.string([..."0123456789"], 11, 18);
  for (let check = 0; check <= 9; check++) {
    if (passesLuhn(body + check)) return body + check;
  }
  throw new Error("unreachable: one check digit always passes");
}

const FIELD_GENERATORS: { [K in FieldKind]: (random: Random) => FieldKinds[K] } = {
  user: name,
  item: name,
  desc: (random) => random.chance(0.1) ? "" : random.string(TEXT_CHARS, 0, 200),
  price: (random) =>
    random.chance(0.2) ? random.pick([1, MAX_PRICE_CENTS]) : random.int(1, MAX_PRICE_CENTS),
  duration: (random) => {
    const decimals = random.int(0, 3);
    return {
      amount: random.int(1, 999_999) / 10 ** decimals,
      unit: random.pick(["s", "m", "h", null] as const),
    };
  },
  int: (random) => random.int(0, 1_000_000_000),
  port: (random) => random.int(1, 65535),
  ip: (random) =>
    random.chance()
      ? Array.from({ length: 4 }, () => random.int(0, 255)).join(".")
      : random.pick(["::1", "fe80::1", "2001:db8::42", "::ffff:10.0.0.1"]),
  role: (random) => random.pick(["buyer", "seller"] as const),
  roleTag: (random) => random.pick(["buyer", "seller"] as const),
  password: (random) => {
    const value = text(random, 40);
    return /^key=/i.test(value) ? `x${value}` : value;
  },
  text: (random) => text(random, 60),
  rest: (random) => text(random, 150),
  reject: () => "REJECT",
  card,
  expiry: (random) => ({ month: random.int(1, 12), year: random.int(2000, 2099) }),
  sessionKey: (random) => random.string([..."0123456789abcdef"], 32, 32),
  last4: (random) => random.string([..."0123456789"], 4, 4),
};

/** A random valid message of `type` (or of a random type). */
export function arbitraryMessage(random: Random, type?: MessageType): Message {
  const chosen = type ?? random.pick(Object.keys(MESSAGES) as MessageType[]);
  const result: Record<string, unknown> = { type: chosen, rq: random.int(0, 999_999_999) };
  for (const [key, spec] of Object.entries(MESSAGES[chosen].fields as Record<string, string>)) {
    const optional = spec.endsWith("?");
    if (optional && random.chance()) continue;
    const kind = spec.replace("?", "") as FieldKind;
    result[key] = (FIELD_GENERATORS[kind] as (random: Random) => unknown)(random);
  }
  // A LOGIN password of digits alone reads as the TCP port when no port comes first.
  if (chosen === "LOGIN" && result.tcpPort === undefined && typeof result.password === "string") {
    if (/^\d{1,5}$/.test(result.password)) result.password = `p${result.password}`;
  }
  return result as unknown as Message;
}
