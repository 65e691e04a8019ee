/**
 * The shell's payment questions at a second sale of one session: the details given for the
 * first are offered again, the card shown by its last four digits only.
 */
import assert from "node:assert/strict";
import { Shell } from "../../client/shell.ts";
import type { ClientEvent } from "../../client/output.ts";
import { parseYesNo } from "../../client/payment_questions.ts";
import { fakeShellClient } from "../_support/fake_shell_client.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";
import { waitUntil } from "../_support/wait.ts";

function needed(item: string, rq: number, missing: string[]): ClientEvent {
  return {
    type: "payment",
    action: "needed",
    item,
    rq,
    finalPrice: 600,
    deadlineMs: Date.now() + 300_000,
    deadlineFromFlag: false,
    missing,
  };
}

const ALL = ["fullName", "card", "expiry", "address"];

/** Answers the four questions of `item`'s sale; returns where the output got to. */
async function answerAll(terminal: FakeTerminal, item: string, from: number): Promise<number> {
  let at = from;
  for (
    const [question, answer] of [
      ["Full name: ", "Scott Tiger"],
      ["Card number: ", "4111111111111111"],
      ["Card expiry (MM/YY): ", "12/39"],
      ["Shipping address: ", "1 Main St"],
    ]
  ) {
    at = await terminal.waitFor(`[${item}] ${question}`, at);
    terminal.type(`${answer}\r`);
  }
  return at;
}

const OFFER =
  "[Pot] Use the details you gave for Cup (Scott Tiger, card ending 1111, 1 Main St)? " +
  "[Y/n] ";

Deno.test("a second sale offers the first sale's details again; Enter takes them", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Cup" }];
  const { client, paid } = fakeShellClient({ pending });
  const running = shell.run(client);

  shell.event(needed("Cup", 1, ALL));
  let at = await answerAll(terminal, "Cup", 0);
  await waitUntil(() => paid.length === 1, "the first sale paid");

  pending.push({ item: "Pot" });
  shell.event(needed("Pot", 2, ALL));
  const offered = at;
  at = await terminal.waitFor(OFFER, at);
  terminal.type("\r");
  await waitUntil(() => paid.length === 2, "the second sale paid");
  assert.deepEqual(paid[1], { item: "Pot", details: paid[0]!.details });
  assert.doesNotMatch(terminal.output.slice(at), /Full name|Card number/);
  assert.doesNotMatch(terminal.output, /4111111111111111/);
  assert.doesNotMatch(terminal.output.slice(offered), /12\/39/, "the offer shows no expiry");
  terminal.end();
  await running;
});

Deno.test("n at the offer asks every detail again; only the missing ones are ever taken", async (t) => {
  await t.step("n", async () => {
    const terminal = new FakeTerminal();
    const shell = new Shell(terminal);
    const pending = [{ item: "Cup" }];
    const { client, paid } = fakeShellClient({ pending });
    const running = shell.run(client);
    shell.event(needed("Cup", 1, ALL));
    let at = await answerAll(terminal, "Cup", 0);
    await waitUntil(() => paid.length === 1, "the first sale paid");
    pending.push({ item: "Pot" });
    shell.event(needed("Pot", 2, ALL));
    at = await terminal.waitFor(OFFER, at);
    terminal.type("n\r");
    await answerAll(terminal, "Pot", at);
    await waitUntil(() => paid.length === 2, "the second sale paid");
    assert.equal(paid[1]!.item, "Pot");
    terminal.end();
    await running;
  });

  await t.step("a profile's details stay the profile's", async () => {
    const terminal = new FakeTerminal();
    const shell = new Shell(terminal);
    const pending = [{ item: "Cup" }];
    const { client, paid } = fakeShellClient({ pending, profile: { fullName: "Scott Profile" } });
    const running = shell.run(client);
    const missing = ["card", "expiry", "address"];
    shell.event(needed("Cup", 1, missing));
    let at = await terminal.waitFor("[Cup] Card number: ");
    terminal.type("4111111111111111\r");
    at = await terminal.waitFor("[Cup] Card expiry (MM/YY): ", at);
    terminal.type("12/39\r");
    at = await terminal.waitFor("[Cup] Shipping address: ", at);
    terminal.type("1 Main St\r");
    await waitUntil(() => paid.length === 1, "the first sale paid");
    pending.push({ item: "Pot" });
    shell.event(needed("Pot", 2, missing));
    at = await terminal.waitFor(
      "[Pot] Use the details you gave for Cup (Scott Profile, card ending 1111, 1 Main St)?",
      at,
    );
    terminal.type("y\r");
    await waitUntil(() => paid.length === 2, "the second sale paid");
    assert.deepEqual(paid[1]!.details, paid[0]!.details);
    terminal.end();
    await running;
  });
});

Deno.test("details whose card was declined are not offered again", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Drachen" }];
  const { client, paid } = fakeShellClient({ pending });
  const running = shell.run(client);

  shell.event(needed("Drachen", 1, ALL));
  let at = 0;
  for (
    const [question, answer] of [
      ["Full name: ", "Scott Tiger"],
      ["Card number: ", "4000000000000002"],
      ["Card expiry (MM/YY): ", "12/39"],
      ["Shipping address: ", "1 Main St"],
    ]
  ) {
    at = await terminal.waitFor(`[Drachen] ${question}`, at);
    terminal.type(`${answer}\r`);
  }
  await waitUntil(() => paid.length === 1, "the first sale paid");
  shell.message(
    { type: "CANCEL", rq: 9, reason: "Payment declined: buyer's card ending 0002 was declined" },
    "",
    "tcp",
    "Drachen",
  );
  at = await terminal.waitFor("[Drachen] Sale cancelled:", at);

  pending.push({ item: "Pot" });
  shell.event(needed("Pot", 2, ALL));
  await answerAll(terminal, "Pot", at);
  await waitUntil(() => paid.length === 2, "the second sale paid");
  assert.doesNotMatch(terminal.output, /Use the details you gave for Drachen/);
  assert.equal(paid[1]!.details.card, "4111111111111111");
  terminal.end();
  await running;
});

Deno.test("parseYesNo() takes y, yes, n, no and Enter (yes), and refuses the rest", () => {
  for (const yes of ["", "y", "Y", "yes", " YES "]) assert.equal(parseYesNo(yes), true);
  for (const no of ["n", "N", "no"]) assert.equal(parseYesNo(no), false);
  assert.throws(() => parseYesNo("maybe"), /Type y \(or just Enter\) for yes, or n for no/);
});

Deno.test("help or ? at a payment question explains it and asks again", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Cup" }];
  const { client, paid } = fakeShellClient({ pending });
  const running = shell.run(client);
  shell.event(needed("Cup", 1, ALL));
  let at = await terminal.waitFor("[Cup] Full name: ");
  terminal.type("help\r");
  at = await terminal.waitFor(
    "[Cup] The sale of Cup needs your payment details (the buyer pays, the seller is paid " +
      "out): type your full name. A command with a / first (/items) runs while it waits. " +
      "There is no skipping it: quitting (Ctrl-C twice) cancels the sale.",
    at,
  );
  at = await terminal.waitFor("[Cup] Full name: ", at);
  terminal.type("?\r");
  at = await terminal.waitFor("type your full name.", at);
  for (
    const [question, answer] of [
      ["Full name: ", "Scott Tiger"],
      ["Card number: ", "4111111111111111"],
      ["Card expiry (MM/YY): ", "12/39"],
      ["Shipping address: ", "1 Main St"],
    ]
  ) {
    at = await terminal.waitFor(`[Cup] ${question}`, at);
    terminal.type(`${answer}\r`);
  }
  await waitUntil(() => paid.length === 1, "the sale paid");
  assert.equal(paid[0]!.details.fullName, "Scott Tiger", "help was not taken as the name");
  terminal.end();
  await running;
});
