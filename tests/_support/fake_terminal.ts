/**
 * A terminal for the shell's tests: the test types its keys and reads what the shell drew.
 * @module
 */

import type { Terminal } from "../../client/terminal.ts";

const UTF8 = new TextEncoder();

/** A terminal whose keys the test types and whose drawing it reads. */
export class FakeTerminal implements Terminal {
  output = "";
  /** The width the shell draws at; {@linkcode resize} changes it. */
  width: number;
  readonly input: ReadableStream<Uint8Array>;
  #keys!: ReadableStreamDefaultController<Uint8Array>;
  #waiters: (() => void)[] = [];
  #resizeListeners = new Set<() => void>();

  /** A terminal `width` columns wide. */
  constructor(width = 80) {
    this.width = width;
    this.input = new ReadableStream({ start: (controller) => void (this.#keys = controller) });
  }

  write(text: string): void {
    this.output += text;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  setRaw(_raw: boolean): void {}

  columns(): number {
    return this.width;
  }

  onResize(listener: () => void): () => void {
    this.#resizeListeners.add(listener);
    return () => this.#resizeListeners.delete(listener);
  }

  /** Makes the terminal `width` columns wide, as a window resized (SIGWINCH). */
  resize(width: number): void {
    this.width = width;
    for (const listener of this.#resizeListeners) listener();
  }

  /** Types `text` as keys. */
  type(text: string): void {
    this.#keys.enqueue(UTF8.encode(text));
  }

  /** Closes the input, as a terminal that goes away. */
  end(): void {
    this.#keys.close();
  }

  /** Waits until the output drawn after `from` contains `text`. */
  async waitFor(text: string, from = 0, timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text, from)) {
      if (Date.now() > deadline) throw new Error(`Never drawn: ${text}\n${this.output}`);
      await new Promise<void>((resolve) => {
        // Registered before the timer: Deno's setTimeout may run pending microtasks, whose
        // writes would otherwise find no waiter.
        const wait: { timer?: ReturnType<typeof setTimeout> } = {};
        this.#waiters.push(() => (clearTimeout(wait.timer), resolve()));
        wait.timer = setTimeout(resolve, deadline - Date.now());
      });
    }
    return this.output.indexOf(text, from) + text.length;
  }
}
