/**
 * The shell on a fake terminal with a fake client: what it asks, in which order, and what it
 * draws, without processes or sockets.
 */
import assert from "node:assert/strict";
import { Shell, type Terminal } from "../../client/shell.ts";
import type { PaymentDetails } from "../../client/payment.ts";
import type { AuctionClient } from "../../client/session.ts";
import type { ClientEvent } from "../../client/output.ts";
import { waitUntil } from "../_support/wait.ts";

const UTF8 = new TextEncoder();

/** A terminal whose keys the test types and whose drawing it reads. */
class FakeTerminal implements Terminal {
  output = "";
  readonly input: ReadableStream<Uint8Array>;
  #keys!: ReadableStreamDefaultController<Uint8Array>;
  #waiters: (() => void)[] = [];

  constructor() {
    this.input = new ReadableStream({ start: (controller) => void (this.#keys = controller) });
  }

  write(text: string): void {
    this.output += text;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  setRaw(_raw: boolean): void {}

  type(text: string): void {
    this.#keys.enqueue(UTF8.encode(text));
  }

  end(): void {
    this.#keys.close();
  }

  /** Waits until the output drawn after `from` contains `text`. */
  async waitFor(text: string, from = 0, timeoutMs = 5_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (!this.output.includes(text, from)) {
      if (Date.now() > deadline) throw new Error(`Never drawn: ${text}\n${this.output}`);
      await new Promise<void>((resolve) => {
        // Registered before the timer: Deno's setTimeout may run pending microtasks, whose
        // writes would otherwise find no waiter.
        const wait: { timer?: ReturnType<typeof setTimeout> } = {};
        this.#waiters.push(() => (clearTimeout(wait.timer), resolve()));
        wait.timer = setTimeout(resolve, deadline - Date.now());
      });
    }
    return this.output.indexOf(text, from) + text.length;
  }
}

/** The part of a client the shell's payment questions use; records what it pays. */
function fakeClient(pending: { item: string }[]) {
  const paid: { item: string; details: PaymentDetails }[] = [];
  const client = {
    name: "scott",
    flags: { serverHost: "127.0.0.1", serverPort: 5000, profile: {} },
    udpPort: 1,
    tcpPort: 2,
    get pendingPayments() {
      return pending;
    },
    pay(item: string, details: PaymentDetails) {
      const index = pending.findIndex((request) => request.item === item);
      if (index >= 0) pending.splice(index, 1);
      paid.push({ item, details });
      return Promise.resolve("ok");
    },
  };
  return { client: client as unknown as AuctionClient, paid };
}

function needed(item: string, rq: number): ClientEvent {
  return {
    type: "payment",
    action: "needed",
    item,
    rq,
    finalPrice: 600,
    deadlineMs: Date.now() + 300_000,
    missing: ["fullName", "card", "expiry", "address"],
  };
}

Deno.test("the shell asks a second INFORM_Req for the same item only once, never echoing the card", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const pending = [{ item: "Cup" }];
  const { client, paid } = fakeClient(pending);
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
  const { client, paid } = fakeClient([{ item: "Cup" }, { item: "Pot" }]);
  const running = shell.run(client);

  shell.event(needed("Cup", 1));
  shell.event(needed("Pot", 2));
  let at = 0;
  for (const item of ["Cup", "Pot"]) {
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
  const { client, paid } = fakeClient([{ item: "Cup" }]);
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
  const { client, paid } = fakeClient([{ item: "Cup" }]);
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
  const { client } = fakeClient([]);
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
  const { client } = fakeClient([]);
  const running = shell.run(client);

  terminal.type("help\r");
  let at = await terminal.waitFor("this list");
  // The address left unquoted: too many words. The line drawn after Enter shows the last four.
  terminal.type('pay Kite "Ann Lee" 4111111111111111 12/30 1 Main St\r');
  at = await terminal.waitFor("Too many words for pay", at);
  // A card where a role belongs: the error names the field, the card masked.
  terminal.type("register ann 4111-1111-1111-1111\r");
  at = await terminal.waitFor('Invalid Role "****-****-****-1111"', at);
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
  const { client } = fakeClient([]);
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
  const { client } = fakeClient([{ item: "Cup" }]);
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
  await terminal.waitFor("Paid: ship to", at);

  const lines = printedLines(terminal.output.slice(start));
  assert.equal(lines.length, 4, lines.join("\n"));
  assert.equal(lines[0], "[Cup] Sold to scott at 6.00.");
  assert.match(
    lines[1]!,
    /^\[Cup\] Sale at 6\.00: your payment details are needed by .+ \(name, card, expiry, address\)\.$/,
  );
  assert.equal(lines[2], "[Cup] Payment details sent (card ************4444).");
  assert.equal(lines[3], "[Cup] Paid: ship to Scott Tiger, 1 Main St.");
  terminal.end();
  await running;
});

Deno.test("the shell shows control and bidirectional characters of the server's text escaped", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeClient([]);
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
  await terminal.waitFor("[Kite] Sale cancelled: Card \\u202edeclined\\u001b[2J\\u009b");
  await terminal.waitFor("Ann\\u000d, 1 Main St\\u2066");
  // deno-lint-ignore no-control-regex
  assert.doesNotMatch(terminal.output, /[\u202e\u2066\u009b]|\x1b\[2J|Ann\r/);
  terminal.end();
  await running;
});

Deno.test("the shell explains a refused session key instead of quoting the refusal", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal);
  const { client } = fakeClient([]);
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

Deno.test("the shell does not call a command slow while it waits for an answer typed here", async () => {
  const terminal = new FakeTerminal();
  const shell = new Shell(terminal, { slowCommandMs: 20 });
  const { client } = fakeClient([]);
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
