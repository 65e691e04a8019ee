/**
 * Line framing for TCP, pure: bytes in, lines out. `\n` ends a line, `\r\n` too; a last line
 * without `\n` counts when the peer closes, and (the one leniency, for the original project's
 * client) a line the reader accepts once the peer has been quiet for {@linkcode QUIET_LINE_END_MS}.
 * A line longer than the cap is an error.
 * @module
 */

import { ProtocolError } from "./fields.ts";

/** Default cap on one TCP line, in bytes. */
export const MAX_LINE_BYTES = 4096;

/**
 * Quiet time after which a line without `\n` may end where the bytes stop, if the reader accepts
 * it as a whole message (PROTOCOL.md, "Wire format": an INFORM_Res, as the original client
 * sends it, with the connection kept open).
 */
export const QUIET_LINE_END_MS = 500;

/** Splits a byte stream into lines of valid UTF-8. */
export class LineDecoder {
  readonly #maxLineBytes: number;
  #buffer = new Uint8Array(0);
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true });

  constructor(maxLineBytes = MAX_LINE_BYTES) {
    this.#maxLineBytes = maxLineBytes;
  }

  /** Adds a chunk; returns the lines it completed. Throws when a line grows past the cap. */
  push(chunk: Uint8Array): string[] {
    return this.pushBytes(chunk).map((line) => this.#text(line));
  }

  /**
   * Adds a chunk; returns the bytes of the lines it completed (without `\r\n`), not decoded: a
   * reader that refuses a line that is not UTF-8 by itself (and goes on with the next) takes
   * these. Throws when a line grows past the cap.
   */
  pushBytes(chunk: Uint8Array): Uint8Array[] {
    const joined = new Uint8Array(this.#buffer.length + chunk.length);
    joined.set(this.#buffer);
    joined.set(chunk, this.#buffer.length);
    const lines: Uint8Array[] = [];
    let start = 0;
    for (let index = 0; index < joined.length; index++) {
      if (joined[index] !== 10) continue;
      lines.push(this.#line(joined.subarray(start, index)));
      start = index + 1;
    }
    this.#buffer = joined.slice(start);
    if (this.#buffer.length > this.#maxLineBytes) {
      throw new ProtocolError(`Line too long: at most ${this.#maxLineBytes} bytes`);
    }
    return lines;
  }

  /** The peer closed: returns the last line if it had no `\n`. */
  end(): string | undefined {
    const line = this.endBytes();
    return line === undefined ? undefined : this.#text(line);
  }

  /** {@linkcode end}, as bytes (see {@linkcode pushBytes}). */
  endBytes(): Uint8Array | undefined {
    if (this.#buffer.length === 0) return undefined;
    const line = this.#line(this.#buffer);
    this.#buffer = new Uint8Array(0);
    return line;
  }

  /** Whether bytes of a line without `\n` are buffered. */
  get hasPartialLine(): boolean {
    return this.#buffer.length > 0;
  }

  /**
   * The peer went quiet in the middle of a line: returns that line and forgets it if it is valid
   * UTF-8 and `accept` takes it as a whole message; otherwise keeps it buffered (more bytes may
   * come) and returns `undefined`. The buffer never holds more than the cap.
   */
  takeQuietLine(accept: (line: string) => boolean): string | undefined {
    if (this.#buffer.length === 0) return undefined;
    let line: string;
    try {
      line = this.#decode(this.#buffer);
    } catch {
      return undefined; // Cut in the middle of a character, say: not a whole message.
    }
    if (!accept(line)) return undefined;
    this.#buffer = new Uint8Array(0);
    return line;
  }

  /** A line's bytes without the `\r` before its `\n`; throws past the cap. */
  #line(bytes: Uint8Array): Uint8Array {
    if (bytes.length > this.#maxLineBytes) {
      throw new ProtocolError(`Line too long: at most ${this.#maxLineBytes} bytes`);
    }
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 13
      ? bytes.length - 1
      : bytes.length;
    return bytes.slice(0, end);
  }

  #text(line: Uint8Array): string {
    try {
      return this.#utf8.decode(line);
    } catch {
      throw new ProtocolError("Line is not valid UTF-8");
    }
  }

  #decode(bytes: Uint8Array): string {
    return this.#text(this.#line(bytes));
  }
}
