/**
 * The one rule that keeps secrets out of logs, for the server and the client alike: card
 * numbers (by `card_mask.ts`), expiry dates, passwords (also in malformed REGISTER and LOGIN
 * lines), session keys, and whole INFORM_Res lines however the name is spelled. Pure.
 * @module
 */

import { maskCardNumbers } from "./card_mask.ts";

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
