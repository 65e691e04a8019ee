/**
 * A log sink that writes whole lines with few system calls: records at `info` and below are
 * buffered and written together at the next turn of the event loop (or once 64 KiB are
 * waiting); a `warning` or worse writes everything buffered, then itself, at once. Order is
 * kept. A `kill -9` may lose the `info` lines of the last turn, never a warning. A write that
 * fails never reaches the caller: a log must not stop the server. Once stderr is gone for good
 * (its reader closed the pipe: `tee` stopped by the Ctrl-C that stops the server too), lines are
 * dropped from then on; after another failure, only the lines of that write are.
 * @module
 */

import type { LogRecord } from "@logtape/logtape";

const UTF8 = new TextEncoder();
/** Buffered characters that force a write. */
const MAX_BUFFERED_CHARS = 64 * 1024;
const IMMEDIATE = new Set(["warning", "error", "fatal"]);

/** A sink with a `flush()` that writes what is buffered now. */
export interface BufferedSink {
  (record: LogRecord): void;
  /** Writes every buffered line now. */
  flush(): void;
}

/** A sink formatting records with `format` and writing bytes with `write` (whole, in order). */
export function bufferedSink(
  format: (record: LogRecord) => string,
  write: (bytes: Uint8Array) => void,
): BufferedSink {
  let buffered = "";
  let timer: ReturnType<typeof setTimeout> | undefined;
  /** Set once the reader is gone: nothing could be written again. */
  let gone = false;
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (buffered === "") return;
    const bytes = UTF8.encode(buffered);
    buffered = "";
    try {
      write(bytes);
    } catch (error) {
      if (error instanceof Deno.errors.BrokenPipe) gone = true;
    }
  };
  const sink = (record: LogRecord) => {
    if (gone) return;
    buffered += format(record);
    if (IMMEDIATE.has(record.level) || buffered.length >= MAX_BUFFERED_CHARS) flush();
    else timer ??= setTimeout(flush, 0);
  };
  return Object.assign(sink, { flush });
}

/** Printable ASCII without quotes or backslash: `Deno.inspect` shows such a string in `"`. */
const PLAIN_STRING = /^[\x20\x21\x23-\x26\x28-\x5b\x5d-\x5f\x61-\x7e]*$/;

/**
 * A property value as the text formatter shows it: the same text as `inspect(value)`, made
 * without it for plain strings and safe integers (the values of almost every record).
 */
export function inspectValue(value: unknown, inspect: (value: unknown) => string): string {
  if (typeof value === "string" && PLAIN_STRING.test(value)) return `"${value}"`;
  if (Number.isSafeInteger(value) && !Object.is(value, -0)) return String(value);
  return inspect(value);
}

/** Writes all of `bytes` to stderr (a pipe may take fewer bytes per call). */
export function writeStderr(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stderr.writeSync(bytes.subarray(offset));
}
