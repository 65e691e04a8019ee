/**
 * The shell's start on a fake terminal: the user name question before the client runs, and
 * the role question of the first `register`.
 */
import assert from "node:assert/strict";
import { Shell } from "../../client/shell.ts";
import { NAME_PROMPT_HELP } from "../../client/name_question.ts";
import { parseRole } from "../../protocol/mod.ts";
import { fakeShellClient } from "../_support/fake_shell_client.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";

Deno.test("help or ? at the user name question explains it and asks again", async (t) => {
  for (const word of ["help", "?", "HELP"]) {
    await t.step(word, async () => {
      const terminal = new FakeTerminal();
      const shell = new Shell(terminal);
      const asking = shell.askIdentity({});
      let at = await terminal.waitFor("Your user name: ");
      terminal.type(`${word}\r`);
      at = await terminal.waitFor(NAME_PROMPT_HELP, at);
      await terminal.waitFor("Your user name: ", at);
      terminal.type("ann\r");
      assert.deepEqual(await asking, { name: "ann" });
      terminal.end();
    });
  }
});

Deno.test("quit, exit, Ctrl-C or Ctrl-D at the user name question leaves, with no name", async (t) => {
  for (
    const [label, keys] of [["quit", "quit\r"], ["exit", "exit\r"], ["Ctrl-C", "\x03"], [
      "Ctrl-D",
      "\x04",
    ]]
  ) {
    await t.step(label!, async () => {
      const terminal = new FakeTerminal();
      const shell = new Shell(terminal);
      const asking = shell.askIdentity({});
      await terminal.waitFor("Your user name: ");
      terminal.type(keys!);
      assert.equal(await asking, undefined);
      assert.doesNotMatch(terminal.output, /Invalid name/i);
      terminal.end();
    });
  }
});

Deno.test("a name that breaks the rules is refused and asked again; --name asks nothing", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const asking = shell.askIdentity({});
  let at = await terminal.waitFor("Your user name: ");
  terminal.type("ann lee\r");
  at = await terminal.waitFor('Invalid name "ann lee": use 1 to 32 ASCII letters', at);
  await terminal.waitFor("Your user name: ", at);
  terminal.type("ann\r");
  assert.deepEqual(await asking, { name: "ann" });
  terminal.end();

  const named = new FakeTerminal();
  assert.deepEqual(await new Shell(named).askIdentity({ name: "bob" }), { name: "bob" });
  assert.doesNotMatch(named.output, /Your user name/);
  named.end();
});

Deno.test("login typed at register's role question is answered with what to type, not 'type login again'", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const running = shell.run(fakeShellClient({ name: "ann" }).client);
  // As `register` asks it (client/execute.ts).
  const role = shell.ask("Your role (buyer or seller, or cancel): ", parseRole, {
    answers: "buyer or seller",
    cancels: "register",
  });
  let at = await terminal.waitFor("Your role (buyer or seller, or cancel): ");
  const hint = '"login" is a command, not an answer here: type buyer or seller, ' +
    "or type cancel to drop register, then login.";
  for (let attempt = 0; attempt < 2; attempt++) {
    terminal.type("login\r");
    at = await terminal.waitFor(hint, at);
  }
  terminal.type("seller\r");
  assert.equal(await role, "seller");
  assert.doesNotMatch(terminal.output, /again to answer|Invalid role/i);
  terminal.end();
  await running;
});
