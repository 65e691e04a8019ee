/**
 * The shell on a narrow fake terminal: a line longer than the terminal is wide stays on one
 * row, however it is edited and whatever prints above it (a push, an error, a resize).
 */
import assert from "node:assert/strict";
import { Shell } from "../../client/shell.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";
import { fakeShellClient } from "../_support/fake_shell_client.ts";
import { Screen } from "../_support/screen.ts";

/** 100 characters, no two alike within 26 of each other. */
const LONG = Array.from({ length: 100 }, (_, index) => String.fromCharCode(97 + index % 26)).join(
  "",
);

/** The rows of the screen that start with `prefix`. */
function rowsStarting(screen: Screen, prefix: string): string[] {
  return screen.lines.filter((line) => line.startsWith(prefix));
}

Deno.test("the shell keeps a line longer than the terminal on one row when a push prints", async () => {
  const terminal = new FakeTerminal(20);
  const shell = new Shell(terminal);
  const running = shell.run(fakeShellClient({ pending: [{ item: "Cup" }] }).client);
  let at = await terminal.waitFor("scott> ");

  terminal.type(`${LONG}\x01${"\x1b[C".repeat(40)}\x7f\x7f`);
  at = await terminal.waitFor(`scott> <${LONG.slice(33, 38)}${LONG.slice(40, 45)}>`, at);
  shell.print("[Kite] bob leads at 40.00, 42s left");
  at = await terminal.waitFor("[Kite] bob leads", at);
  terminal.type("#");
  at = await terminal.waitFor("#", at);

  const screen = new Screen(20).write(terminal.output);
  assert.deepEqual(screen.lines.slice(-3), [
    "[Kite] bob leads at",
    "40.00, 42s left",
    `scott> <${LONG.slice(33, 38)}#${LONG.slice(40, 44)}>`,
  ]);
  assert.deepEqual(rowsStarting(screen, "scott>"), [
    `scott> <${LONG.slice(33, 38)}#${LONG.slice(40, 44)}>`,
  ]);
  assert.equal(screen.cursor.row, screen.lines.length - 1);

  // Submitted, the line is left on the screen whole, once.
  terminal.type("\x05\r");
  await terminal.waitFor("Unknown command", at);
  const submitted = new Screen(20).write(terminal.output);
  const typed = `scott> ${LONG.slice(0, 38)}#${LONG.slice(40)}`;
  assert.equal(submitted.lines.join("").split(typed).length, 2, submitted.text);
  assert.equal(rowsStarting(submitted, "scott>").length, 2, "the line, and the new prompt");
  terminal.end();
  await running;
});

Deno.test("600 characters typed at a payment question in a narrow terminal print once", async () => {
  const terminal = new FakeTerminal(20);
  const shell = new Shell(terminal);
  const running = shell.run(fakeShellClient({ pending: [{ item: "Cup" }] }).client);
  shell.event({
    type: "payment",
    action: "needed",
    item: "Cup",
    rq: 7,
    finalPrice: 600,
    deadlineMs: Date.now() + 300_000,
    deadlineFromFlag: false,
    missing: ["fullName", "card", "expiry", "address"],
  });
  const at = await terminal.waitFor("[Cup] Full name: ");
  terminal.type(`${"A".repeat(600)}\r`);
  await terminal.waitFor("Invalid name: at most 300 characters", at);
  await terminal.waitFor("[Cup] Full name: ", at);

  const screen = new Screen(20).write(terminal.output);
  assert.deepEqual(screen.lines.join("").match(/A{2,}/g), ["A".repeat(600)]);
  // Printed whole when the answer outgrew the row, in the answered line, and asked again.
  assert.equal(screen.text.split("[Cup] Full name:").length, 4, screen.text);
  assert.equal(screen.lines.at(-1), "[Cup] Full name:");
  terminal.end();
  await running;
});

Deno.test("the shell draws the prompt line again at the new width when the terminal is resized", async () => {
  const terminal = new FakeTerminal(80);
  const shell = new Shell(terminal);
  const running = shell.run(fakeShellClient({ pending: [{ item: "Cup" }] }).client);
  await terminal.waitFor("scott> ");
  terminal.type(LONG.slice(0, 50));
  await terminal.waitFor(LONG.slice(0, 50));

  const before = terminal.output.length;
  terminal.resize(20);
  const screen = new Screen(20).write(terminal.output.slice(before));
  assert.deepEqual(screen.lines, [`scott> <${LONG.slice(39, 50)}`]);
  terminal.end();
  await running;
});
