/**
 * Card masking, one rule for the server's logs and the client's screen, history and logs. It
 * finds every card number the parser takes ({@linkcode parseCardNumber}: 12 to 19 digits passing
 * the Luhn check, with any run of white space and `-` between them), also with the separators
 * people use that the parser refuses, and keeps only its last four digits. Pure.
 * @module
 */

import { CARD_MAX_DIGITS, CARD_MIN_DIGITS, CARD_SEPARATOR, passesLuhn } from "./card.ts";
import { addressSpans } from "./_address_spans.ts";

/**
 * Digit groups of any length joined by what the parser removes (any run of it) or by one of
 * `. _ , +`. Not `:` nor `/`, which join the groups of times and dates (`12:30:45`, `27/11/2026`)
 * and of an expiry after a card (`12/30`), and which the parser refuses.
 */
const LOOSE_RUN = new RegExp(String.raw`(?<!\d)\d+(?:(?:${CARD_SEPARATOR}+|[._,+])\d+)*`, "g");
/**
 * Groups of 3 or more digits joined also by `:`, or by one of `. / _ , + :` with separators
 * around it (`5555 / 5555 / 5555 / 4444`).
 */
const WIDE_RUN = new RegExp(
  String
    .raw`(?<!\d)\d{3,}(?:(?:${CARD_SEPARATOR}*[./_,+:]${CARD_SEPARATOR}*|${CARD_SEPARATOR}+)\d{3,})*`,
  "g",
);
/**
 * A number failing the Luhn check is taken for a mistyped card from 14 digits, the shortest common
 * card (fewer would take in millisecond times and amounts in cents).
 */
const MIN_MISTYPED_CARD_DIGITS = 14;
/** Four digits that read as an expiry `MMYY`, right after a card. */
const EXPIRY_GROUP = /^(?:0[1-9]|1[0-2])\d\d$/;
/** Full-width digits (U+FF10 to U+FF19): found as cards like ASCII ones. */
const FULL_WIDTH_DIGIT = /[\uff10-\uff19]/g;

/** A group of digits in a text: where it starts and ends, and its digits. */
interface DigitGroup {
  start: number;
  end: number;
  digits: string;
}

function groupsOf(run: string, offset: number): DigitGroup[] {
  return [...run.matchAll(/\d+/g)].map((group) => ({
    start: offset + group.index,
    end: offset + group.index + group[0].length,
    digits: group[0],
  }));
}

function digitTotal(groups: readonly DigitGroup[]): number {
  return groups.reduce((total, group) => total + group.digits.length, 0);
}

/** Marks every digit of `groups` hidden but the last `keep`. */
function hideAllBut(groups: readonly DigitGroup[], keep: number, hidden: boolean[]): void {
  let kept = 0;
  for (const group of [...groups].reverse()) {
    for (let index = group.end - 1; index >= group.start; index--) {
      if (kept < keep) kept++;
      else hidden[index] = true;
    }
  }
}

/**
 * Hides every stretch of whole groups that is a card the parser would take: 12 to 19 digits
 * passing the Luhn check, masked to its last four. Stretches, not just the whole run, so that a
 * card beside an RQ# or its expiry (`7 4 1 1 ... 1 12/30`) is found. A stretch inside a longer
 * one is left to it: it would only hide some of the longer one's last four.
 */
function hideLuhnStretches(groups: readonly DigitGroup[], hidden: boolean[]): void {
  let coveredUpTo = -1;
  for (let first = 0; first < groups.length; first++) {
    let digits = "";
    let longest = -1;
    for (let last = first; last < groups.length; last++) {
      digits += groups[last]!.digits;
      if (digits.length > CARD_MAX_DIGITS) break;
      if (digits.length >= CARD_MIN_DIGITS && passesLuhn(digits)) longest = last;
    }
    if (longest <= coveredUpTo) continue;
    coveredUpTo = longest;
    hideAllBut(groups.slice(first, longest + 1), 4, hidden);
  }
}

function isLuhnCard(groups: readonly DigitGroup[]): boolean {
  const digits = groups.map((group) => group.digits).join("");
  return digits.length >= CARD_MIN_DIGITS && digits.length <= CARD_MAX_DIGITS &&
    passesLuhn(digits);
}

/** A card typed wrong: 14 to 19 digits in one group, or in groups after a first one of four. */
function isMistypedCard(groups: readonly DigitGroup[]): boolean {
  const total = digitTotal(groups);
  return total >= MIN_MISTYPED_CARD_DIGITS && total <= CARD_MAX_DIGITS &&
    (groups.length === 1 || groups[0]!.digits.length === 4);
}

/**
 * A run of groups of 3 or more digits: its cards as {@linkcode hideLuhnStretches} finds them; the
 * whole run when it is a card failing the Luhn check; a card (passing or not) followed by its
 * expiry as `MMYY` (`4111 1111 1111 1111 1230`), the expiry hidden whole.
 */
function hideWideRun(groups: readonly DigitGroup[], hidden: boolean[]): void {
  hideLuhnStretches(groups, hidden);
  if (isLuhnCard(groups)) return;
  if (isMistypedCard(groups)) return hideAllBut(groups, 4, hidden);
  const card = groups.slice(0, -1);
  const expiry = groups.at(-1)!;
  if (card.length > 0 && EXPIRY_GROUP.test(expiry.digits)) {
    if (isLuhnCard(card) || isMistypedCard(card)) {
      hideAllBut(card, 4, hidden);
      hideAllBut([expiry], 0, hidden);
    }
  }
}

/**
 * `text` with every card number masked in place, each digit but the last four becoming `*` and
 * separators kept (`4111 1111 1111 1111` → `**** **** **** 1111`, `4--1--1--1 ...` →
 * `*--*--*--* ...`):
 *
 * - any stretch of 12 to 19 digits (ASCII or full-width) that passes the Luhn check, in groups
 *   of any length joined by the parser's separators (any run of white space and `-`) or by one of
 *   `. _ , +`, or in groups of 3 or more digits joined also by `/` or `:`, or by punctuation with
 *   spaces around it;
 * - a mistyped card: 14 to 19 digits failing the check, in one group or in groups of 3 or more
 *   after a first of four; with an `MMYY` expiry after a card, hidden whole.
 *
 * Dotted IPv4 and IPv6 addresses (bare or bracketed) are no cards.
 */
export function maskCardNumbers(text: string): string {
  // Found on a copy with ASCII digits (one UTF-16 unit each way, so offsets agree) and addresses
  // blanked out; what is not masked stays as it was written.
  let scan = text.replace(FULL_WIDTH_DIGIT, (digit) => String(digit.charCodeAt(0) - 0xff10));
  for (const { start, end } of addressSpans(scan)) {
    scan = scan.slice(0, start) + "x".repeat(end - start) + scan.slice(end);
  }
  const hidden = new Array<boolean>(text.length).fill(false);
  for (const run of scan.matchAll(LOOSE_RUN)) {
    hideLuhnStretches(groupsOf(run[0], run.index), hidden);
  }
  for (const run of scan.matchAll(WIDE_RUN)) hideWideRun(groupsOf(run[0], run.index), hidden);
  if (!hidden.includes(true)) return text;
  let masked = "";
  for (let index = 0; index < text.length; index++) masked += hidden[index] ? "*" : text[index];
  return masked;
}

/** Whether `text` holds a card-like number, as {@linkcode maskCardNumbers} finds them. */
export function containsCardNumber(text: string): boolean {
  return maskCardNumbers(text) !== text;
}
