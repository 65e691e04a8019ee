/**
 * Runs the bundled client (`dist/auction-client.js`) as a process in scripted mode, the way a
 * user would: `deno run --allow-net` plus the documented permissions of its password folder,
 * and nothing else (`--no-config`, so no unstable flag or permission comes from deno.json).
 * Each client gets its own temporary XDG_CONFIG_HOME, so no test touches the real home.
 * Collects its JSON lines and waits for them with deadlines.
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
/** The bundle the end-to-end tests run. */
export const BUNDLE = `${ROOT}dist/auction-client.js`;
const UTF8 = new TextEncoder();

/** Builds the bundle when it is missing or older than a source file of the client. */
export async function ensureBundle(): Promise<void> {
  const built = await Deno.stat(BUNDLE).then((info) => info.mtime?.getTime() ?? 0, () => 0);
  let newest = 0;
  for (const folder of ["client", "protocol"]) {
    for await (const entry of Deno.readDir(`${ROOT}${folder}`)) {
      const info = await Deno.stat(`${ROOT}${folder}/${entry.name}`);
      newest = Math.max(newest, info.mtime?.getTime() ?? 0);
    }
  }
  if (built >= newest) return;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["task", "bundle"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!output.success) {
    throw new Error(`deno task bundle failed:\n${new TextDecoder().decode(output.stderr)}`);
  }
}

/**
 * The arguments that run the bundle as documented: network, and the client's password folder
 * in `configHome` (its XDG_CONFIG_HOME). Without `configHome`, network permission only.
 */
export function bundleCommand(args: string[], configHome?: string): string[] {
  if (configHome === undefined) return ["run", "--no-config", "--allow-net", BUNDLE, ...args];
  const folder = `${configHome}/auction-client`;
  return [
    "run",
    "--no-config",
    "--allow-net",
    "--allow-env=XDG_CONFIG_HOME,HOME",
    `--allow-read=${folder}`,
    `--allow-write=${folder}`,
    BUNDLE,
    ...args,
  ];
}

/** One JSON line the client printed. */
export type ClientRecord = Record<string, unknown> & { type: string };

/** A running client in scripted mode. */
export class ClientProcess {
  readonly records: ClientRecord[] = [];
  readonly #process: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #pumps: Promise<unknown>;
  #stdout = "";
  #partial = "";
  #stderr = "";
  #waiters: (() => void)[] = [];
  readonly #ownsConfigHome: boolean;

  /** The client's XDG_CONFIG_HOME, a temporary folder (removed when the process ends). */
  readonly configHome: string;

  /**
   * Starts the client with `args`. `options.configHome` shares a password folder between
   * clients (the caller removes it); by default each client has its own.
   * `passwordFolder: false` runs it with network permission only.
   */
  constructor(args: string[], options: { configHome?: string; passwordFolder?: boolean } = {}) {
    this.#ownsConfigHome = options.configHome === undefined;
    this.configHome = options.configHome ?? Deno.makeTempDirSync({ prefix: "auction-client-" });
    const permitted = options.passwordFolder === false ? undefined : this.configHome;
    this.#process = new Deno.Command(Deno.execPath(), {
      args: bundleCommand(["--json", ...args], permitted),
      env: { XDG_CONFIG_HOME: this.configHome },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#process.stdin.getWriter();
    this.#pumps = Promise.all([
      this.#pump(this.#process.stdout, (text) => this.#onStdout(text)),
      this.#pump(this.#process.stderr, (text) => this.#stderr += text),
    ]);
  }

  /** Everything on stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** Writes lines to the client's stdin. */
  async send(...lines: string[]): Promise<void> {
    await this.#stdin.write(UTF8.encode(lines.map((line) => `${line}\n`).join("")));
  }

  /** Waits for a record matching `predicate`. */
  async waitFor(
    predicate: (record: ClientRecord) => boolean,
    timeoutMs = 10_000,
  ): Promise<ClientRecord> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const found = this.records.find(predicate);
      if (found) return found;
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`Timed out waiting; stdout:\n${this.#stdout}\nstderr:\n${this.#stderr}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a record of `type` (and `item`). */
  waitForType(type: string, item?: string, timeoutMs?: number): Promise<ClientRecord> {
    return this.waitFor(
      (record) => record.type === type && (item === undefined || record.item === item),
      timeoutMs,
    );
  }

  /** Closes stdin and waits for the exit code. */
  async end(timeoutMs = 90_000): Promise<number> {
    await this.#stdin.close().catch(() => {});
    const timer = setTimeout(() => this.kill(), timeoutMs);
    const status = await this.#process.status;
    clearTimeout(timer);
    await this.#pumps;
    this.#removeConfigHome();
    return status.code;
  }

  /** Kills the process. */
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

  async #pump(stream: ReadableStream<Uint8Array>, sink: (text: string) => void): Promise<void> {
    const decoder = new TextDecoder();
    for await (const chunk of stream) sink(decoder.decode(chunk, { stream: true }));
  }

  #onStdout(text: string): void {
    this.#stdout += text;
    this.#partial += text;
    const lines = this.#partial.split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines) if (line !== "") this.records.push(JSON.parse(line));
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}
