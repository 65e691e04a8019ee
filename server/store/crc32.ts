/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), for journal records.
 * @module
 */

const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit integer. Pass the CRC of earlier bytes as
 * `previous` to continue it: `crc32(b, crc32(a))` is the CRC of `a` followed by `b`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** {@linkcode crc32} of an ASCII string's bytes, read from its char codes (nothing encoded). */
export function crc32Ascii(text: string, previous = 0): number {
  let crc = (previous ^ 0xffffffff) >>> 0;
  for (let i = 0; i < text.length; i++) {
    crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/** The two lower-case hex digits of each byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/** A CRC as its 8 lower-case hex digits (`toString(16)` and `padStart` cost twice as much). */
export function crcHex(crc: number): string {
  return HEX_BYTE[crc >>> 24]! + HEX_BYTE[(crc >>> 16) & 0xff]! + HEX_BYTE[(crc >>> 8) & 0xff]! +
    HEX_BYTE[crc & 0xff]!;
}
