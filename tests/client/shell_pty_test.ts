/**
 * The shell driven through a pseudo-terminal (`script` allocates it): the bundled client
 * talks to a scripted fake server, so the test decides exactly when a push arrives, even
 * while a command is half typed.
 */
import assert from "node:assert/strict";
import { bundleCommand, ensureBundle } from "../_support/client_process.ts";
import { Screen } from "../_support/screen.ts";

const UTF8 = new TextEncoder();

/** The fake server's answer to a request line, or null for none (default: {@linkcode answer}). */
type Answerer = (line: string) => string | null;

/** Answers PING, REGISTER, LOGIN (as a buyer), SUBSCRIBE and BID, with no session key. */
function answer(line: string): string | null {
  const [type = "", rq] = line.split(" ");
  const replies: Record<string, string> = {
    PING: `PONG ${rq}`,
    REGISTER: `REGISTERED ${rq}`,
    LOGIN: `LOGIN_SUCCESS ${rq} role=buyer`,
    SUBSCRIBE: `SUBSCRIBED ${rq}`,
    BID: `BID_ACCEPTED ${rq}`,
  };
  return replies[type] ?? null;
}

/** Answers requests (see {@linkcode answer}), records them, and can push to the client. */
class FakeServer {
  readonly socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly requests: string[] = [];
  client?: Deno.NetAddr;
  answer: Answerer;

  constructor(answerer: Answerer = answer) {
    this.answer = answerer;
  }
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
      const reply = this.answer(line);
      if (reply) await this.socket.send(UTF8.encode(reply), this.client);
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
  readonly #ownsConfigHome: boolean;
  /** The client's XDG_CONFIG_HOME (its password folder is `auction-client` inside). */
  readonly configHome: string;

  /**
   * Runs the bundle with `args` and the documented permissions of its password folder in
   * `options.configHome` (default: a temporary folder of its own); `passwordFolder: false`
   * runs it with network permission only; `columns`: the pseudo-terminal's width (default 0,
   * which a terminal reports when it does not know).
   */
  constructor(
    args: string[],
    options: { configHome?: string; passwordFolder?: boolean; columns?: number } = {},
  ) {
    this.#ownsConfigHome = options.configHome === undefined;
    this.configHome = options.configHome ?? Deno.makeTempDirSync({ prefix: "auction-client-" });
    const permitted = options.passwordFolder === false ? undefined : this.configHome;
    const command = [Deno.execPath(), ...bundleCommand(args, permitted)]
      .map((word) => `'${word}'`).join(" ");
    const size = options.columns === undefined ? "" : `stty cols ${options.columns} rows 24; `;
    const process = new Deno.Command("script", {
      args: ["--quiet", "--flush", "--return", "--command", `${size}exec ${command}`, "/dev/null"],
      env: { XDG_CONFIG_HOME: this.configHome },
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
    this.#removeConfigHome();
    return status.code;
  }

  kill(): void {
    try {
      this.#process.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    this.#removeConfigHome();
  }

  #removeConfigHome(): void {
    if (!this.#ownsConfigHome) return;
    try {
      Deno.removeSync(this.configHome, { recursive: true });
    } catch {
      // Already removed.
    }
  }
}

/** The shell of buyer ann, talking to `server`, in a terminal `columns` wide if given. */
function annShell(server: FakeServer, columns?: number): PtyClient {
  return new PtyClient(
    ["--server", `127.0.0.1:${server.port}`, "--name", "ann", "--role", "buyer"],
    { columns },
  );
}

Deno.test("the shell registers, bids, prints a push without garbling the typed line, and asks for payment with the card masked", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server);
  try {
    await shell.waitForOutput("ann> ");

    await shell.type("register\r");
    const registered = await server.waitForRequest(/^REGISTER /);
    // Always with a password: one the client made up (24 URL-safe characters) and kept.
    assert.match(registered, /^REGISTER \d+ ann buyer 127\.0\.0\.1 \d+ \d+ [\w-]{24}$/);
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
    const outbid = await shell.waitForOutput("Bid accepted.", push);

    // BID_ACCEPTED alone (no push followed) makes ann the leader at her bid.
    await shell.type("items\r");
    await shell.waitForOutput("Kite  45.00  ann (you)", outbid);

    // At the close, the server connects: the shell asks for the payment details.
    const tcpPort = Number(registered.split(" ").at(-2));
    const sale = await Deno.connect({ hostname: "127.0.0.1", port: tcpPort });
    try {
      await sale.write(UTF8.encode("WINNER 600 Kite 45.00 jas\nINFORM_Req 601 Kite 45.00\n"));
      await shell.waitForOutput("[Kite] Auction closed: you won at 45.00! Seller: jas.");
      // One line says what is needed and by when; no separate "requested" or "enter" lines.
      await shell.waitForOutput(
        "[Kite] Sale at 45.00: your payment details are needed (name, card, expiry, address) " +
          "before the server's deadline: by about ",
      );
      await shell.waitForOutput("[Kite] Full name: ");
      assert.doesNotMatch(shell.output, /Payment details requested|Enter the missing/);
      await shell.type("Ann Buyer\r");
      const asked = await shell.waitForOutput("Card number: ");
      await shell.type("4111 1111 1111 1112\r");
      await shell.waitForOutput("Card number: **** **** **** ****\r\n", asked);
      await shell.waitForOutput("not a valid card number, check the digits");
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
    // The password never reached the screen.
    assert.equal(shell.output.includes(registered.split(" ").at(-1)!), false);
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
  // REGISTER RQ# Name Role IP UDP_Port TCP_Port Password
  return Number(registered.split(" ")[6]);
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

const K1 = "11111111111111111111111111111111";
const K2 = "22222222222222222222222222222222";

Deno.test("login on the same machine needs no typing and no role, and a refused key says what to do", async () => {
  await ensureBundle();
  const server = new FakeServer((line) => {
    const [type, rq] = line.split(" ");
    if (type === "REGISTER") return `REGISTERED ${rq} key=${K1}`;
    if (type === "LOGIN") return `LOGIN_SUCCESS ${rq} role=buyer key=${K2}`;
    if (type === "BID") return `BID_REJECTED ${rq} Session key missing or wrong`;
    return answer(line);
  });
  const configHome = await Deno.makeTempDir({ prefix: "auction-client-" });
  const args = ["--server", `127.0.0.1:${server.port}`, "--name", "ann"];
  const first = new PtyClient(args, { configHome });
  let second: PtyClient | undefined;
  try {
    // --name without --role: no question at start; the role is asked at register.
    await first.waitForOutput("ann> ");
    assert.doesNotMatch(first.output, /role/i);
    await first.type("register\r");
    await first.waitForOutput("Your role (buyer or seller, or cancel): ");
    await first.type("buyer\r");
    const register = await server.waitForRequest(/^REGISTER /);
    const password = /^REGISTER \d+ ann buyer 127\.0\.0\.1 \d+ \d+ ([\w-]{24})$/.exec(register)
      ?.[1];
    assert.ok(password, register);
    await first.waitForOutput("Registered.");
    await first.waitForOutput(
      `A password for ann was made up and kept in ${configHome}/auction-client/` +
        `127.0.0.1_${server.port}_ann.json: "login" on this machine needs no typing.`,
    );
    await first.type("quit\r");
    assert.equal(await first.exitCode(), 0);

    // A second shell on this machine: login, and nothing to type but the command.
    second = new PtyClient(args, { configHome });
    await second.waitForOutput("ann> ");
    await second.type("login\r");
    await second.waitForOutput("Logged in as a buyer.");
    assert.match(
      await server.waitForRequest(/^LOGIN /),
      new RegExp(`^LOGIN \\d+ ann \\d+ ${password}$`),
    );
    assert.doesNotMatch(second.output, /role \(|[Pp]assword for/);

    // Every later request carries the key; a refused key is explained, not quoted.
    await second.type("bid Kite 30\r");
    assert.match(
      await server.waitForRequest(/^BID /),
      new RegExp(`^BID \\d+ Kite 30\\.00 key=${K2}$`),
    );
    await second.waitForOutput(
      "Not done. The server did not accept this client's session key: another client may have " +
        'logged in as ann. Type "login" to take the session back here.',
    );
    assert.doesNotMatch(second.output, /Refused \(BID_REJECTED\)/);
    await second.type("quit\r");
    assert.equal(await second.exitCode(), 0);
    for (const shell of [first, second]) {
      for (const secret of [password, K1, K2]) assert.equal(shell.output.includes(secret), false);
    }
  } finally {
    first.kill();
    second?.kill();
    await server.close();
    await Deno.remove(configHome, { recursive: true });
  }
});

Deno.test("without its password folder the shell says so and asks; a typed password never shows", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = new PtyClient(
    ["--server", `127.0.0.1:${server.port}`, "--name", "ann", "--role", "buyer"],
    { passwordFolder: false },
  );
  try {
    await shell.waitForOutput("ann> ");
    await shell.type("register\r");
    await shell.waitForOutput(
      "This client cannot keep a password for ann: it may not read XDG_CONFIG_HOME and HOME " +
        "(run it with --allow-env=XDG_CONFIG_HOME,HOME --allow-read=",
    );
    const asked = await shell.waitForOutput("Choose a password for ann: ");
    await shell.type("Typed-Secret9\r");
    await shell.waitForOutput("Choose a password for ann: *************\r\n", asked);
    assert.match(await server.waitForRequest(/^REGISTER /), / Typed-Secret9$/);
    await shell.waitForOutput("Registered.");

    // A password typed in a command is masked as typed, and kept out of the history.
    await shell.type("login ann Other-Secret8\r");
    await shell.waitForOutput("ann> login ann *************\r\n");
    assert.match(await server.waitForRequest(/^LOGIN /), / Other-Secret8$/);
    const loggedIn = await shell.waitForOutput("Logged in as a buyer.");
    // Up recalls the line before it: the login line with its password is not in the history.
    await shell.type("\x1b[A");
    await shell.waitForOutput("\r\x1b[2Kann> register", loggedIn);
    await shell.type("\x15login\r");
    // No password kept here: the shell asks, masked.
    const question = await shell.waitForOutput(
      `Password for ann at 127.0.0.1:${server.port}: `,
      loggedIn,
    );
    await shell.type("Third-Secret7\r");
    await shell.waitForOutput("*************\r\n", question);
    await server.waitForRequest(/^LOGIN .* Third-Secret7$/);
    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
    assert.doesNotMatch(shell.output, /Typed-Secret9|Other-Secret8|Third-Secret7/);
  } finally {
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
    assert.equal(shell.output.match(/you won at 45\.00/g)?.length, 1);
    assert.equal(shell.output.match(/your payment details are needed/g)?.length, 1);
    assert.doesNotMatch(shell.output.slice(restarted), /Full name/, "not asked again");
    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});

Deno.test("the shell says when the server does not answer at start, and when it does", async () => {
  await ensureBundle();
  let answering = false;
  const server = new FakeServer((line) => (answering ? answer(line) : null));
  const shell = annShell(server);
  try {
    await shell.waitForOutput("ann> ");
    assert.doesNotMatch(shell.output, /Connected/);
    await shell.waitForOutput(
      `No answer from the server at 127.0.0.1:${server.port} after 5 s: is it running, and is ` +
        "--server right? Still trying...",
      0,
      20_000, // A safety net: the line comes 5 s after the start.
    );
    answering = true;
    await shell.waitForOutput(`The server at 127.0.0.1:${server.port} answers now.`, 0, 30_000);
    await shell.type("quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});

Deno.test("quitting at register's role question ends the shell at once, sending nothing", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = new PtyClient(["--server", `127.0.0.1:${server.port}`, "--name", "ann"]);
  try {
    await shell.waitForOutput("ann> ");
    await shell.type("register\r");
    await shell.waitForOutput("Your role (buyer or seller, or cancel): ");
    const quitMs = Date.now();
    await shell.type("\x04");
    assert.equal(await shell.exitCode(), 0);
    // Not held by the question's command for the 5 s that pending work may take to finish.
    assert.ok(Date.now() - quitMs < 4000, `took ${Date.now() - quitMs} ms`);
    assert.doesNotMatch(shell.output, /Error/);
    assert.equal(server.requests.some((line) => line.startsWith("REGISTER")), false);
  } finally {
    shell.kill();
    await server.close();
  }
});

Deno.test("cancel at register's role question drops the command, sending nothing; login then runs", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = new PtyClient(["--server", `127.0.0.1:${server.port}`, "--name", "ann"]);
  try {
    await shell.waitForOutput("ann> ");
    await shell.type("register\r");
    await shell.waitForOutput("Your role (buyer or seller, or cancel): ");
    await shell.type("login\r");
    await shell.waitForOutput("type buyer or seller, or type cancel to drop register, then login.");
    await shell.type("cancel\r");
    await shell.waitForOutput("register cancelled: nothing was sent");
    // login runs: with no password kept on this machine, it asks for one.
    await shell.type("login\r");
    await shell.waitForOutput("Password for ann at ");
    assert.equal(server.requests.some((line) => line.startsWith("REGISTER")), false);
  } finally {
    shell.kill();
    await server.close();
  }
});

Deno.test("a line longer than the terminal stays on one row, under a push", async () => {
  await ensureBundle();
  const server = new FakeServer();
  const shell = annShell(server, 20);
  try {
    await shell.waitForOutput("ann> ");
    await server.waitForRequest(/^PING /);
    const line = Array.from({ length: 100 }, (_, index) => "0123456789"[index % 10]).join("");
    await shell.type(`${line}#`);
    const typed = await shell.waitForOutput("#");
    await server.push("BID_UPDATE 500 Kite 40.00 bob 42");
    const push = await shell.waitForOutput("42s left", typed);
    await shell.waitForOutput("ann> ", push);

    // The terminal's own width (20 columns, not the fallback of 80): one row for the line.
    const screen = new Screen(20).write(shell.output);
    assert.deepEqual(screen.lines.slice(-3), [
      "[Kite] bob leads at",
      "40.00, 42s left",
      `ann> <${line.slice(-12)}#`,
    ]);
    assert.equal(screen.lines.filter((row) => row.includes("ann>")).length, 1, screen.text);
    await shell.type("\x15quit\r");
    assert.equal(await shell.exitCode(), 0);
  } finally {
    shell.kill();
    await server.close();
  }
});
