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
    const second = queue.ask("Second: ", (text) => text, { secret: true });
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
  name: "ShellQuestions.commandHint() refuses a command name once, never for a secret answer",
  permissions: "none",
  fn: () => {
    const { queue } = questions();
    void queue.ask("Full name: ", (text) => text);
    assert.equal(queue.commandHint("Ann Smith"), undefined);
    assert.equal(
      queue.commandHint("items"),
      '"items" is a command: type /items to run it (this question waits), ' +
        'or type "items" again to answer with it.',
    );
    assert.equal(queue.commandHint("items"), undefined);
    queue.answer("items");
    void queue.ask("Card number: ", (text) => text, { secret: true });
    assert.equal(queue.commandHint("items"), undefined);
  },
});

Deno.test({
  name:
    "ShellQuestions.commandHint() never offers a command name as an answer the question refuses",
  permissions: "none",
  fn: () => {
    const { queue } = questions();
    const role = (text: string) => {
      if (text !== "buyer" && text !== "seller") throw new RangeError("use buyer or seller");
      return text;
    };
    void queue.ask("Your role (buyer or seller): ", role, { answers: "buyer or seller" });
    const hint = '"login" is a command, not an answer here: type buyer or seller, ' +
      "or /login to run it (this question waits).";
    assert.equal(queue.commandHint("login"), hint);
    // Typed again, it is still no role: the same hint, not the refusal of an answer.
    assert.equal(queue.commandHint("login"), hint);
    assert.equal(queue.commandHint("buyer"), undefined);
    queue.answer("buyer");
    // Asked by a command that `cancel` drops: running another command meanwhile would only get
    // in its way, so the hint says to drop it first.
    void queue.ask("Your role: ", role, { answers: "buyer or seller", cancels: "register" });
    assert.equal(
      queue.commandHint("login"),
      '"login" is a command, not an answer here: type buyer or seller, or type cancel to drop ' +
        "register, then login.",
    );
    queue.answer("seller");
    void queue.ask("Number: ", parseNumber);
    assert.equal(
      queue.commandHint("items"),
      '"items" is a command, not an answer here: type /items to run it (this question waits).',
    );
  },
});

Deno.test({
  name: "ShellQuestions drops a question on abort, clearing the line only when it was asked",
  permissions: "none",
  fn: async () => {
    const { queue, cleared } = questions();
    const asked = new AbortController();
    const waiting = new AbortController();
    const first = queue.ask("Card number: ", (text) => text, {
      secret: true,
      signal: asked.signal,
    });
    const second = queue.ask("Card expiry: ", (text) => text, { signal: waiting.signal });
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
