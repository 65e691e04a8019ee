/**
 * A 32-bit number as its 8 lower-case hex digits, from a table of the 256 byte values: half the
 * cost of `toString(16)` and `padStart` (journal CRCs and request digests, once or twice a bid).
 * @module
 */

const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** `value` (an unsigned or signed 32-bit integer) as 8 lower-case hex digits. */
export function hex32(value: number): string {
  return HEX_BYTE[value >>> 24]! + HEX_BYTE[(value >>> 16) & 0xff]! +
    HEX_BYTE[(value >>> 8) & 0xff]! + HEX_BYTE[value & 0xff]!;
}
