/**
 * Buffers for outgoing datagrams, lent to a send and given back once it has finished: a reply or
 * push is encoded into one instead of into a new buffer per datagram (`TextEncoder.encode`
 * allocates a buffer and calls out of JavaScript: 2.5 µs of a reply at one request in flight).
 * At most `max` are lent at once; past that (a big fan-out) a line is encoded the usual way, so
 * what this keeps stays small.
 * @module
 */

const UTF8 = new TextEncoder();

/** A line's bytes, and the buffer they are a view of when it was lent. */
export interface EncodedLine {
  bytes: Uint8Array;
  /** Give it back with {@linkcode SendBuffers.giveBack} once the send has finished. */
  lent: Uint8Array | null;
}

/** A bounded set of reusable send buffers. */
export class SendBuffers {
  readonly #free: Uint8Array[] = [];
  readonly #size: number;
  readonly #max: number;
  #lent = 0;

  /** Buffers of `size` bytes, at most `max` lent at once. */
  constructor(options: { size?: number; max?: number } = {}) {
    this.#size = options.size ?? 2048;
    this.#max = options.max ?? 64;
  }

  /** How many buffers are lent now. */
  get lent(): number {
    return this.#lent;
  }

  /** `line` as UTF-8: in a lent buffer when one is free and the line fits it. */
  encode(line: string): EncodedLine {
    if (line.length > this.#size || this.#lent >= this.#max) {
      return { bytes: UTF8.encode(line), lent: null };
    }
    const buffer = this.#free.pop() ?? new Uint8Array(this.#size);
    const length = encodeLineInto(line, buffer);
    if (length < 0) {
      this.#free.push(buffer);
      return { bytes: UTF8.encode(line), lent: null };
    }
    this.#lent++;
    return { bytes: buffer.subarray(0, length), lent: buffer };
  }

  /** Takes back a buffer {@linkcode encode} lent, once nothing reads it any more. */
  giveBack(buffer: Uint8Array): void {
    this.#lent--;
    this.#free.push(buffer);
  }
}

/**
 * Writes `line` into `buffer` as UTF-8; returns its length, or -1 when it does not fit. ASCII (most
 * lines) is written by char code, with no call out of JavaScript.
 */
function encodeLineInto(line: string, buffer: Uint8Array): number {
  for (let index = 0; index < line.length; index++) {
    const code = line.charCodeAt(index);
    if (code >= 0x80) {
      const { read, written } = UTF8.encodeInto(line, buffer);
      return read === line.length ? written : -1;
    }
    buffer[index] = code;
  }
  return line.length;
}
