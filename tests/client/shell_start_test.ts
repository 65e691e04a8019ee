/**
 * The shell's start, before the client runs: the user name question on a fake terminal.
 */
import assert from "node:assert/strict";
import { Shell } from "../../client/shell.ts";
import { NAME_PROMPT_HELP } from "../../client/name_question.ts";
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
      assert.doesNotMatch(terminal.output, /Invalid Name/);
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
  at = await terminal.waitFor('Invalid Name "ann lee"', at);
  await terminal.waitFor("Your user name: ", at);
  terminal.type("ann\r");
  assert.deepEqual(await asking, { name: "ann" });
  terminal.end();

  const named = new FakeTerminal();
  assert.deepEqual(await new Shell(named).askIdentity({ name: "bob" }), { name: "bob" });
  assert.doesNotMatch(named.output, /Your user name/);
  named.end();
});
