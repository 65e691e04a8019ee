/**
 * Keeping card data out of logs: every run of 12 to 19 digits (spaces and dashes allowed) is
 * masked to its last four, and the fields after the name of an INFORM_Res are hidden.
 * @module
 */

import { lookupMessageType, maskCard } from "../protocol/mod.ts";

const CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;

/** A line made safe to log: no card number, expiry or password in it. */
export function redactLine(line: string): string {
  const tokens = line.trim().split(/\s+/);
  const type = tokens[0] === undefined ? undefined : lookupMessageType(tokens[0]);
  if (type === "INFORM_Res") return `INFORM_Res ${tokens[1] ?? ""} <payment details hidden>`;
  if (type === "REGISTER" && tokens.length > 7) return [...tokens.slice(0, 7), "***"].join(" ");
  if (type === "LOGIN" && tokens.length > 3) {
    return tokens.map((token, index) => index >= 3 && !/^\d+$/.test(token) ? "***" : token)
      .join(" ");
  }
  return line.replace(CARD_LIKE, (digits) => maskCard(digits.replace(/[ -]/g, "")));
}
