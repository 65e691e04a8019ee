/**
 * The shell driven through a pseudo-terminal (`script` allocates it): the bundled client
 * talks to a scripted fake server, so the test decides exactly when a push arrives, even
 * while a command is half typed.
 */
import assert from "node:assert/strict";
import { bundleCommand, ensureBundle } from "../_support/client_process.ts";

const UTF8 = new TextEncoder();

/** Answers REGISTER and BID, records requests, and can push to the client. */
class FakeServer {
  readonly socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly requests: string[] = [];
  client?: Deno.NetAddr;
  #waiters: (() => void)[] = [];
  #loop = this.#serve();

  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  async push(line: string): Promise<void> {
    await this.socket.send(UTF8.encode(line), this.client!);
  }

  /** Waits for a request whose line matches `pattern`. */
  async waitForRequest(pattern: RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.requests.find((line) => pattern.test(line));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`No request ${pattern}: ${this.requests}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async close(): Promise<void> {
    this.socket.close();
    await this.#loop;
  }

  async #serve(): Promise<void> {
    while (true) {
      let datagram;
      try {
        datagram = await this.socket.receive();
      } catch {
        return;
      }
      const line = new TextDecoder().decode(datagram[0]);
      this.client = datagram[1] as Deno.NetAddr;
      this.requests.push(line);
      const [type, rq] = line.split(" ");
      const reply = type === "REGISTER" ? "REGISTERED" : type === "BID" ? "BID_ACCEPTED" : null;
      if (reply) await this.socket.send(UTF8.encode(`${reply} ${rq}`), this.client);
      for (const wake of this.#waiters.splice(0)) wake();
    }
  }
}

/** The client in a pseudo-terminal, with everything it drew. */
class PtyClient {
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pump: Promise<void>;
  output = "";
  #waiters: (() => void)[] = [];

  constructor(args: string[]) {
    const command = [Deno.execPath(), ...bundleCommand(args)].map((word) => `'${word}'`).join(" ");
    const process = new Deno.Command("script", {
      args: ["--quiet", "--flush", "--return", "--command", command, "/dev/null"],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#process = process;
    this.#stdin = process.stdin.getWriter();
    this.#pump = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of process.stdout) {
        this.output += decoder.decode(chunk, { stream: true });
        for (const wake of this.#waiters.splice(0)) wake();
      }
    })();
  }

  async type(text: string): Promise<void> {
    await this.#stdin.write(UTF8.encode(text));
  }

  /** Waits until the output holds `text` (after index `from`); returns where it starts. */
  async waitForOutput(text: string, from = 0, timeoutMs = 10_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const index = this.output.indexOf(text, from);
      if (index >= 0) return index;
      if (Date.now() > deadline) {
        throw new Error(`No ${JSON.stringify(text)} in output:\n${JSON.stringify(this.output)}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.#waiters.push(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  async exitCode(): Promise<number> {
    const status = await this.#process.status;
    await this.#pump;
    await this.#stdin.close().catch(() => {});
    await this.#process.stderr.cancel();
    return status.code;
  }

  kill(): void {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/** The shell of buyer ann, talking to `server`. */
function annShell(server: FakeServer): PtyClient {
  return new PtyClient([
    "--server",
    `127.0.0.1:${server.port}`,
    "--name",
    "ann",
    "--role",
    "buyer",
  ]);
}

Deno.test("the shell registers, bids, prints a push without garbling the typed line, and asks for payment with the card masked", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server);
  try {
    await shell.waitForOutput("ann> ");

    await shell.type("register\r");
    const registered = await server.waitForRequest(/^REGISTER /);
    assert.match(registered, /^REGISTER \d+ ann buyer 127\.0\.0\.1 \d+ \d+$/);
    await shell.waitForOutput("Registered.");

    await shell.type("bid Kite 30\r");
    assert.match(await server.waitForRequest(/^BID /), /^BID \d+ Kite 30\.00$/);
    const accepted = await shell.waitForOutput("Bid accepted.");

    // Half a command typed, then a push arrives.
    await shell.type("bid Kite 4");
    await shell.waitForOutput("ann> bid Kite 4", accepted);
    await server.push("BID_UPDATE 500 Kite 40.00 bob 42");
    const push = await shell.waitForOutput("[Kite] bob leads at 40.00, 42s left", accepted);
    // The push is printed on a cleared line, and the half-typed line is drawn again below it.
    await shell.waitForOutput(
      "\r\x1b[2K[Kite] bob leads at 40.00, 42s left\r\n\r\x1b[2Kann> bid Kite 4",
      push - "\r\x1b[2K".length,
    );

    // Finishing the line sends exactly what was typed, around the push.
    await shell.type("5\r");
    await server.waitForRequest(/^BID \d+ Kite 45\.00$/);

    await shell.type("items\r");
    await shell.waitForOutput("Kite  40.00  bob");

    // At the close, the server connects: the shell asks for the payment details.
    const tcpPort = Number(registered.split(" ").at(-1));
    const sale = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    try {
      await sale.write(UTF8.encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n"));
      await shell.waitForOutput("[Kite] You won at 45.00! Seller: jas.");
      // One line says what is needed and by when; no separate "requested" or "enter" lines.
      await shell.waitForOutput("[Kite] Sale at 45.00: your payment details are needed by ");
      await shell.waitForOutput(" (name, card, expiry, address).");
      await shell.waitForOutput("[Kite] Full name: ");
      assert.doesNotMatch(shell.output, /Payment details requested|Enter the missing/);
      await shell.type("Ann Buyer\r");
      const asked = await shell.waitForOutput("Card number: ");
      await shell.type("4111 1111 1111 1112\r");
      await shell.waitForOutput("Card number: **** **** **** ****\r\n", asked);
      await shell.waitForOutput("Luhn");
      await shell.type("4111 1111 1111 1111\r");
      await shell.waitForOutput("Card expiry (MM/YY): ");
      // The card is masked as typed: no digit of it reaches the screen.
      assert.doesNotMatch(shell.output.slice(asked), /4111|1112/);
      await shell.type("12/39\r");
      await shell.waitForOutput("Shipping address: ");
      await shell.type("2 Side St, Springfield\r");
      const buffer = new Uint8Array(256);
      const count = await sale.read(buffer);
      assert.equal(
        new TextDecoder().decode(buffer.subarray(0, count!)),
        'INFORM_Res 601 "Ann Buyer" 4111111111111111 12/39 2 Side St, Springfield\n',
      );
      await shell.waitForOutput("[Kite] Payment details sent (card ************1111).");
    } finally {
      sale.close();
    }

    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});

Deno.test("the shell draws a log line above the prompt, not after it", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server);
  try {
    await shell.waitForOutput("ann> ");
    await shell.type("register ann buyer\r");
    const registered = await server.waitForRequest(/^REGISTER /);
    const answered = await shell.waitForOutput("Registered.");
    // A reply to an RQ# the client never sent: it logs a warning and ignores it.
    await server.push(`REGISTERED ${Number(registered.split(" ")[1]) + 1000}`);
    const warning = await shell.waitForOutput("WARNING Ignoring a reply", answered);
    // The line was cleared, then only the timestamp comes before "WARNING" (no prompt).
    const before = shell.output.slice(answered, warning);
    const line = before.slice(before.lastIndexOf("\r\x1b[2K")).replace("\r\x1b[2K", "<clear>");
    assert.match(line, /^<clear>\S+ $/);
    await shell.waitForOutput("\r\n\r\x1b[2Kann> ", warning);
    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});

/** Registers ann's shell with `server`; returns the TCP port it declared. */
async function registerAnn(shell: PtyClient, server: FakeServer): Promise<number> {
  await shell.waitForOutput("ann> ");
  await shell.type("register\r");
  const registered = await server.waitForRequest(/^REGISTER /);
  await shell.waitForOutput("Registered.");
  return Number(registered.split(" ").at(-1));
}

async function readLine(connection: Deno.TcpConn): Promise<string> {
  const buffer = new Uint8Array(512);
  const count = await connection.read(buffer);
  return new TextDecoder().decode(buffer.subarray(0, count ?? 0));
}

Deno.test("Ctrl-C at a payment question warns before quitting, and a command there is not the answer", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server);
  let sale: Deno.TcpConn | undefined;
  try {
    const tcpPort = await registerAnn(shell, server);
    sale = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    await sale.write(UTF8.encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n"));
    let at = await shell.waitForOutput("[Kite] Full name: ");
    await shell.type("items\r");
    at = await shell.waitForOutput('"items" is a command: type /items to run it', at);
    await shell.type("/items\r");
    at = await shell.waitForOutput("won at 45.00 from jas", at);
    at = await shell.waitForOutput("[Kite] Full name: ", at);

    await shell.type("\x03");
    at = await shell.waitForOutput("Quitting now cancels the sale of Kite: press Ctrl-C again", at);
    // Still running: the question takes the answer.
    await shell.type("Ann Buyer\r");
    at = await shell.waitForOutput("[Kite] Card number: ", at);

    // An answer typed since the warning: a Ctrl-C warns again, and a second one right after quits.
    await shell.type("\x03");
    at = await shell.waitForOutput("Quitting now cancels the sale of Kite", at);
    await shell.type("\x03");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    sale?.close();
    shell.kill();
    await server.close();
  }
});

Deno.test("a server restart during the payment questions keeps the answers typed and says so once", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server);
  try {
    const tcpPort = await registerAnn(shell, server);
    const saleLines = UTF8.encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n");
    let restarted = 0;
    const before = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    await before.write(saleLines);
    let at = await shell.waitForOutput("[Kite] Full name: ");
    await shell.type("Ann Buyer\r");
    at = await shell.waitForOutput("[Kite] Card number: ", at);
    // The server stops, starts again, and asks again on a new connection with the same RQ#s.
    before.close();
    const after = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    try {
      await after.write(saleLines);
      at = await shell.waitForOutput("[Kite] The server restarted; the sale goes on.", at);
      restarted = at;
      await shell.waitForOutput("[Kite] Card number: ", at);
      await shell.type("4111111111111111\r");
      at = await shell.waitForOutput("[Kite] Card expiry (MM/YY): ", at);
      await shell.type("12/39\r");
      at = await shell.waitForOutput("[Kite] Shipping address: ", at);
      await shell.type("1 Main St\r");
      assert.equal(
        await readLine(after),
        'INFORM_Res 601 "Ann Buyer" 4111111111111111 12/39 1 Main St\n',
      );
      await shell.waitForOutput("[Kite] Payment details sent (card ************1111).", at);
    } finally {
      after.close();
    }
    assert.equal(shell.output.match(/You won at 45\.00/g)?.length, 1);
    assert.equal(shell.output.match(/your payment details are needed by/g)?.length, 1);
    assert.doesNotMatch(shell.output.slice(restarted), /Full name/, "not asked again");
    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});
