/**
 * The original project's Python client (`../shared/interop/seed-client/udp_client.py`, kept
 * unchanged) as a process the e2e tests drive through `drive_seed_client.py`: commands on stdin,
 * one `@@ event` line per thing the client understood on stdout, the client's own output on stderr.
 * @module
 */

const ROOT = new URL("../../../", import.meta.url).pathname;
const DRIVER = new URL("./drive_seed_client.py", import.meta.url).pathname;
/** The original client, beside the repository (the CI clone has `../shared` there too). */
export const SEED_CLIENT_DIR = `${ROOT}../shared/interop/seed-client`;

/** Fails clearly when python3 or the original client is missing. */
export async function assertSeedClientAvailable(): Promise<void> {
  try {
    const { success } = await new Deno.Command("python3", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).output();
    if (!success) throw new Error("python3 --version failed");
  } catch (error) {
    throw new Error(
      `python3 is needed to run the original project's client: ${
        error instanceof Error ? error.message : error
      }`,
    );
  }
  try {
    await Deno.stat(`${SEED_CLIENT_DIR}/udp_client.py`);
  } catch {
    throw new Error(
      `The original project's client is missing: expected ${SEED_CLIENT_DIR}/udp_client.py ` +
        "(../shared beside the repository root)",
    );
  }
}

/** Who the client is and how it answers INFORM_Req. */
export interface SeedClientOptions {
  serverUdpPort: number;
  serverTcpPort: number;
  /** The user name it registers. */
  name: string;
  role: "buyer" | "seller";
  /** Its answers to the payment prompts. */
  fullName: string;
  card: string;
  expiry: string;
  address: string;
}

/** One running client. */
export class SeedClient {
  /** The `@@` events so far, without the `@@ `. */
  readonly events: string[] = [];
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pumps: Promise<unknown>;
  #log = "";
  #waiters = new Set<() => void>();

  constructor(options: SeedClientOptions) {
    this.#process = new Deno.Command("python3", {
      args: [
        "-u",
        "-B",
        DRIVER,
        "--client-dir",
        SEED_CLIENT_DIR,
        "--server-udp-port",
        String(options.serverUdpPort),
        "--server-tcp-port",
        String(options.serverTcpPort),
        "--name",
        options.name,
        "--role",
        options.role,
        "--full-name",
        options.fullName,
        "--card",
        options.card,
        "--expiry",
        options.expiry,
        "--address",
        options.address,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#process.stdin.getWriter();
    this.#pumps = Promise.all([
      this.#pump(this.#process.stdout, "events"),
      this.#pump(this.#process.stderr, "log"),
      this.#process.status,
    ]);
  }

  /** Sends one command (`register`, `list ...`, `subscribe ...`, `bid ...`). */
  async command(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Waits for an event matching `pattern`; fails after `timeoutMs` with the client's output. */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.events.find((event) => pattern.test(event));
      if (found !== undefined) return found;
      const remainingMs = deadline - Date.now();
      if (remainingMs <= 0) {
        throw new Error(
          `Timed out waiting for ${pattern}. Events:\n${this.events.join("\n")}\n` +
            `Client output:\n${this.#log}`,
        );
      }
      const woken = Promise.withResolvers<void>();
      this.#waiters.add(woken.resolve);
      const timer = setTimeout(woken.resolve, remainingMs);
      await woken.promise;
      clearTimeout(timer);
      this.#waiters.delete(woken.resolve);
    }
  }

  /** The client's own output so far. */
  output(): string {
    return this.#log;
  }

  /** Asks it to quit, then makes sure it is gone. */
  async stop(): Promise<void> {
    await this.command("quit").catch(() => {});
    await this.#stdin.close().catch(() => {});
    const timer = setTimeout(() => {
      try {
        this.#process.kill("SIGKILL");
      } catch {
        // Already exited.
      }
    }, 5_000);
    await this.#pumps;
    clearTimeout(timer);
  }

  async #pump(stream: ReadableStream<Uint8Array>, kind: "events" | "log") {
    let pending = "";
    for await (const text of stream.pipeThrough(new TextDecoderStream())) {
      if (kind === "log") {
        this.#log += text;
        continue;
      }
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) {
        if (line.startsWith("@@ ")) this.events.push(line.slice(3));
      }
      for (const wake of this.#waiters) wake();
    }
  }
}
