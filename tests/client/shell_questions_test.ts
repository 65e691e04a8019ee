import assert from "node:assert/strict";
import { ShellQuestions } from "../../client/shell_questions.ts";

function questions() {
  const printed: string[] = [];
  let cleared = 0;
  let redrawn = 0;
  const queue = new ShellQuestions({
    printError: (text) => printed.push(text),
    clearLine: () => cleared++,
    redraw: () => redrawn++,
  });
  return { queue, printed, cleared: () => cleared, redrawn: () => redrawn };
}

function parseNumber(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value)) throw new RangeError(`Not a number: "${text}"`);
  return value;
}

Deno.test({
  name: "ShellQuestions asks in order and asks again after a wrong answer",
  permissions: "none",
  fn: async () => {
    const { queue, printed, redrawn } = questions();
    const first = queue.ask("First: ", parseNumber);
    const second = queue.ask("Second: ", (text) => text, true);
    assert.equal(redrawn(), 2);
    assert.equal(queue.length, 2);
    assert.equal(queue.current?.prompt, "First: ");
    queue.answer("x");
    assert.deepEqual(printed, ['Not a number: "x"']);
    assert.equal(queue.current?.prompt, "First: ");
    queue.answer(" 7 ");
    assert.equal(await first, 7);
    assert.equal(queue.current?.prompt, "Second: ");
    assert.equal(queue.current?.secret, true);
    queue.answer("secret");
    assert.equal(await second, "secret");
    assert.equal(queue.current, undefined);
  },
});

Deno.test({
  name: "ShellQuestions.refusesCommand() refuses a command name once, never for a secret answer",
  permissions: "none",
  fn: () => {
    const { queue } = questions();
    void queue.ask("Full name: ", (text) => text);
    assert.equal(queue.refusesCommand("Ann Smith"), false);
    assert.equal(queue.refusesCommand("items"), true);
    assert.equal(queue.refusesCommand("items"), false);
    queue.answer("items");
    void queue.ask("Card number: ", (text) => text, true);
    assert.equal(queue.refusesCommand("items"), false);
  },
});

Deno.test({
  name: "ShellQuestions drops a question on abort, clearing the line only when it was asked",
  permissions: "none",
  fn: async () => {
    const { queue, cleared } = questions();
    const asked = new AbortController();
    const waiting = new AbortController();
    const first = queue.ask("Card number: ", (text) => text, true, asked.signal);
    const second = queue.ask("Card expiry: ", (text) => text, false, waiting.signal);
    waiting.abort(new Error("dropped while waiting"));
    await assert.rejects(second, /dropped while waiting/);
    assert.equal(cleared(), 0);
    assert.equal(queue.current?.prompt, "Card number: ");
    asked.abort(new Error("dropped while asked"));
    await assert.rejects(first, /dropped while asked/);
    assert.equal(cleared(), 1);
    assert.equal(queue.length, 0);
  },
});
