import assert from "node:assert/strict";
import { LineEditor, splitKeys } from "../../client/line_editor.ts";
import { Screen } from "../_support/screen.ts";

function type(editor: LineEditor, input: string) {
  return splitKeys(input).map((key) => editor.handle(key));
}

Deno.test({
  name: "splitKeys() keeps escape sequences whole",
  permissions: "none",
  fn: () => {
    assert.deepEqual(splitKeys("ab\x1b[Dc\x1b[3~\r"), ["a", "b", "\x1b[D", "c", "\x1b[3~", "\r"]);
  },
});

Deno.test({
  name: "LineEditor edits in the middle of the line and submits it",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    type(editor, "bid Kte 5\x1b[D\x1b[D\x1b[D\x1b[Di");
    assert.equal(editor.text, "bid Kite 5");
    type(editor, "\x05\x7f25");
    const actions = type(editor, "\r");
    assert.deepEqual(actions.at(-1), { kind: "submit", line: "bid Kite 25" });
    assert.equal(editor.text, "");
  },
});

Deno.test({
  name: "LineEditor renders the prompt line so it can be redrawn after a push",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    type(editor, "bid K\x1b[D");
    assert.equal(editor.render("ann> "), "\r\x1b[2Kann> bid K\x1b[1D");
  },
});

Deno.test({
  name: "LineEditor recalls history with the arrow keys",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    type(editor, "subscribe Kite\rbid Kite 5\r");
    type(editor, "\x1b[A\x1b[A");
    assert.equal(editor.text, "subscribe Kite");
    type(editor, "\x1b[B");
    assert.equal(editor.text, "bid Kite 5");
  },
});

Deno.test({
  name: "LineEditor: Ctrl-C clears a line, and on an empty line interrupts; Ctrl-D ends",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    assert.deepEqual(type(editor, "abc\x03"), [
      { kind: "none" },
      { kind: "none" },
      { kind: "none" },
      { kind: "none" },
    ]);
    assert.equal(editor.text, "");
    assert.deepEqual(editor.handle("\x03"), { kind: "interrupt" });
    assert.deepEqual(editor.handle("\x04"), { kind: "end" });
  },
});

Deno.test({
  name: "LineEditor masks a secret line as typed and keeps it out of the history",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    type(editor, "bid Kite 5\r");
    editor.masked = true;
    type(editor, "4111 1111\x1b[D");
    assert.equal(editor.render("Card number: "), "\r\x1b[2KCard number: **** ****\x1b[1D");
    assert.equal(editor.shown("4111 1111"), "**** ****");
    assert.deepEqual(type(editor, "\r"), [{ kind: "submit", line: "4111 1111" }]);
    editor.masked = false;
    type(editor, "\x1b[A");
    assert.equal(editor.text, "bid Kite 5");
  },
});

Deno.test({
  name: "LineEditor keeps a command holding a card number out of history and masks it on screen",
  permissions: "none",
  fn: () => {
    const editor = new LineEditor();
    type(editor, "items\r");
    type(editor, 'pay Kite "Ann Lee" 4111111111111111 12/30 1 Main St');
    assert.equal(
      editor.render("ann> "),
      '\r\x1b[2Kann> pay Kite "Ann Lee" ************1111 12/30 1 Main St',
    );
    const actions = type(editor, "\r");
    assert.equal(actions.at(-1)?.kind, "submit");
    type(editor, "\x1b[A");
    assert.equal(editor.text, "items");
    type(editor, "\x1b[A");
    assert.equal(editor.text, "items");
  },
});

Deno.test({
  name: "LineEditor hides a card typed with double dashes or an em space, as the parser takes it",
  permissions: "none",
  fn: () => {
    for (const card of ["4111--1111--1111--1111", "4111\u20031111\u20031111\u20031111"]) {
      const editor = new LineEditor();
      type(editor, "items\r");
      type(editor, `pay Kite Ann ${card} 12/30 Home`);
      assert.equal(
        editor.render("ann> "),
        `\r\x1b[2Kann> pay Kite Ann ${card.replace(/\d(?=.{4})/g, "*")} 12/30 Home`,
      );
      type(editor, "\r\x1b[A");
      assert.equal(editor.text, "items", "the line with the card is not in the history");
    }
  },
});

/** 100 characters, no two alike within 26 of each other. */
const LONG = Array.from({ length: 100 }, (_, index) => String.fromCharCode(97 + index % 26)).join(
  "",
);

/**
 * Types `input` key by key and draws each render on `screen`, as the shell does; after every
 * key the prompt line must still be one row, with the cursor on it.
 */
function typeOn(screen: Screen, editor: LineEditor, prompt: string, input: string): void {
  for (const key of splitKeys(input)) {
    editor.handle(key);
    screen.write(editor.render(prompt, screen.columns));
    assert.equal(screen.lines.length, 1, `one row after ${JSON.stringify(key)}:\n${screen.text}`);
    assert.equal(screen.cursor.row, 0);
    assert.ok([...screen.lines[0]!].length < screen.columns, "the last column stays empty");
  }
}

Deno.test({
  name: "LineEditor keeps a line longer than the terminal on one row, scrolled to the cursor",
  permissions: "none",
  fn: async (t) => {
    await t.step("typing 100 characters in 20 columns shows the prompt and the line's end", () => {
      const screen = new Screen(20);
      const editor = new LineEditor();
      typeOn(screen, editor, "ann> ", "abcdefghijklmn");
      assert.deepEqual(screen.lines, ["ann> abcdefghijklmn"], "14 characters fit");
      typeOn(screen, editor, "ann> ", LONG.slice(14));
      assert.deepEqual(screen.lines, [`ann> <${LONG.slice(-13)}`]);
      assert.deepEqual(screen.cursor, { row: 0, column: 19 });
    });

    await t.step("Home shows the line's start, and the cursor walks the line on one row", () => {
      const screen = new Screen(20);
      const editor = new LineEditor();
      typeOn(screen, editor, "ann> ", `${LONG}\x01`);
      assert.deepEqual(screen.lines, [`ann> ${LONG.slice(0, 13)}>`]);
      for (let index = 0; index <= LONG.length; index++) {
        const under = screen.cell(0, screen.cursor.column);
        assert.equal(under, LONG[index] ?? " ", `the cursor on character ${index}`);
        typeOn(screen, editor, "ann> ", "\x1b[C");
      }
      for (let index = LONG.length - 1; index >= 0; index--) {
        typeOn(screen, editor, "ann> ", "\x1b[D");
        assert.equal(screen.cell(0, screen.cursor.column), LONG[index], `back on ${index}`);
      }
    });

    await t.step("deleting in the middle and at the end keeps one row, then no markers", () => {
      const screen = new Screen(20);
      const editor = new LineEditor();
      typeOn(screen, editor, "ann> ", `${LONG}\x01${"\x1b[C".repeat(50)}${"\x1b[3~".repeat(30)}`);
      assert.equal(editor.text, LONG.slice(0, 50) + LONG.slice(80));
      assert.equal(screen.cell(0, screen.cursor.column), LONG[80]);
      typeOn(screen, editor, "ann> ", `\x05${"\x7f".repeat(60)}`);
      assert.deepEqual(screen.lines, [`ann> ${LONG.slice(0, 10)}`]);
      assert.deepEqual(screen.cursor, { row: 0, column: 15 });
    });

    await t.step("wide characters count two cells", () => {
      const screen = new Screen(20);
      const editor = new LineEditor();
      typeOn(screen, editor, "ann> ", "漢".repeat(50));
      assert.deepEqual(screen.lines, [`ann> <${"漢".repeat(6)}`]);
      assert.deepEqual(screen.cursor, { row: 0, column: 18 });
    });

    await t.step("a secret line is masked, and a long prompt shows its end", () => {
      const screen = new Screen(20);
      const editor = new LineEditor();
      editor.masked = true;
      typeOn(screen, editor, "[Kite] Full name: ", "4111".repeat(25));
      assert.deepEqual(screen.lines, [`<l name: <${"*".repeat(9)}`]);
      typeOn(screen, editor, "[Kite] Full name: ", "\x15");
      assert.deepEqual(screen.lines, ["[Kite] Full name:"], "whole while the line is short");
    });
  },
});
