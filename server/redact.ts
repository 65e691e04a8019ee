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
    // As the codec reads it: a TCP port first if the field is one, the rest is the password.
    const port = tokens[3]!;
    const kept = tokens.slice(0, isPort(port) ? 4 : 3);
    return [...kept, ...(kept.length < tokens.length ? ["***"] : [])].join(" ");
  }
  return line.replace(CARD_LIKE, (digits) => maskCard(digits.replace(/[ -]/g, "")));
}

function isPort(token: string): boolean {
  return /^\d{1,5}$/.test(token) && Number(token) >= 1 && Number(token) <= 65535;
}
