/**
 * Field rules of the wire protocol: names, prices, durations, ports, cards.
 * Pure functions; each throws a {@linkcode ProtocolError} that names the field.
 * @module
 */

import { isDigits } from "./char_codes.ts";

/** The codec's own error: a message or field that breaks the protocol. */
export class ProtocolError extends SyntaxError {
  /** The field that was wrong, when one was. */
  readonly field?: string;
  constructor(message: string, field?: string) {
    super(message);
    this.name = "ProtocolError";
    this.field = field;
  }
}

/** Largest price the protocol accepts, in cents (1,000,000,000.00). */
export const MAX_PRICE_CENTS = 100_000_000_000;
/** Longest item description, in characters. */
export const MAX_DESCRIPTION_LENGTH = 200;
/** Longest request the server reads, in bytes. */
export const MAX_REQUEST_BYTES = 1024;
/** Longest auction accepted: 30 days, in milliseconds. */
export const MAX_DURATION_MS = 30 * 24 * 3600 * 1000;

/** Names that are keys of every plain object once lower-cased: never a user or item name. */
const RESERVED_NAMES = new Set(["__proto__", "constructor"]);
const DURATION_PATTERN = /^(\d{1,9}(?:\.\d{1,3})?)([smhSMH]?)$/;
/** Most digits of an integer field (an RQ#, a count): every such value is exact in a double. */
export const MAX_INTEGER_DIGITS = 15;

/** What a name may hold, as its refusals say it: `é` is a letter to a person, not to the rule. */
const NAME_RULE = "use 1 to 32 ASCII letters (a-z, A-Z), digits, _ - or .";

/** A user name: 1 to 32 letters, digits, `_`, `-` or `.`. */
export function parseUserName(text: string, field = "Name"): string {
  if (!isName(text)) {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": ${NAME_RULE}`, field);
  }
  if (RESERVED_NAMES.has(text.toLowerCase())) {
    throw new ProtocolError(`Invalid ${field} "${text}": this name is reserved`, field);
  }
  return text;
}

/** Whether `text` is 1 to 32 of `A-Z a-z 0-9 _ . -`, checked by char code (every BID has one). */
function isName(text: string): boolean {
  if (text.length < 1 || text.length > 32) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    const letter = (code | 0x20) >= 0x61 && (code | 0x20) <= 0x7a;
    const digit = code >= 0x30 && code <= 0x39;
    if (!letter && !digit && code !== 0x5f && code !== 0x2e && code !== 0x2d) return false;
  }
  return true;
}

/** An item name: the same rule as user names. */
export function parseItemName(text: string, field = "Item_Name"): string {
  return parseUserName(text, field);
}

/** An item description: up to 200 characters, no control characters. */
export function parseDescription(text: string, field = "Item_Desc"): string {
  if ([...text].length > MAX_DESCRIPTION_LENGTH) {
    throw new ProtocolError(
      `Invalid ${field}: at most ${MAX_DESCRIPTION_LENGTH} characters`,
      field,
    );
  }
  refuseControlCharacters(text, field);
  return text;
}

// deno-lint-ignore no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/**
 * Refuses C0 and C1 control characters and the bidirectional controls: text that could move a
 * terminal's cursor, recolour it or reorder what a reader sees.
 */
export function refuseControlCharacters(text: string, field: string): void {
  if (CONTROL_CHARACTERS.test(text)) {
    throw new ProtocolError(
      `Invalid ${field}: control characters and bidirectional controls are not allowed`,
      field,
    );
  }
}

/** What a price out of range is told: the range, in the protocol's words. */
const PRICE_RANGE = "must be more than 0, up to 1,000,000,000";

/** A price in decimal (`25`, `25.5`, `25.50`) to integer cents; more than 0, at most 1e9. */
export function parsePrice(text: string, field = "Price"): number {
  const cents = priceCents(text);
  if (cents === NOT_A_PRICE) throw new ProtocolError(notAPrice(text, field), field);
  if (cents <= 0 || cents === TOO_MANY_DIGITS || cents > MAX_PRICE_CENTS) {
    throw new ProtocolError(`Invalid ${field}: ${PRICE_RANGE}`, field);
  }
  return cents;
}

/** Why `text` is no price: a number below 0, too many decimals, or no number at all. */
function notAPrice(text: string, field: string): string {
  const quoted = `Invalid ${field} "${clip(text)}"`;
  if (/^-\d+(?:\.\d+)?$/.test(text)) return `${quoted}: ${PRICE_RANGE}`;
  if (/^\d+\.\d{3,}$/.test(text)) return `${quoted}: use at most 2 decimals`;
  return `${quoted}: use a number with at most 2 decimals, like 25 or 25.50`;
}

const NOT_A_PRICE = -1;
const TOO_MANY_DIGITS = -2;

/**
 * `^(\d{1,10})(?:\.(\d{1,2}))?$` read as cents, by char code (every BID has a price);
 * {@linkcode TOO_MANY_DIGITS} when it has that form with more than 10 whole digits, else
 * {@linkcode NOT_A_PRICE} when it does not match.
 */
function priceCents(text: string): number {
  let index = 0;
  let whole = 0;
  for (; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x30 || code > 0x39) break;
    whole = whole * 10 + code - 0x30;
  }
  const wholeDigits = index;
  let fraction = 0;
  let fractionDigits = 0;
  if (index < text.length) {
    if (text.charCodeAt(index) !== 0x2e) return NOT_A_PRICE;
    for (index++; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code < 0x30 || code > 0x39) return NOT_A_PRICE;
      fraction = fraction * 10 + code - 0x30;
      fractionDigits++;
    }
    if (fractionDigits < 1 || fractionDigits > 2) return NOT_A_PRICE;
  }
  if (wholeDigits < 1) return NOT_A_PRICE;
  if (wholeDigits > 10) return TOO_MANY_DIGITS;
  return whole * 100 + (fractionDigits === 1 ? fraction * 10 : fraction);
}

/** Integer cents to the wire form with two decimals: 2500 → `25.00`. */
export function formatPrice(cents: number): string {
  const whole = Math.floor(cents / 100);
  const rest = cents % 100;
  return `${whole}.${rest < 10 ? "0" : ""}${rest}`;
}

/** Units a duration may name outright. */
export type DurationUnit = "s" | "m" | "h";

/** A duration as written: a number and the unit it named, if any. */
export interface Duration {
  /** The number as written, e.g. 1.5. */
  amount: number;
  /** The unit it named; `null` for a bare number (the server's default unit). */
  unit: DurationUnit | null;
}

/** A duration: a bare number, or one with a suffix `s`, `m` or `h` (`90s`, `1.5m`). */
export function parseDuration(text: string, field = "Duration"): Duration {
  const match = DURATION_PATTERN.exec(text);
  if (!match && /^-\d/.test(text)) {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": must be more than 0`, field);
  }
  if (!match) {
    throw new ProtocolError(
      `Invalid ${field} "${clip(text)}": use a number, optionally with s, m or h`,
      field,
    );
  }
  const amount = Number(match[1]);
  if (!(amount > 0)) throw new ProtocolError(`Invalid ${field}: must be more than 0`, field);
  const unit = (match[2] ?? "").toLowerCase();
  return { amount, unit: unit === "" ? null : unit as DurationUnit };
}

/** A duration written back the way it was read. */
export function formatDuration(duration: Duration): string {
  return `${duration.amount}${duration.unit ?? ""}`;
}

const UNIT_MS: Record<DurationUnit, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds; a bare number counts in `defaultUnit`. */
export function durationMs(duration: Duration, defaultUnit: DurationUnit): number {
  return Math.round(duration.amount * UNIT_MS[duration.unit ?? defaultUnit]);
}

/** A non-negative integer (RQ#, Time_Left). */
export function parseInteger(text: string, field = "RQ#"): number {
  if (!isDigits(text, MAX_INTEGER_DIGITS)) {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": use a non-negative integer`, field);
  }
  return Number(text);
}

/** A port number, 1 to 65535. */
export function parsePort(text: string, field = "Port"): number {
  const port = /^\d{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(port >= 1 && port <= 65535)) {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": use 1 to 65535`, field);
  }
  return port;
}

/** The two roles a user may have. */
export type Role = "buyer" | "seller";

/** A role, `buyer` or `seller`, in any case. */
export function parseRole(text: string, field = "Role"): Role {
  const role = text.toLowerCase();
  if (role !== "buyer" && role !== "seller") {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": use buyer or seller`, field);
  }
  return role;
}

/** An IPv4 or IPv6 address literal. */
export function parseIp(text: string, field = "IP"): string {
  const octets = text.split(".");
  const isV4 = octets.length === 4 &&
    octets.every((octet) => /^\d{1,3}$/.test(octet) && Number(octet) <= 255);
  const isV6 = !isV4 && text.includes(":") && /^[0-9A-Fa-f:.]{2,45}$/.test(text);
  if (!isV4 && !isV6) {
    throw new ProtocolError(`Invalid ${field} "${clip(text)}": use an IPv4 or IPv6 address`, field);
  }
  return text;
}

/**
 * A password: 1 to 128 characters, not starting with `key=` (that is the session key field that
 * may end any request).
 */
export function parsePassword(text: string, field = "Password"): string {
  if (text.length < 1 || text.length > 128) {
    throw new ProtocolError(`Invalid ${field}: use 1 to 128 characters`, field);
  }
  if (/^key=/i.test(text)) {
    throw new ProtocolError(`Invalid ${field}: must not start with key=`, field);
  }
  refuseControlCharacters(text, field);
  return text;
}

/** The length of a session key in hex digits (128 random bits). */
export const SESSION_KEY_HEX_DIGITS = 32;
const SESSION_KEY_PATTERN = /^key=([0-9a-fA-F]{32})$/;

/** The session key field, `key=<32 hex digits>`, to the key in lower case. */
export function parseSessionKey(text: string, field = "key"): string {
  const match = SESSION_KEY_PATTERN.exec(text);
  if (!match) throw new ProtocolError("Session key missing or wrong", field);
  return match[1]!.toLowerCase();
}

/** Longest free text (a person's name, an address, a reason), in characters. */
export const MAX_TEXT_LENGTH = 300;

/**
 * Free text that must not be empty (a person's name, an address, a reason): at most 300
 * characters, no control or bidirectional characters.
 */
export function parseText(text: string, field = "Text"): string {
  const trimmed = text.trim();
  if (trimmed === "") throw new ProtocolError(`Invalid ${field}: must not be empty`, field);
  if (trimmed.length > MAX_TEXT_LENGTH) {
    throw new ProtocolError(`Invalid ${field}: at most ${MAX_TEXT_LENGTH} characters`, field);
  }
  refuseControlCharacters(trimmed, field);
  return trimmed;
}

/** At most 40 characters of a peer's text, printable, for an error message that quotes it. */
export function clip(text: string): string {
  return printable(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

const CONTROL_CHARACTERS_ALL = new RegExp(CONTROL_CHARACTERS.source, "g");

/**
 * `text` with every control and bidirectional character written as a `\uXXXX` escape, so it
 * can be quoted in a reply or printed on a terminal without acting on it.
 */
export function printable(text: string): string {
  return text.replace(
    CONTROL_CHARACTERS_ALL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
