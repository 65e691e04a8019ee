/**
 * The card fields of INFORM_Res and PAID: number (Luhn), expiry, the last four digits, and the
 * masked form logs show.
 * @module
 */

import { ProtocolError } from "./fields.ts";

/** The last four digits of a card, as PAID carries them. */
export function parseCardLast4(text: string, field = "Card_Last4"): string {
  if (!/^\d{4}$/.test(text)) throw new ProtocolError(`Invalid ${field}: use 4 digits`, field);
  return text;
}

/**
 * What a card number may hold between its digits, any number of times: white space of any kind
 * and `-`. The masking of logs and screens (`card_mask.ts`) finds cards by this same rule.
 */
export const CARD_SEPARATOR = String.raw`[\s-]`;
const CARD_SEPARATORS = new RegExp(CARD_SEPARATOR, "g");
/** The fewest digits of a card number. */
export const CARD_MIN_DIGITS = 12;
/** The most digits of a card number. */
export const CARD_MAX_DIGITS = 19;
const CARD_DIGITS = new RegExp(`^\\d{${CARD_MIN_DIGITS},${CARD_MAX_DIGITS}}$`);

/** A card number: 12 to 19 digits once {@linkcode CARD_SEPARATOR}s are removed, passing Luhn. */
export function parseCardNumber(text: string, field = "CC#"): string {
  const digits = text.replace(CARD_SEPARATORS, "");
  if (!CARD_DIGITS.test(digits)) {
    throw new ProtocolError(
      `Invalid ${field}: use ${CARD_MIN_DIGITS} to ${CARD_MAX_DIGITS} digits`,
      field,
    );
  }
  if (!passesLuhn(digits)) {
    // The Luhn check is jargon: what it catches is a mistyped digit or two swapped.
    throw new ProtocolError(`Invalid ${field}: not a valid card number, check the digits`, field);
  }
  return digits;
}

/** Whether a digit string passes the Luhn checksum. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** A card expiry as month and full year. */
export interface CardExpiry {
  /** 1 to 12. */
  month: number;
  /** Four-digit year. */
  year: number;
}

/** An expiry `MM/YY` or `MMYY`. */
export function parseCardExpiry(text: string, field = "CC_Exp_Date"): CardExpiry {
  const match = /^(\d{2})\/?(\d{2})$/.exec(text);
  const month = match ? Number(match[1]) : 0;
  if (!match || month < 1 || month > 12) {
    throw new ProtocolError(`Invalid ${field}: use MM/YY`, field);
  }
  return { month, year: 2000 + Number(match[2]) };
}

/**
 * An expiry as a person types it: what {@linkcode parseCardExpiry} takes, and a one-digit
 * month, `M/YY` (`1/30` is January 2030). The wire's form stays `MM/YY`: the codec writes the
 * month with two digits, so a typed `1/30` goes out as `01/30`.
 */
export function parseTypedCardExpiry(text: string, field = "CC_Exp_Date"): CardExpiry {
  const oneDigitMonth = /^(\d)\/(\d{2})$/.exec(text);
  return parseCardExpiry(oneDigitMonth ? `0${oneDigitMonth[1]}/${oneDigitMonth[2]}` : text, field);
}

/** Whether a card is expired at `nowMs`: it is valid through the end of its month (UTC). */
export function isCardExpired(expiry: CardExpiry, nowMs: number): boolean {
  const firstInvalidMs = Date.UTC(expiry.year, expiry.month, 1); // month is 1-based: next month
  return nowMs >= firstInvalidMs;
}

/** The last four digits of a card, the only part ever kept. */
export function cardLastFour(digits: string): string {
  return digits.slice(-4);
}

/** A card number masked for logs: `************1111`. */
export function maskCard(digits: string): string {
  return `${"*".repeat(Math.max(0, digits.length - 4))}${digits.slice(-4)}`;
}
