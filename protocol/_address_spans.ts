/**
 * Where a text holds IP addresses, which card masking leaves alone: a dotted IPv4 address
 * (`192.168.100.123`) and an IPv6 one, bare or bracketed (`[2001:db8::1234:5678]:5000`). Pure.
 * @module
 */

/** Four dotted numbers of up to 3 digits, not inside a longer dotted number. */
const IPV4_CANDIDATE = /(?<!\d|\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)/g;
/** Hex groups joined by two or more `:`, maybe ending in a dotted IPv4 (`::ffff:10.0.0.1`). */
const IPV6_CANDIDATE =
  /(?<![\w:.])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?:\.\d{1,3}){0,3}(?![\w:])/gi;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;

/** A span of a text, `start` included, `end` not. */
export interface TextSpan {
  start: number;
  end: number;
}

function isIpv4(text: string): boolean {
  const octets = text.split(".");
  return octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && +octet <= 255);
}

/** Eight hex groups, or fewer around one `::`; the last two may be written as an IPv4 address. */
function isIpv6(text: string): boolean {
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const groups = halves.flatMap((half) => (half === "" ? [] : half.split(":")));
  const last = groups.at(-1) ?? "";
  const endsInIpv4 = last.includes(".");
  if (endsInIpv4 && !isIpv4(last)) return false;
  const hexGroups = endsInIpv4 ? groups.slice(0, -1) : groups;
  if (!hexGroups.every((group) => HEX_GROUP.test(group))) return false;
  const count = hexGroups.length + (endsInIpv4 ? 2 : 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** The spans of `text` that are IPv4 or IPv6 addresses. */
export function addressSpans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(IPV4_CANDIDATE)) {
    if (isIpv4(match[0])) spans.push({ start: match.index, end: match.index + match[0].length });
  }
  for (const match of text.matchAll(IPV6_CANDIDATE)) {
    if (isIpv6(match[0])) spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans;
}
