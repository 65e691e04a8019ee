/**
 * CRC-32 (IEEE 802.3, the zlib/PNG polynomial), for journal records.
 * @module
 */

import { hex32 } from "../hex32.ts";

const TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * Tables for four bytes at a time ("slicing by 4"): `BY4[k][n]` is the CRC state after byte `n`
 * followed by `k` zero bytes. About 2.5x faster than a byte at a time over a journal record.
 */
const [BY4_0, BY4_1, BY4_2, BY4_3] = (() => {
  const tables = [TABLE, new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  for (let n = 0; n < 256; n++) {
    let c = TABLE[n]!;
    for (let k = 1; k < 4; k++) {
      c = TABLE[c & 0xff]! ^ (c >>> 8);
      tables[k]![n] = c;
    }
  }
  return tables as [Int32Array, Int32Array, Int32Array, Int32Array];
})();

/**
 * The CRC-32 of `bytes`, as an unsigned 32-bit integer. Pass the CRC of earlier bytes as
 * `previous` to continue it: `crc32(b, crc32(a))` is the CRC of `a` followed by `b`.
 */
export function crc32(bytes: Uint8Array, previous = 0): number {
  // A signed 32-bit state throughout (Int32Array tables): no value becomes a double.
  let crc = ~previous;
  let i = 0;
  for (const end = bytes.length - 3; i < end; i += 4) {
    crc ^= bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    crc = BY4_3[crc & 0xff]! ^ BY4_2[(crc >>> 8) & 0xff]! ^ BY4_1[(crc >>> 16) & 0xff]! ^
      BY4_0[crc >>> 24]!;
  }
  for (; i < bytes.length; i++) crc = TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** {@linkcode crc32} of an ASCII string's bytes, read from its char codes (nothing encoded). */
export function crc32Ascii(text: string, previous = 0): number {
  let crc = ~previous;
  for (let i = 0; i < text.length; i++) {
    crc = TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  }
  return ~crc >>> 0;
}

/** A CRC as its 8 lower-case hex digits. */
export function crcHex(crc: number): string {
  return hex32(crc);
}
