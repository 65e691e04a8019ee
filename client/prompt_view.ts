/**
 * What the prompt row shows of a line longer than the terminal is wide: the prompt and a window
 * of the line around the cursor, `<` and `>` marking text cut off on either side, never wider
 * than one row. One row can always be erased with `\r` and a clear, whatever the terminal does
 * with wide characters or a resize; a wrapped line cannot (see docs/client.md). Pure functions.
 * @module
 */

/** Code points drawn two cells wide: CJK, Hangul, full-width forms, most emoji. */
const WIDE =
  /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u;

/** Code points drawn on the cell before them: combining marks, zero-width joiners, selectors. */
const ZERO_WIDTH = /[\p{Mn}\p{Me}\u200b-\u200f\u2060-\u2064\ufeff]/u;

/** How many terminal cells `character` (one code point) takes. */
export function cellWidth(character: string): number {
  if (ZERO_WIDTH.test(character)) return 0;
  return WIDE.test(character) ? 2 : 1;
}

/** How many terminal cells `text` takes. */
export function textWidth(text: string): number {
  let width = 0;
  for (const character of text) width += cellWidth(character);
  return width;
}

/**
 * Whether the prompt row for a line `lineWidth` cells wide shows only the end of `prompt` (after
 * `<`): when the prompt is wider than half the row and the line does not fit after it.
 */
export function cutsPrompt(prompt: string, lineWidth: number, columns: number): boolean {
  const room = rowRoom(columns);
  return textWidth(prompt) > room / 2 && textWidth(prompt) + lineWidth > room;
}

/** The cells of a row the prompt row may fill: all but the last (and at least 8). */
function rowRoom(columns: number): number {
  return Math.max(columns - 1, 8);
}

/** The prompt row to draw: its text, the cursor's column in it, and the window's first character. */
export interface PromptRow {
  text: string;
  cursorColumn: number;
  start: number;
}

/**
 * The prompt row for `line` (its characters as shown, one code point each) with the cursor
 * before `line[cursor]`, in a terminal `columns` wide. The row leaves the last column empty, so
 * the terminal never wraps it. `start`: the window's first character at the previous draw; the
 * window moves only when the cursor leaves it (leaving half a window before the cursor), and
 * shows as much as fits of a line it reaches the end of. A prompt wider than half the row shows
 * its end, after `<`.
 */
export function promptRow(
  prompt: string,
  line: readonly string[],
  options: { cursor: number; columns: number; start?: number },
): PromptRow {
  const room = rowRoom(options.columns);
  const shownPrompt = cutsPrompt(prompt, widthOf(line, 0), options.columns)
    ? "<" + tail([...prompt], Math.floor(room / 2) - 1).join("")
    : prompt;
  const area = room - textWidth(shownPrompt);
  const cursor = Math.min(Math.max(options.cursor, 0), line.length);
  if (widthOf(line, 0) <= area) {
    return {
      text: shownPrompt + line.join(""),
      cursorColumn: textWidth(shownPrompt) + widthOf(line.slice(0, cursor), 0),
      start: 0,
    };
  }
  let start = Math.min(options.start ?? 0, line.length);
  let window = layout(line, start, area);
  if (cursor < start || !shows(window, cursor, line.length)) {
    // Half a window of context before the cursor.
    start = cursor;
    let width = 0;
    while (start > 0 && width + cellWidth(line[start - 1]!) <= area / 2) {
      width += cellWidth(line[--start]!);
    }
    window = layout(line, start, area);
    // A row too narrow for that context: the cursor on the first character shown.
    if (!shows(window, cursor, line.length)) window = layout(line, start = cursor, area);
  }
  // Reaching the end of the line, the window shows as much of it as fits (after a deletion).
  if (window.end === line.length) {
    let width = widthOf(line, start);
    while (start > 0 && width + cellWidth(line[start - 1]!) <= area - 1) {
      width += cellWidth(line[--start]!);
    }
    window = layout(line, start, area);
  }
  const left = start > 0 ? "<" : "";
  const shown = line.slice(start, window.end).join("");
  const right = window.end < line.length ? ">" : "";
  return {
    text: shownPrompt + left + shown + right,
    cursorColumn: textWidth(shownPrompt) + left.length +
      widthOf(line.slice(start, Math.max(cursor, start)), 0),
    start,
  };
}

/** The characters of `line` from `start` that fit in `area` cells with their markers. */
function layout(line: readonly string[], start: number, area: number): { end: number } {
  const room = area - (start > 0 ? 1 : 0);
  const end = fit(line, start, room);
  return { end: end === line.length ? end : fit(line, start, room - 1) };
}

function fit(line: readonly string[], start: number, room: number): number {
  let end = start;
  let width = 0;
  while (end < line.length && width + cellWidth(line[end]!) <= room) {
    width += cellWidth(line[end++]!);
  }
  return end;
}

/** Whether the cursor is on a shown character, or after the last one when it ends the line. */
function shows(window: { end: number }, cursor: number, length: number): boolean {
  return cursor < window.end || (cursor === length && window.end === length);
}

function widthOf(line: readonly string[], start: number): number {
  let width = 0;
  for (let index = start; index < line.length; index++) width += cellWidth(line[index]!);
  return width;
}

function tail(characters: string[], room: number): string[] {
  let start = characters.length;
  let width = 0;
  while (start > 0 && width + cellWidth(characters[start - 1]!) <= room) {
    width += cellWidth(characters[--start]!);
  }
  return characters.slice(start);
}
