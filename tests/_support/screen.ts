/**
 * A tiny VT100 screen for tests: feed it what a program wrote to a terminal, read back the rows
 * it would show (scrollback included) and where the cursor is. It knows carriage return, line
 * feed (as a tty with ONLCR: also a carriage return), CSI n A/B/C/D/G, CSI K and 2K, CSI J and 2J,
 * and wraps at the width the way xterm does: a character written in the last column leaves the
 * cursor there, and the next one starts a new row. CJK ideographs and emoji take two cells.
 * @module
 */

// deno-lint-ignore no-control-regex
const CSI = /^\x1b\[([0-9;]*)([@-~])/;
const WIDE = /[\u4e00-\u9fff\u{1f300}-\u{1f64f}]/u;

/** The screen of a terminal `columns` wide and `rows` high, with the scrollback above it. */
export class Screen {
  readonly columns: number;
  readonly rows: number;
  /** Every row, scrollback first; a cell is a character, "" after a wide one, or " ". */
  readonly #lines: string[][] = [[]];
  #row = 0;
  #column = 0;
  #pendingWrap = false;

  constructor(columns: number, rows = 24) {
    this.columns = columns;
    this.rows = rows;
  }

  /** Where the cursor is: its row (counting the scrollback) and column. */
  get cursor(): { row: number; column: number } {
    return { row: this.#row, column: this.#column };
  }

  /** The character in the cell at `row` (counting the scrollback) and `column`, " " if blank. */
  cell(row: number, column: number): string {
    return this.#lines[row]?.[column] || " ";
  }

  /** The rows with text, scrollback included, trailing blanks trimmed; blank last rows dropped. */
  get lines(): string[] {
    const lines = this.#lines.map((cells) => cells.join("").trimEnd());
    while (lines.length > 0 && lines.at(-1) === "") lines.pop();
    return lines;
  }

  /** The text of every row joined, for counting what is on the screen. */
  get text(): string {
    return this.lines.join("\n");
  }

  /** Interprets `output` as a terminal would. */
  write(output: string): this {
    let index = 0;
    while (index < output.length) {
      const sequence = CSI.exec(output.slice(index));
      if (sequence) {
        this.#control(sequence[2]!, sequence[1] ?? "");
        index += sequence[0].length;
        continue;
      }
      const character = String.fromCodePoint(output.codePointAt(index)!);
      index += character.length;
      if (character === "\r") this.#moveTo(this.#row, 0);
      else if (character === "\n") this.#moveTo(this.#row + 1, 0);
      else if (character === "\x1b") throw new Error(`Unknown escape at ${output.slice(index)}`);
      else this.#put(character);
    }
    return this;
  }

  #put(character: string): void {
    const width = WIDE.test(character) ? 2 : 1;
    if (this.#pendingWrap || this.#column + width > this.columns) {
      this.#moveTo(this.#row + 1, 0);
    }
    const cells = this.#cells(this.#row);
    while (cells.length < this.#column) cells.push(" ");
    cells.splice(this.#column, width, character, ...(width === 2 ? [""] : []));
    if (this.#column + width === this.columns) {
      this.#column = this.columns - 1;
      this.#pendingWrap = true;
    } else {
      this.#column += width;
    }
  }

  #control(final: string, parameters: string): void {
    const count = Math.max(Number(parameters || "1"), 1);
    const cells = this.#cells(this.#row);
    switch (final) {
      case "A":
        return this.#moveTo(Math.max(this.#row - count, this.#top()), this.#column);
      case "B":
        return this.#moveTo(Math.min(this.#row + count, this.#top() + this.rows - 1), this.#column);
      case "C":
        return this.#moveTo(this.#row, Math.min(this.#column + count, this.columns - 1));
      case "D":
        return this.#moveTo(this.#row, Math.max(this.#column - count, 0));
      case "G":
        return this.#moveTo(this.#row, Math.min(count, this.columns) - 1);
      case "K":
        if (parameters === "2") cells.length = 0;
        else if (parameters === "" || parameters === "0") {
          cells.length = Math.min(cells.length, this.#column);
        } else throw new Error(`Unknown CSI ${parameters}K`);
        this.#pendingWrap = false;
        return;
      case "J":
        if (parameters === "2") {
          for (let row = this.#top(); row < this.#lines.length; row++) this.#lines[row] = [];
        } else if (parameters === "" || parameters === "0") {
          cells.length = Math.min(cells.length, this.#column);
          this.#lines.length = this.#row + 1;
        } else {
          throw new Error(`Unknown CSI ${parameters}J`);
        }
        this.#pendingWrap = false;
        return;
      default:
        throw new Error(`Unknown CSI ${parameters}${final}`);
    }
  }

  /** The first row on screen (rows above it are scrollback, out of the cursor's reach). */
  #top(): number {
    return Math.max(this.#lines.length - this.rows, 0);
  }

  #moveTo(row: number, column: number): void {
    this.#row = row;
    this.#column = column;
    this.#pendingWrap = false;
    this.#cells(row);
  }

  #cells(row: number): string[] {
    while (this.#lines.length <= row) this.#lines.push([]);
    return this.#lines[row]!;
  }
}
