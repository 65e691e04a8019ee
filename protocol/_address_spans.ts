/**
 * Where a text holds IP addresses, which card masking leaves alone: a dotted IPv4 address
 * (`192.168.100.123`). Pure.
 * @module
 */

/** Four dotted numbers of up to 3 digits, not inside a longer dotted number. */
const IPV4_CANDIDATE = /(?<!\d|\d\.)\d{1,3}(?:\.\d{1,3}){3}(?!\d|\.\d)/g;

/** A span of a text, `start` included, `end` not. */
export interface TextSpan {
  start: number;
  end: number;
}

function isIpv4(text: string): boolean {
  const octets = text.split(".");
  return octets.length === 4 && octets.every((octet) => /^\d{1,3}$/.test(octet) && +octet <= 255);
}

/** The spans of `text` that are IPv4 addresses. */
export function addressSpans(text: string): TextSpan[] {
  const spans: TextSpan[] = [];
  for (const match of text.matchAll(IPV4_CANDIDATE)) {
    if (isIpv4(match[0])) spans.push({ start: match.index, end: match.index + match[0].length });
  }
  return spans;
}
