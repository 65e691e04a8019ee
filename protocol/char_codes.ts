/**
 * Character tests by char code, for the codec's readers (every request goes through them: no
 * regular expression per character or per field).
 * @module
 */

/** Whether a char code is a field separator: a space or a tab. */
export function isSpaceOrTab(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Whether a char code is white space to a regular expression's `\s`. */
export function isWhiteSpace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f ||
    code === 0x3000 || code === 0xfeff;
}

/** Whether `text` is 1 to `maxDigits` ASCII digits (`^\d{1,maxDigits}$`). */
export function isDigits(text: string, maxDigits: number): boolean {
  if (text.length < 1 || text.length > maxDigits) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code < 0x30 || code > 0x39) return false;
  }
  return true;
}

/** Whether every byte of `bytes` is ASCII. */
export function isAscii(bytes: Uint8Array): boolean {
  for (let index = 0; index < bytes.length; index++) if (bytes[index]! >= 0x80) return false;
  return true;
}
