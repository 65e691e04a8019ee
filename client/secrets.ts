/**
 * Passwords and session keys kept off the screen, out of logs, history and JSON records: the
 * password words of a typed `register NAME ROLE PASSWORD` or `login NAME PASSWORD` are masked
 * (same length, so the cursor stays in place), and `key=<hex>` is hidden wherever it appears.
 * Control and bidirectional characters are escaped in what the client prints. Pure functions.
 * @module
 */

import { printable } from "../protocol/mod.ts";

/** The part of a typed line before its password: `register NAME ROLE ` or `login NAME `. */
const BEFORE_PASSWORD = /^(\s*(?:register\s+\S+\s+\S+|login\s+\S+)\s+)(\S.*)$/is;

/** Whether a typed line carries a password (`register NAME ROLE PASSWORD`, `login NAME PASSWORD`). */
export function containsPassword(line: string): boolean {
  return BEFORE_PASSWORD.test(line);
}

/** `line` with the password of a typed register or login command masked, `*` for each character. */
export function maskPassword(line: string): string {
  const match = BEFORE_PASSWORD.exec(line);
  if (!match) return line;
  return match[1]! + match[2]!.replace(/./gsu, "*");
}

/** An answer shaped like a card number: digits, with spaces or dashes between groups. */
const CARD_SHAPED = /^[\d\s-]*\d[\d\s-]*$/;

/**
 * A secret answer as it is drawn: `*` for each digit of a card-shaped answer, its spaces and
 * dashes kept (`****-****-****-1111` reads as the groups typed); `*` for every other character
 * but white space otherwise (a password).
 */
export function maskSecretAnswer(line: string): string {
  return CARD_SHAPED.test(line) ? line.replace(/\d/g, "*") : line.replace(/\S/gu, "*");
}

const SESSION_KEY = /\bkey=[0-9a-f]{8,}/gi;

/** `text` with every session key field written `key=***`. */
export function hideSessionKeys(text: string): string {
  return text.replace(SESSION_KEY, "key=***");
}

/**
 * A record as one JSON line that is safe on a terminal: JSON.stringify escapes C0 controls;
 * DEL, C1 controls and bidirectional controls are escaped too (`\u202e`, by the codec's
 * {@linkcode printable}), which parses back to the same text.
 */
export function jsonLine(record: unknown): string {
  return printable(JSON.stringify(record));
}

/** A line for the terminal: control and bidirectional characters written as `\uXXXX`. */
export function terminalLine(text: string): string {
  return printable(text);
}
