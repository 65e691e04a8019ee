/**
 * The one rule that keeps secrets out of logs, for the server and the client alike: card
 * numbers (any separators; digits in groups of one or two when they pass the Luhn check), expiry
 * dates, passwords (also in malformed REGISTER and LOGIN
 * lines), session keys, and whole INFORM_Res lines however the name is spelled. Pure.
 * @module
 */

import { passesLuhn } from "./card.ts";

/** Spaces of any kind: a card may be typed with tabs, no-break or ideographic spaces. */
const SPACES = String.raw`[ \t\u00a0\u2007\u202f\u3000]`;
/**
 * Between the digit groups of a card: spaces (any number), or one of `- . / _ , + :` with spaces
 * around it or not.
 */
const SEPARATOR = String.raw`(?:${SPACES}+|${SPACES}*[-./_,+:]${SPACES}*)`;
/** Full-width digits (U+FF10 to U+FF19): found as cards like ASCII ones. */
const FULL_WIDTH_DIGIT = /[\uff10-\uff19]/g;
const HAS_FULL_WIDTH_DIGIT = /[\uff10-\uff19]/;
/** A dotted IPv4 address (checked for octets up to 255 after the match). */
const IPV4 = String.raw`(?<!\d|\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)`;
/** A run of digit groups of 3 or more digits: a card when it totals 12 or more digits. */
const DIGIT_RUN = String.raw`(?<!\d|\d\.)\d{3,}(?:${SEPARATOR}\d{3,})*(?!\d)`;
const CARD_OR_IP = new RegExp(`${IPV4}|${DIGIT_RUN}`, "g");
/**
 * Digit groups of any length joined by single separators (`4 1 1 1 ...`, `41 11 11 ...`). Not
 * `:`: it joins the groups of times (`12:30:45`), and nobody writes a card with it.
 */
const LOOSE_RUN = String.raw`(?<!\d)\d+(?:(?:${SPACES}|[-./_,+])\d+)*`;
const LOOSE_RUN_OR_IP = new RegExp(`${IPV4}|${LOOSE_RUN}`, "g");
/** A loose run is a card only from 13 digits on: 12 would take in dates and times too often. */
const MIN_LOOSE_CARD_DIGITS = 13;
const MIN_CARD_DIGITS = 12;
const MAX_CARD_DIGITS = 19;
/** An expiry `MM/YY` or `MM/YYYY` (spaces allowed around the slash). */
const EXPIRY = /(?<![\d/])(?:0[1-9]|1[0-2]) ?\/ ?(?:\d{4}|\d{2})(?![\d/])/g;
/** `key=`, `password=` and the like, with their value. */
// A value ends at white space; a quote right before it (a quoted log property) is left standing.
const NAMED_SECRET =
  /\b(key|session_?key|password|passwd|pass|pwd|secret)([=:])("[^"]*"|\S+?(?="?(?:\s|$)))/gi;
/** A bare 32-hex-digit token: a session key sent without `key=`. */
const HEX_KEY = /(?<![0-9a-f])[0-9a-f]{32}(?![0-9a-f])/gi;
/** An INFORM_Res however spelled (`inform_res`, `INFORM-RES`, `INFORMRes`, `Inform Res`). */
const INFORM_RES = /inform[\s_.-]*re?s\w*/i;
const HIDDEN = "***";

function digitCount(text: string): number {
  return text.replace(/\D/g, "").length;
}

function isIpv4(text: string): boolean {
  const octets = text.split(".");
  return octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && +octet <= 255);
}

/** `match` with every digit but the last `keep` turned into `*`; separators kept. */
function maskDigits(match: string, keep: number): string {
  let left = keep;
  return [...match].reverse().map((character) => {
    if (!/\d/.test(character)) return character;
    return left-- > 0 ? character : "*";
  }).reverse().join("");
}

/** Group lengths of card layouts, to tell a card followed by its MMYY expiry from a card. */
const CARD_LAYOUTS = new Set(["4-4-4-4", "4-6-5", "4-6-4", "4-4-4-4-3"]);

function maskRun(run: string): string {
  const total = digitCount(run);
  if (total < MIN_CARD_DIGITS) return run;
  // A card followed by its expiry as MMYY (`4111 1111 1111 1111 1230`): hide the expiry whole.
  const groups = run.split(/\D+/);
  const last = groups.at(-1)!;
  const layout = groups.slice(0, -1).map((group) => group.length).join("-");
  if (
    /^(0[1-9]|1[0-2])\d\d$/.test(last) &&
    (CARD_LAYOUTS.has(layout) || total - 4 >= MIN_CARD_DIGITS && total > MAX_CARD_DIGITS)
  ) {
    return `${maskDigits(run.slice(0, -4), 4)}****`;
  }
  return maskDigits(run, total > MAX_CARD_DIGITS ? 0 : 4);
}

/**
 * `run` with every card in it masked: each stretch of whole groups totalling 13 to 19 digits
 * that passes the Luhn check keeps only its last four digits. Stretches, not just the whole run,
 * so that a card next to an RQ# or its expiry (`7 4 1 1 ... 1 12/30`) is found; most dates and
 * times fail the check and stay readable (about one in ten such stretches passes by chance).
 */
function maskLooseRun(run: string): string {
  const groups = [...run.matchAll(/\d+/g)].map((group) => ({
    digits: group[0],
    start: group.index,
    end: group.index + group[0].length,
  }));
  const hidden = new Array<boolean>(run.length).fill(false);
  for (let first = 0; first < groups.length; first++) {
    let digits = "";
    for (let last = first; last < groups.length; last++) {
      digits += groups[last]!.digits;
      if (digits.length > MAX_CARD_DIGITS) break;
      if (digits.length < MIN_LOOSE_CARD_DIGITS || !passesLuhn(digits)) continue;
      // Every digit of the stretch but its last four.
      let toHide = digits.length - 4;
      for (let index = groups[first]!.start; toHide > 0; index++) {
        if (!/\d/.test(run[index]!)) continue;
        hidden[index] = true;
        toHide--;
      }
    }
  }
  return [...run].map((character, index) => (hidden[index] ? "*" : character)).join("");
}

/**
 * `text` with every card-like number masked in place: 12 or more digits (ASCII or full-width) in
 * groups of 3 or more separated by spaces or by one of `- . / _ , + :` (an IPv4 address is not a
 * card), and
 * 13 to 19 digits in groups of any length joined by single separators that pass the Luhn check.
 * Each digit but the last four becomes `*`, separators stay (`4111 1111 1111 1111` →
 * `**** **** **** 1111`, `4 1 1 1 ...` → `* * * * ... 1 1 1 1`).
 */
export function maskCardNumbers(text: string): string {
  // Found on a copy with ASCII digits (one UTF-16 unit each way, so offsets agree); what is not
  // masked stays as it was written.
  const ascii = HAS_FULL_WIDTH_DIGIT.test(text)
    ? text.replace(FULL_WIDTH_DIGIT, (digit) => String(digit.charCodeAt(0) - 0xff10))
    : text;
  const masked = ascii
    .replace(CARD_OR_IP, (match) => (isIpv4(match) ? match : maskRun(match)))
    .replace(LOOSE_RUN_OR_IP, (match) => (isIpv4(match) ? match : maskLooseRun(match)));
  if (ascii === text) return masked;
  let restored = "";
  for (let index = 0; index < text.length; index++) {
    restored += masked[index] === ascii[index] ? text[index] : masked[index];
  }
  return restored;
}

/** Whether `text` holds a card-like number, as {@linkcode maskCardNumbers} finds them. */
export function containsCardNumber(text: string): boolean {
  return maskCardNumbers(text) !== text;
}

function letters(token: string): string {
  return token.toLowerCase().replace(/[^a-z]/g, "");
}

function isPortToken(token: string): boolean {
  return /^\d{1,5}$/.test(token) && Number(token) >= 1 && Number(token) <= 65535;
}

function isAddressToken(token: string): boolean {
  return /^[0-9a-f.:[\]]+$/i.test(token) && /[.:]/.test(token);
}

/**
 * The tokens of a REGISTER or LOGIN line (however malformed) that may be a password: after the
 * name (and role), everything that is not the address, up to two ports (one for LOGIN), or a
 * `key=` field.
 */
function passwordTokens(tokens: string[]): Set<number> {
  const kind = letters(tokens[0] ?? "");
  const register = /^regist/.test(kind);
  const login = kind === "login" || kind === "logon" || kind === "signin";
  const hidden = new Set<number>();
  if (!register && !login) return hidden;
  let ports = register ? 2 : 1;
  let addressSeen = !register;
  for (let index = register ? 4 : 3; index < tokens.length; index++) {
    const token = tokens[index]!;
    if (/^key=/i.test(token)) continue;
    if (!addressSeen && isAddressToken(token)) {
      addressSeen = true;
      continue;
    }
    if (ports > 0 && isPortToken(token)) {
      ports--;
      continue;
    }
    hidden.add(index);
  }
  return hidden;
}

/**
 * The secrets of a raw line, as they appear in it: passwords of a REGISTER or LOGIN and values
 * of `key=`. Give them to {@linkcode redactSecrets} to scrub them from another text, such as the
 * reason a decode error gives for that line, which may quote a field.
 */
export function secretsOf(line: string): string[] {
  const tokens = line.trim().split(/\s+/);
  const secrets = [...passwordTokens(tokens)].map((index) => tokens[index]!.replace(/^"|"$/g, ""));
  for (const match of line.matchAll(NAMED_SECRET)) secrets.push(match[3]!.replace(/^"|"$/g, ""));
  return secrets.filter((secret) => secret.length > 0);
}

/** Options of {@linkcode redactSecrets}. */
export interface RedactOptions {
  /** Texts to hide wherever they appear (from {@linkcode secretsOf} of a related line). */
  alsoHide?: readonly string[];
}

/**
 * A line made safe to log: an INFORM_Res (any spelling) keeps only its name and RQ#; the
 * passwords of REGISTER and LOGIN lines, `key=` values, bare 32-hex keys, card numbers and
 * expiry dates are hidden.
 */
export function redactSecrets(line: string, options: RedactOptions = {}): string {
  let text = line;
  for (const secret of options.alsoHide ?? []) {
    // Whole, or as a decode error quotes it: its first 40 characters.
    for (const form of new Set([secret, secret.slice(0, 40)])) {
      const escaped = form.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      text = text.replace(new RegExp(`(?<![\\w])${escaped}(?![\\w])`, "g"), HIDDEN);
    }
  }
  const inform = INFORM_RES.exec(text);
  // A message (its RQ# follows), not a reason that names it: cards and expiry dates elsewhere in
  // a line are caught by the rules below.
  if (inform && /^\s+\d{1,10}\s+\S/.test(text.slice(inform.index + inform[0].length))) {
    const rest = text.slice(inform.index + inform[0].length);
    const rq = /^\s+(\d{1,10})\b/.exec(rest)?.[1];
    text = `${text.slice(0, inform.index)}INFORM_Res ${rq === undefined ? "" : `${rq} `}` +
      "<payment details hidden>";
  }
  const tokens = text.trim().split(/\s+/);
  const hidden = passwordTokens(tokens);
  if (hidden.size > 0) {
    text = tokens.map((token, index) => (hidden.has(index) ? HIDDEN : token)).join(" ")
      .replace(/(\*\*\*)( \*\*\*)+/g, HIDDEN);
  }
  text = text.replace(
    NAMED_SECRET,
    (_match, name: string, sign: string) => `${name}${sign}${HIDDEN}`,
  );
  text = text.replace(HEX_KEY, HIDDEN);
  // Expiry dates first: a card in loose groups can run into one (`4 1 ... 1 12/30`).
  return maskCardNumbers(text.replace(EXPIRY, "**/**"));
}
