/**
 * The terminal the shell draws on, as an interface so tests drive the shell with a fake one;
 * {@linkcode systemTerminal} is the real one (stdin in raw mode, stdout).
 * @module
 */

const UTF8 = new TextEncoder();

/** The width assumed when the terminal's is unknown (stdout redirected, or a 0x0 pty). */
export const FALLBACK_COLUMNS = 80;

/** The terminal the shell draws on. */
export interface Terminal {
  write(text: string): void;
  readonly input: ReadableStream<Uint8Array>;
  setRaw(raw: boolean): void;
  /** The width in columns now. @default {@linkcode FALLBACK_COLUMNS} */
  columns?(): number;
  /** Calls `listener` when the terminal is resized, until the returned function is called. */
  onResize?(listener: () => void): () => void;
}

/** The real terminal: stdin in raw mode, stdout. */
export const systemTerminal: Terminal = {
  write: (text) => {
    const bytes = UTF8.encode(text);
    let written = 0;
    while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
  },
  get input() {
    return Deno.stdin.readable;
  },
  setRaw: (raw) => Deno.stdin.setRaw(raw),
  columns: () => {
    try {
      return Deno.consoleSize().columns || FALLBACK_COLUMNS;
    } catch {
      return FALLBACK_COLUMNS;
    }
  },
  onResize: (listener) => {
    try {
      Deno.addSignalListener("SIGWINCH", listener);
    } catch {
      // No SIGWINCH (Windows): the next key draws at the new width.
      return () => {};
    }
    return () => Deno.removeSignalListener("SIGWINCH", listener);
  },
};
