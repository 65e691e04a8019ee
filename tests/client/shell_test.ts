/**
 * The shell on a fake terminal with a fake client: what it asks, in which order, and what it
 * draws, without processes or sockets.
 */
import assert from "node:assert/strict";
import { Shell } from "../../client/shell.ts";
import type { PaymentDetails } from "../../client/payment.ts";
import type { ClientEvent } from "../../client/output.ts";
import { fakeShellClient } from "../_support/fake_shell_client.ts";
import { FakeTerminal } from "../_support/fake_terminal.ts";
import { waitUntil } from "../_support/wait.ts";

function needed(item: string, rq: number): ClientEvent {
  return {
    type: "payment",
    action: "needed",
    item,
    rq,
    finalPrice: 600,
    deadlineMs: Date.now() + 300_000,
    deadlineFromFlag: false,
    missing: ["fullName", "card", "expiry", "address"],
  };
}

Deno.test("the shell asks a second INFORM_Req for the same item only once, never echoing the card", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Cup" }];
  const { client, paid } = fakeShellClient({ pending });
  const running = shell.run(client);

  shell.event(needed("Cup", 1015));
  let at = await terminal.waitFor("Full name: ");
  // The server restarted mid-sale and asks again on a new connection: the newest request
  // replaces the old one in the client, and the shell must not start a second questionnaire.
  shell.event(needed("Cup", 1016));
  for (
    const [answer, next] of [
      ["Scott Tiger", "Card number: "],
      ["4111111111111111", "Card expiry (MM/YY): "],
      ["12/30", "Shipping address: "],
    ]
  ) {
    terminal.type(`${answer}\r`);
    at = await terminal.waitFor(next!, at);
  }
  terminal.type("1 Main St\r");
  await terminal.waitFor("scott> ", at);
  await Promise.resolve();

  assert.equal(paid.length, 1);
  assert.equal(paid[0]!.details.card, "4111111111111111");
  assert.equal(paid[0]!.details.address, "1 Main St");
  assert.doesNotMatch(terminal.output, /4111111111111111/);
  assert.doesNotMatch(terminal.output.slice(at), /Full name: /);
  terminal.end();
  await running;
});

Deno.test("the shell asks for two items' payments one after the other, not interleaved", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client, paid } = fakeShellClient({ pending: [{ item: "Cup" }, { item: "Pot" }] });
  const running = shell.run(client);

  shell.event(needed("Cup", 1));
  shell.event(needed("Pot", 2));
  let at = 0;
  for (const item of ["Cup", "Pot"]) {
    if (item === "Pot") {
      // Offered Cup's details again (payment_reuse_test.ts): no, Pot ships elsewhere.
      at = await terminal.waitFor("[Pot] Use the details you gave for Cup", at);
      terminal.type("n\r");
    }
    for (
      const [question, answer] of [
        ["Full name: ", "Scott Tiger"],
        ["Card number: ", "4111111111111111"],
        ["Card expiry (MM/YY): ", "12/30"],
        ["Shipping address: ", `${item} Street`],
      ]
    ) {
      // Each question names its item: the second questionnaire is told apart from the first.
      at = await terminal.waitFor(`[${item}] ${question}`, at);
      terminal.type(`${answer}\r`);
      at = await terminal.waitFor("\n", at);
    }
  }
  await terminal.waitFor("scott> ", at);
  await Promise.resolve();

  assert.deepEqual(paid.map((payment) => [payment.item, payment.details.address]), [
    ["Cup", "Cup Street"],
    ["Pot", "Pot Street"],
  ]);
  assert.doesNotMatch(terminal.output, /4111111111111111/);
  terminal.end();
  await running;
});

Deno.test("the shell refuses an expired card's expiry and asks again", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client, paid } = fakeShellClient({ pending: [{ item: "Cup" }] });
  const running = shell.run(client);

  shell.event(needed("Cup", 1));
  let at = 0;
  for (
    const [question, answer] of [
      ["Full name: ", "Scott Tiger"],
      ["Card number: ", "4111111111111111"],
      ["Card expiry (MM/YY): ", "01/20"],
      ["this card has expired\n", ""],
      ["Card expiry (MM/YY): ", "12/39"],
      ["Shipping address: ", "1 Main St"],
    ]
  ) {
    at = await terminal.waitFor(question!, at);
    if (answer) terminal.type(`${answer}\r`);
  }
  await terminal.waitFor("scott> ", at);

  assert.deepEqual(paid[0]?.details.expiry, { month: 12, year: 2039 });
  terminal.end();
  await running;
});

Deno.test("the shell drops its payment questions when the sale is cancelled", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client, paid } = fakeShellClient({ pending: [{ item: "Cup" }] });
  const running = shell.run(client);

  shell.event(needed("Cup", 1));
  let at = await terminal.waitFor("Full name: ");
  terminal.type("Scott Tiger\r");
  at = await terminal.waitFor("Card number: ", at);
  terminal.type("4111 1111");
  at = await terminal.waitFor("Card number: **** ****", at);
  const reason = "Buyer did not answer INFORM_Req within 8 s";
  shell.message({ type: "CANCEL", rq: 9, reason }, `CANCEL 9 ${reason}`, "tcp", "Cup");
  at = await terminal.waitFor("[Cup] No more payment questions: the sale was cancelled.\n", at);
  await terminal.waitFor("scott> ", at);
  // The half-typed card is dropped with the question, not left on the command line in clear.
  assert.doesNotMatch(terminal.output, /4111/);

  // The next line is a command again, not an answer.
  terminal.type("help\r");
  await terminal.waitFor("this list", at);
  assert.deepEqual(paid, []);
  terminal.end();
  await running;
});

Deno.test("the shell says when a command has had no answer for a while", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal, { slowCommandMs: 20 });
  const { client } = fakeShellClient({ pending: [] });
  const answers: ((result: string) => void)[] = [];
  Object.assign(client, {
    execute: () => new Promise((resolve) => answers.push(resolve)),
  });
  const running = shell.run(client);

  terminal.type("register\r");
  await terminal.waitFor(
    "No answer yet to register: still trying 127.0.0.1:5000 (up to 46 s). " +
      "Is the server running, and is --server right?",
  );
  answers[0]!("ok");
  terminal.end();
  await running;
});

Deno.test("the shell never echoes a card typed in a command, nor recalls it from history", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  const running = shell.run(client);

  terminal.type("help\r");
  let at = await terminal.waitFor("this list");
  // The address left unquoted: too many words. The line drawn after Enter shows the last four.
  terminal.type('pay Kite "Ann Lee" 4111111111111111 12/30 1 Main St\r');
  at = await terminal.waitFor("Too many words for pay", at);
  // A card where a role belongs: the error names the field, the card masked.
  terminal.type("register ann 4111-1111-1111-1111\r");
  at = await terminal.waitFor('Invalid role "****-****-****-1111"', at);
  terminal.type("\x1b[A");
  at = await terminal.waitFor("scott> help", at);

  assert.match(terminal.output, /scott> pay Kite "Ann Lee" \*{12}1111 12\/30 1 Main St\n/);
  assert.doesNotMatch(terminal.output, /4111111111111111|4111-1111-1111-1111/);
  terminal.end();
  await running;
});

Deno.test("the shell prints a resent NEGOTIATE_REQ once in full, then as a short reminder", async () => {
  const terminal = new FakeTerminal();
  let nowMs = 0;
  const shell = new Shell(terminal, { nowMs: () => nowMs });
  const { client } = fakeShellClient({ pending: [] });
  const running = shell.run(client);
  const negotiate = (rq: number, atS: number, timeLeft: number) => {
    nowMs = atS * 1000;
    const line = `NEGOTIATE_REQ ${rq} Kite 20.00 ${timeLeft}`;
    shell.message({ type: "NEGOTIATE_REQ", rq, item: "Kite", currentPrice: 2000, timeLeft }, line);
  };

  negotiate(1, 0, 60);
  negotiate(2, 2, 58);
  negotiate(3, 6, 54);
  negotiate(4, 14, 46);
  await terminal.waitFor("Still no bid at 20.00, 46s left");

  assert.equal(terminal.output.match(/no bid yet/g)?.length, 1);
  assert.equal(terminal.output.match(/Still no bid/g)?.length, 2);
  assert.doesNotMatch(terminal.output, /58s left/);
  terminal.end();
  await running;
});

const QUESTION_OR_PROMPT =
  /^(scott> |\[\w+\] (Full name|Card number|Card expiry \(MM\/YY\)|Shipping address): )/;

/** The lines printed above the prompt, without the prompt's redraws or the answers typed. */
function printedLines(output: string): string[] {
  return output.split("\n").map((line) => line.split("\r\x1b[2K").at(-1)!)
    .filter((line) => line !== "" && !QUESTION_OR_PROMPT.test(line));
}

Deno.test("a seller's sale prints what is needed and by when, what was sent, and the outcome", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [{ item: "Cup" }] });
  Object.assign(client, {
    pay: (item: string) => {
      shell.event({ type: "payment", action: "sent", item, rq: 601, card: "************4444" });
      return Promise.resolve("ok");
    },
  });
  const running = shell.run(client);
  const start = terminal.output.length;

  shell.message({ type: "SOLD", rq: 600, item: "Cup", finalPrice: 600, buyer: "scott" }, "");
  shell.message({ type: "INFORM_Req", rq: 601, item: "Cup", finalPrice: 600 }, "", "tcp", "Cup");
  shell.event(needed("Cup", 601));
  let at = start;
  for (
    const [question, answer] of [
      ["[Cup] Full name: ", "Jas Seller"],
      ["[Cup] Card number: ", "5555555555554444"],
      ["[Cup] Card expiry (MM/YY): ", "12/30"],
      ["[Cup] Shipping address: ", "9 Shop Road"],
    ]
  ) {
    at = await terminal.waitFor(question!, at);
    terminal.type(`${answer}\r`);
  }
  at = await terminal.waitFor("Payment details sent", at);
  const shipping = { type: "Shipping_Info", rq: 602, name: "Scott Tiger", address: "1 Main St" };
  shell.message(shipping as never, "", "tcp", "Cup");
  await terminal.waitFor("Paid: ", at);

  const lines = printedLines(terminal.output.slice(start));
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.equal(lines[0], "[Cup] Sold to scott at 6.00.");
  assert.match(
    lines[1]!,
    /^\[Cup\] Sale at 6\.00: your payment details are needed \(name, card, expiry, address\) before the server's deadline: by about \d\d:\d\d if it waits the default 300 s\.$/,
  );
  assert.equal(lines[2], "[Cup] Payment details sent (card ************4444).");
  assert.equal(
    lines[3],
    "[Cup] Paid: 5.40 credited to card ************4444 (6.00 less the 10% fee); " +
      "ship to Scott Tiger, 1 Main St.",
  );
  terminal.end();
  await running;
});

/** A fake client that reports each payment as the real one does ("sent", masked card). */
function reportingClient(shell: Shell, pending: { item: string }[]) {
  const { client, paid } = fakeShellClient({ pending });
  Object.assign(client, {
    pay: (item: string, details: PaymentDetails) => {
      const index = pending.findIndex((request) => request.item === item);
      if (index >= 0) pending.splice(index, 1);
      paid.push({ item, details });
      const card = `************${details.card.slice(-4)}`;
      shell.event({ type: "payment", action: "sent", item, rq: 601, card });
      return Promise.resolve("ok");
    },
  });
  return { client, paid };
}

function won(shell: Shell, item = "Kite"): void {
  shell.message(
    { type: "WINNER", rq: 600, item, finalPrice: 4050, seller: "jas" },
    "",
    "tcp",
    item,
  );
  shell.message({ type: "INFORM_Req", rq: 601, item, finalPrice: 4050 }, "", "tcp", item);
  shell.event({ ...needed(item, 601), finalPrice: 4050 } as ClientEvent);
}

Deno.test("one Ctrl-C at a payment question warns that quitting cancels the sale; a second one soon after quits", async () => {
  const terminal = new FakeTerminal();
  let nowMs = 0;
  const shell = new Shell(terminal, { nowMs: () => nowMs });
  const { client } = fakeShellClient({ pending: [{ item: "Kite" }] });
  let quit = false;
  const running = shell.run(client).then(() => void (quit = true));

  won(shell);
  let at = await terminal.waitFor("[Kite] Full name: ");
  terminal.type("\x03");
  at = await terminal.waitFor(
    "Quitting now cancels the sale of Kite: press Ctrl-C again within 3 s to quit anyway, " +
      "or go on answering.",
    at,
  );
  // The question is drawn again, and still takes the answer.
  at = await terminal.waitFor("[Kite] Full name: ", at);
  assert.equal(quit, false);
  // Too late for a confirmation: a Ctrl-C 4 s later warns again.
  nowMs = 4_000;
  terminal.type("\x03");
  at = await terminal.waitFor("Quitting now cancels the sale of Kite", at);
  assert.equal(quit, false);
  nowMs = 5_000;
  terminal.type("\x03");
  await running;
  assert.equal(quit, true);
});

Deno.test("quit with a sale waiting for answers asks to confirm as well", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal, { nowMs: () => 0 });
  const { client } = fakeShellClient({ pending: [{ item: "Kite" }] });
  const running = shell.run(client);
  terminal.type("quit\r");
  await terminal.waitFor("type quit again within 3 s to quit anyway");
  terminal.type("quit\r");
  await running;
});

Deno.test("quit with an open auction this client sells asks to confirm, naming it", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal, { nowMs: () => 0 });
  const { client } = fakeShellClient({ pending: [] });
  client.items.listed({
    item: "Vase",
    description: "blue",
    startPriceCents: 1000,
    duration: { amount: 5, unit: "m" },
    durationUnit: "m",
  }, 0);
  const running = shell.run(client);
  terminal.type("quit\r");
  await terminal.waitFor(
    "You sell Vase, still open. At the end the server connects to this client for the sale, " +
      "which is cancelled if nobody answers: type quit again within 3 s to quit anyway.",
  );
  terminal.type("quit\r");
  await running;
});

Deno.test("a command typed at a payment question is not taken as the answer", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client, paid } = fakeShellClient({ pending: [{ item: "Kite" }] });
  client.items.record(
    { type: "WINNER", rq: 600, item: "Kite", finalPrice: 4050, seller: "jas" },
    0,
  );
  const running = shell.run(client);

  won(shell);
  let at = await terminal.waitFor("[Kite] Full name: ");
  terminal.type("items\r");
  at = await terminal.waitFor(
    '"items" is a command: type /items to run it (this question waits), ' +
      'or type "items" again to answer with it.',
    at,
  );
  at = await terminal.waitFor("[Kite] Full name: ", at);
  // A leading slash runs the command; the question waits.
  terminal.type("/items\r");
  at = await terminal.waitFor("ITEM  PRICE  LEADER  TIME LEFT  STATUS", at);
  at = await terminal.waitFor("[Kite] Full name: ", at);
  terminal.type("Scott Tiger\r");
  at = await terminal.waitFor("[Kite] Card number: ", at);
  terminal.type("4111111111111111\r");
  at = await terminal.waitFor("[Kite] Card expiry (MM/YY): ", at);
  terminal.type("12/39\r");
  at = await terminal.waitFor("[Kite] Shipping address: ", at);
  // Typed twice, a command name is the answer after all (not help: help explains the question).
  terminal.type("items\r");
  at = await terminal.waitFor('type "items" again to answer with it', at);
  terminal.type("items\r");
  await terminal.waitFor("scott> ", at);
  await Promise.resolve();
  assert.equal(paid[0]?.details.fullName, "Scott Tiger");
  assert.equal(paid[0]?.details.address, "items");
  terminal.end();
  await running;
});

Deno.test("a server restart during the payment questions keeps the answers and says so in one line", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Kite" }];
  const { client, paid } = reportingClient(shell, pending);
  const running = shell.run(client);
  const start = terminal.output.length;

  won(shell);
  let at = await terminal.waitFor("[Kite] Full name: ");
  terminal.type("Scott Tiger\r");
  at = await terminal.waitFor("[Kite] Card number: ", at);
  // The server restarts and connects again: WINNER and INFORM_Req with the same RQ#s.
  won(shell);
  at = await terminal.waitFor("[Kite] The server restarted; the sale goes on.", at);
  for (
    const [answer, next] of [
      ["4111111111111111", "[Kite] Card expiry (MM/YY): "],
      ["12/39", "[Kite] Shipping address: "],
      ["1 Main St", "Payment details sent"],
    ]
  ) {
    terminal.type(`${answer}\r`);
    at = await terminal.waitFor(next!, at);
  }
  // Restarted again after the answers went out: they are sent again, without asking.
  pending.push({ item: "Kite" });
  won(shell);
  at = await terminal.waitFor("[Kite] The server restarted; the sale goes on.", at);
  await waitUntil(() => paid.length >= 2, "the answers sent again");
  assert.deepEqual(paid[1]!.details, paid[0]!.details);

  const lines = printedLines(terminal.output.slice(start));
  assert.deepEqual(lines.map((line) => line.replace(/about \S+ /, "about T ")), [
    "[Kite] Auction closed: you won at 40.50! Seller: jas.",
    "[Kite] Sale at 40.50: your payment details are needed (name, card, expiry, address) " +
    "before the server's deadline: by about T if it waits the default 300 s.",
    "[Kite] The server restarted; the sale goes on.",
    "[Kite] Payment details sent (card ************1111).",
    "[Kite] The server restarted; the sale goes on.",
  ]);
  assert.doesNotMatch(terminal.output, /4111111111111111/);
  terminal.end();
  await running;
});

Deno.test("the buyer sees PAID as what was charged, to which card, and who ships where", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = reportingClient(shell, [{ item: "Kite" }]);
  const running = shell.run(client);

  won(shell);
  let at = 0;
  for (
    const [question, answer] of [
      ["[Kite] Full name: ", "Scott Tiger"],
      ["[Kite] Card number: ", "4111111111111111"],
      ["[Kite] Card expiry (MM/YY): ", "12/39"],
      ["[Kite] Shipping address: ", "1 Main St"],
    ]
  ) {
    at = await terminal.waitFor(question!, at);
    terminal.type(`${answer}\r`);
  }
  at = await terminal.waitFor("Payment details sent", at);
  shell.message(
    { type: "PAID", rq: 602, item: "Kite", finalPrice: 4050, cardLast4: "1111" },
    "PAID 602 Kite 40.50 1111",
    "tcp",
    "Kite",
  );
  await terminal.waitFor("[Kite] Paid 40.50 with card ending 1111; jas ships to 1 Main St.\n", at);
  terminal.end();
  await running;
});

Deno.test("a declined card reads as a sentence; the seller never sees the buyer's digits", async (t) => {
  const reason = "Payment declined: buyer's card ending 0002 was declined";
  for (
    const [side, expected] of [
      ["buyer", "[Kite] Sale cancelled: your card ending 0002 was declined."],
      ["seller", "[Kite] Sale cancelled: the buyer's card was declined."],
    ]
  ) {
    await t.step(side!, async () => {
      const terminal = new FakeTerminal();
      const shell = new Shell(terminal);
      const { client } = fakeShellClient({ pending: [] });
      const running = shell.run(client);
      const opened = side === "buyer"
        ? { type: "WINNER", rq: 600, item: "Kite", finalPrice: 4050, seller: "jas" }
        : { type: "SOLD", rq: 600, item: "Kite", finalPrice: 4050, buyer: "scott" };
      shell.message(opened as never, "", "tcp", "Kite");
      shell.message({ type: "CANCEL", rq: 603, reason }, "", "tcp", "Kite");
      await terminal.waitFor(`${expected}\n`);
      if (side === "seller") assert.doesNotMatch(terminal.output, /0002/);
      terminal.end();
      await running;
    });
  }
});

Deno.test("unsubscribe and refuse print success only once done, never before a refusal", async (t) => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  // Each command's outcome is settled by the test: "ok" is the engine's `sent` (no refusal
  // came within the first retransmission delay), "refused" a DENIED that came first.
  const outcomes: ((result: string) => void)[] = [];
  Object.assign(client, {
    execute: () => new Promise((resolve) => outcomes.push(resolve)),
  });
  client.items.record(
    { type: "NEGOTIATE_REQ", rq: 1, item: "Vase", currentPrice: 1500, timeLeft: 30 },
    0,
  );
  client.items.record(
    {
      type: "AUCTION_ANNOUNCE",
      rq: 2,
      item: "Lamp",
      description: "",
      currentPrice: 900,
      timeLeft: 30,
    },
    0,
  );
  const running = shell.run(client);
  let at = await terminal.waitFor("scott> ");

  await t.step("a refused REFUSE prints the refusal alone", async () => {
    terminal.type("refuse Vase\r");
    at = await terminal.waitFor("refuse Vase\n", at);
    await waitUntil(() => outcomes.length === 1, "the command to run");
    shell.message({ type: "DENIED", rq: 7, reason: "Auction closed" }, "", "udp");
    outcomes.shift()!("refused");
    at = await terminal.waitFor("Refused: Auction closed", at);
    await Promise.resolve();
    assert.doesNotMatch(terminal.output, /Price kept/);
  });

  await t.step("a REFUSE with no refusal: the price kept, once done", async () => {
    terminal.type("refuse Vase\r");
    at = await terminal.waitFor("refuse Vase\n", at);
    await waitUntil(() => outcomes.length === 1, "the command to run");
    assert.doesNotMatch(terminal.output.slice(at), /Price kept/);
    outcomes.shift()!("ok");
    at = await terminal.waitFor("[Vase] Price kept at 15.00.\n", at);
  });

  await t.step("unsubscribe from an item heard of, and from one never heard of", async () => {
    terminal.type("unsubscribe Lamp\r");
    at = await terminal.waitFor("unsubscribe Lamp\n", at);
    await waitUntil(() => outcomes.length === 1, "the command to run");
    assert.doesNotMatch(terminal.output.slice(at), /Unsubscribed/);
    outcomes.shift()!("ok");
    at = await terminal.waitFor("[Lamp] Unsubscribed.\n", at);

    terminal.type("unsubscribe Nope\r");
    at = await terminal.waitFor("unsubscribe Nope\n", at);
    await waitUntil(() => outcomes.length === 1, "the command to run");
    outcomes.shift()!("ok");
    at = await terminal.waitFor(
      "[Nope] Unsubscribe sent, but this client never heard of Nope: " +
        "there may have been no subscription to end.\n",
      at,
    );
    assert.doesNotMatch(terminal.output, /\[Nope\] Unsubscribed/);
  });

  await t.step("the engine's `sent` report adds nothing", () => {
    const before = terminal.output.length;
    shell.event({ type: "sent", request: "DE-SUBSCRIBE", rq: 5, raw: "DE-SUBSCRIBE 5 Lamp" });
    shell.event({ type: "sent", request: "REFUSE", rq: 6, raw: "REFUSE 6 Vase REJECT" });
    assert.doesNotMatch(terminal.output.slice(before), /sent/);
  });
  terminal.end();
  await running;
});

Deno.test("the shell shows control and bidirectional characters of the server's text escaped", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  const running = shell.run(client);
  // The codec refuses these characters in text fields; the shell escapes them anyway.
  shell.message(
    { type: "CANCEL", rq: 5, reason: "Card \u202edeclined\x1b[2J\u009b" },
    "",
    "tcp",
    "Kite",
  );
  shell.message(
    { type: "Shipping_Info", rq: 6, name: "Ann\r", address: "1 Main St\u2066" },
    "",
    "tcp",
    "Kite",
  );
  await terminal.waitFor("[Kite] Sale cancelled: card \\u202edeclined\\u001b[2J\\u009b");
  await terminal.waitFor("Ann\\u000d, 1 Main St\\u2066");
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(terminal.output, /[\u202e\u2066\u009b]|\x1b\[2J|Ann\r/);
  terminal.end();
  await running;
});

Deno.test("periodic announcements print only what changed", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  const running = shell.run(client);
  const start = terminal.output.length;
  const announce = (rq: number, currentPrice: number, timeLeft: number) =>
    shell.message(
      { type: "AUCTION_ANNOUNCE", rq, item: "Kite", description: "Red", currentPrice, timeLeft },
      "",
      "udp",
    );
  announce(1, 2000, 1800);
  announce(2, 2000, 1740);
  announce(3, 2000, 1680);
  announce(4, 2500, 1620);
  announce(5, 2500, 1560);
  await terminal.waitFor("at 25.00");
  assert.deepEqual(printedLines(terminal.output.slice(start)), [
    '[Kite] "Red" at 20.00, 30m 00s left',
    '[Kite] "Red" at 25.00, 27m 00s left',
  ]);
  terminal.end();
  await running;
});

Deno.test("the shell explains a refused session key instead of quoting the refusal", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  Object.defineProperty(client, "hasSession", { value: true });
  const running = shell.run(client);
  const from = terminal.output.length;
  shell.message({ type: "BID_REJECTED", rq: 9, reason: "Session key missing or wrong" }, "");
  shell.event({
    type: "session",
    action: "lost",
    user: "scott",
    cause: "key",
    reason: "Session key missing or wrong",
  });
  await terminal.waitFor(
    "Not done. The server did not accept this client's session key: another client may have " +
      'logged in as scott. Type "login" to take the session back here.',
    from,
  );
  assert.doesNotMatch(terminal.output.slice(from), /Refused|BID_REJECTED/);
  terminal.end();
  await running;
});

Deno.test("help prints every command with its summary in one column", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeShellClient({ pending: [] });
  const running = shell.run(client);
  const start = terminal.output.length;
  terminal.type("help\r");
  await terminal.waitFor("this list");
  const lines = printedLines(terminal.output.slice(start)).slice(1); // After the echoed line.
  const column = (line: string) => line.search(/ {2}\S/) + 2;
  assert.ok(lines.some((line) => line.startsWith("autobid ")));
  assert.ok(lines.some((line) => line.startsWith("pay ")));
  assert.equal(new Set(lines.map(column)).size, 1, lines.join("\n"));
  assert.ok(!lines.some((line) => line.startsWith("wait")));
  terminal.end();
  await running;
});

Deno.test("the shell does not call a command slow while it waits for an answer typed here", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal, { slowCommandMs: 20 });
  const { client } = fakeShellClient({ pending: [] });
  const never = Promise.withResolvers<string>();
  Object.assign(client, {
    execute: async () => {
      await shell.ask("Your role (buyer or seller): ", (text) => text);
      return await never.promise;
    },
  });
  const running = shell.run(client);
  terminal.type("register\r");
  const asked = await terminal.waitFor("Your role (buyer or seller): ");
  // Time passes, several times the slow delay, with the question unanswered: the delay itself
  // is what is tested here.
  const startedMs = Date.now();
  await waitUntil(() => Date.now() - startedMs >= 100, "100 ms to pass", 1000);
  assert.doesNotMatch(terminal.output, /No answer yet/);
  terminal.type("buyer\r");
  // Once answered, the request is out: a slow answer is reported.
  await terminal.waitFor("No answer yet to register", asked);
  never.resolve("ok");
  terminal.end();
  await running;
});
