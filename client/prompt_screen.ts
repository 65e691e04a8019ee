/**
 * The shell's screen: lines printed above the prompt row, then the prompt row drawn again, at
 * the terminal's width, and again when the terminal is resized. The prompt row never takes more
 * than one row (see {@linkcode LineEditor.render}), so a carriage return and a clear of the row
 * erase it, however long the line being typed. A question too long to keep whole on the row
 * beside its answer is printed whole above it, once.
 * @module
 */

import type { LineEditor } from "./line_editor.ts";
import { terminalLine } from "./secrets.ts";
import { FALLBACK_COLUMNS, type Terminal } from "./terminal.ts";

const ERASE_ROW = "\r\x1b[2K";

/** The prompt asked now, and whether its answer is secret (drawn masked). */
export interface ShownPrompt {
  text: string;
  secret: boolean;
}

/** Draws the shell's prompt row, and prints lines above it. */
export class PromptScreen {
  readonly #terminal: Terminal;
  readonly #editor: LineEditor;
  readonly #prompt: () => ShownPrompt;
  #stopWatching?: () => void;
  /** The prompt drawn last, and whether it was printed whole above the row. */
  #drawn?: { prompt: string; printed: boolean };

  /** Draws `editor`'s line after the prompt that `prompt` gives, on `terminal`. */
  constructor(terminal: Terminal, editor: LineEditor, prompt: () => ShownPrompt) {
    this.#terminal = terminal;
    this.#editor = editor;
    this.#prompt = prompt;
  }

  /** Puts the terminal in raw mode, and redraws the prompt row whenever it is resized. */
  enter(): void {
    this.#terminal.setRaw(true);
    this.#stopWatching = this.#terminal.onResize?.(() => this.redraw());
  }

  /** Erases the prompt row and leaves raw mode. */
  leave(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
    this.#terminal.write(ERASE_ROW);
    this.#terminal.setRaw(false);
  }

  /**
   * Prints lines above the prompt, then draws the prompt again. Control and bidirectional
   * characters (from the server's text) are shown escaped, never acted on.
   */
  print(text: string): void {
    const lines = text.split("\n").map((line) => `${ERASE_ROW}${terminalLine(line)}\n`).join("");
    this.#terminal.write(lines + this.#row());
  }

  /** Draws the prompt row again. */
  redraw(): void {
    this.#terminal.write(this.#row());
  }

  /** Leaves a submitted line on the screen whole (the terminal wraps it), masked as typed. */
  submitted(line: string): void {
    this.#terminal.write(`${ERASE_ROW}${this.#prompt().text}${this.#editor.shown(line)}\n`);
  }

  /** The prompt row, masked while a secret question waits. */
  #row(): string {
    const prompt = this.#prompt();
    this.#editor.masked = prompt.secret;
    const columns = this.#terminal.columns?.() ?? FALLBACK_COLUMNS;
    if (this.#drawn?.prompt !== prompt.text) this.#drawn = { prompt: prompt.text, printed: false };
    let above = "";
    // The row is about to show only the prompt's end: the question stays readable above it.
    if (!this.#drawn.printed && this.#editor.cutsPrompt(prompt.text, columns)) {
      this.#drawn.printed = true;
      above = `${ERASE_ROW}${prompt.text}\n`;
    }
    return above + this.#editor.render(prompt.text, columns);
  }
}
