/**
 * The shell's line editor, pure: keys in, the edited line and what to do out. Rendering the
 * prompt line is a string, so pushes can erase it, print, and draw it again. The prompt line
 * never takes more than one row (see {@linkcode promptRow}): a line longer than the terminal
 * is wide scrolls sideways.
 * @module
 */

import { containsCardNumber, maskCardNumbers } from "../protocol/mod.ts";
import { cutsPrompt, promptRow, textWidth } from "./prompt_view.ts";
import { containsPassword, maskPassword, maskSecretAnswer } from "./secrets.ts";
import { FALLBACK_COLUMNS } from "./terminal.ts";

/** What a key asks the shell to do. */
export type EditorAction =
  | { kind: "none" }
  | { kind: "submit"; line: string }
  | { kind: "interrupt" }
  | { kind: "end" };

// deno-lint-ignore no-control-regex
const ESCAPE_SEQUENCE = /^\x1b(?:\[[0-9;]*[@-~]|O[@-~])/;

/** Splits terminal input into keys: single characters and escape sequences. */
export function splitKeys(input: string): string[] {
  const keys: string[] = [];
  let index = 0;
  while (index < input.length) {
    const sequence = ESCAPE_SEQUENCE.exec(input.slice(index));
    const key = sequence ? sequence[0] : String.fromCodePoint(input.codePointAt(index)!);
    keys.push(key);
    index += key.length;
  }
  return keys;
}

/** One editable line with a cursor and a history. */
export class LineEditor {
  #buffer: string[] = [];
  #cursor = 0;
  readonly #history: string[] = [];
  #historyIndex = 0;
  /** The first character shown when the line is too long for its row. */
  #viewStart = 0;

  /** A secret line (a card number): drawn with `*` for each character, kept out of history. */
  masked = false;

  /** The text typed so far. */
  get text(): string {
    return this.#buffer.join("");
  }

  /** Handles one key (see {@linkcode splitKeys}). */
  handle(key: string): EditorAction {
    switch (key) {
      case "\r":
      case "\n":
        return this.#submit();
      case "\x03":
        if (this.#buffer.length === 0) return { kind: "interrupt" };
        this.#set([]);
        return { kind: "none" };
      case "\x04":
        if (this.#buffer.length === 0) return { kind: "end" };
        this.#buffer.splice(this.#cursor, 1);
        return { kind: "none" };
      case "\x7f":
      case "\x08":
        if (this.#cursor > 0) this.#buffer.splice(--this.#cursor, 1);
        return { kind: "none" };
      case "\x1b[3~":
        this.#buffer.splice(this.#cursor, 1);
        return { kind: "none" };
      case "\x1b[D":
        this.#cursor = Math.max(0, this.#cursor - 1);
        return { kind: "none" };
      case "\x1b[C":
        this.#cursor = Math.min(this.#buffer.length, this.#cursor + 1);
        return { kind: "none" };
      case "\x01":
      case "\x1b[H":
        this.#cursor = 0;
        return { kind: "none" };
      case "\x05":
      case "\x1b[F":
        this.#cursor = this.#buffer.length;
        return { kind: "none" };
      case "\x15":
        this.#set([]);
        return { kind: "none" };
      case "\x1b[A":
        return this.#recall(-1);
      case "\x1b[B":
        return this.#recall(1);
      default:
        if (key.length === 0 || key.startsWith("\x1b") || key.codePointAt(0)! < 32) {
          return { kind: "none" };
        }
        this.#buffer.splice(this.#cursor++, 0, key);
        return { kind: "none" };
    }
  }

  /**
   * The prompt line as terminal output for a terminal `columns` wide: clear the row, write the
   * prompt and as much of the line as fits around the cursor, and put the cursor in place.
   */
  render(prompt: string, columns: number = FALLBACK_COLUMNS): string {
    // Masking keeps one character for each typed one (a `*` for a digit), so the cursor's
    // index holds in what is shown.
    const row = promptRow(prompt, [...this.shown(this.text)], {
      cursor: this.#cursor,
      columns,
      start: this.#viewStart,
    });
    this.#viewStart = row.start;
    const back = textWidth(row.text) - row.cursorColumn;
    return `\r\x1b[2K${row.text}${back > 0 ? `\x1b[${back}D` : ""}`;
  }

  /** Whether {@linkcode render} shows only the end of `prompt`, the line being too long. */
  cutsPrompt(prompt: string, columns: number = FALLBACK_COLUMNS): boolean {
    return cutsPrompt(prompt, textWidth(this.shown(this.text)), columns);
  }

  /**
   * `line` as it may appear on screen: all masked when the line is secret, else any card-like
   * number in it masked to its last four digits and the password of a typed `register` or
   * `login` masked (same length, so the cursor stays in place).
   */
  shown(line: string): string {
    return this.masked ? maskSecretAnswer(line) : maskPassword(maskCardNumbers(line));
  }

  #submit(): EditorAction {
    const line = this.text;
    // A line holding a card number (a secret answer, or `pay ... CARD ...`) or a password
    // (`login ann PASSWORD`) stays out of history.
    const secret = this.masked || containsCardNumber(line) || containsPassword(line);
    if (!secret && line.trim() !== "" && this.#history.at(-1) !== line) {
      this.#history.push(line);
    }
    this.#historyIndex = this.#history.length;
    this.#set([]);
    return { kind: "submit", line };
  }

  #recall(step: number): EditorAction {
    const index = this.#historyIndex + step;
    if (index < 0 || index > this.#history.length) return { kind: "none" };
    this.#historyIndex = index;
    this.#set([...(this.#history[index] ?? "")]);
    return { kind: "none" };
  }

  #set(characters: string[]): void {
    this.#buffer = characters;
    this.#cursor = characters.length;
    this.#viewStart = 0;
  }
}
