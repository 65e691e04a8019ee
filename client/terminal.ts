/**
 * The terminal the shell draws on, as an interface so tests drive the shell with a fake one;
 * {@linkcode systemTerminal} is the real one (stdin in raw mode, stdout).
 * @module
 */

const UTF8 = new TextEncoder();

/** The terminal the shell draws on. */
export interface Terminal {
  write(text: string): void;
  readonly input: ReadableStream<Uint8Array>;
  setRaw(raw: boolean): void;
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
};
