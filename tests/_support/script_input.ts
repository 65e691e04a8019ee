/**
 * Script lines for a client's `runScript`, handed over one by one when the test types them.
 * @module
 */

/** Script lines handed over one by one, when the test says. */
export class ScriptInput implements AsyncIterable<string> {
  readonly #lines: string[] = [];
  #wake?: () => void;
  #ended = false;

  type(line: string): void {
    this.#lines.push(line);
    this.#wake?.();
  }

  end(): void {
    this.#ended = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    while (true) {
      const line = this.#lines.shift();
      if (line !== undefined) yield line;
      else if (this.#ended) return;
      else await new Promise<void>((resolve) => this.#wake = resolve);
    }
  }
}
