/**
 * Drives `bench/swarm.c`: thousands of UDP peers, each on its own loopback address, fed commands
 * on stdin (`R PEER EXPECT LINE`, `SYNC`, `FANOUT ...`, `HOLD`; see the C file). Launched under
 * `ulimit -n` raised to the hard limit, since each open peer is a file descriptor.
 * @module
 */

const UTF8 = new TextEncoder();

/** Options of {@linkcode Swarm.start}. */
export interface SwarmOptions {
  /** The server's UDP port. */
  port: number;
  /** Every peer's source port; 0 lets the kernel pick (then a later swarm cannot reuse a peer). @default 0 */
  basePort?: number;
  /** Requests outstanding at most. @default 256 */
  window?: number;
  /** Close a peer's socket once it has nothing outstanding (for 100,000 users). @default false */
  closeIdle?: boolean;
}

/** What a `SYNC` prints: requests answered so far, failures, seconds since the swarm started. */
export interface SyncResult {
  requests: number;
  failed: number;
  seconds: number;
}

/** One running swarm. */
export class Swarm {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffered = "";
  #closing: Promise<Record<string, unknown>[]> | undefined;

  private constructor(child: Deno.ChildProcess) {
    this.#child = child;
    this.#writer = child.stdin.getWriter();
    this.#reader = child.stdout.getReader();
  }

  /** Starts `binary` (the compiled `swarm.c`). */
  static start(binary: string, options: SwarmOptions): Swarm {
    const args = [
      String(options.port),
      String(options.basePort ?? 0),
      String(options.window ?? 256),
      options.closeIdle ? "1" : "0",
    ];
    const child = new Deno.Command("bash", {
      args: ["-c", 'ulimit -n "$(ulimit -Hn)"; exec "$0" "$@"', binary, ...args],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    return new Swarm(child);
  }

  /** Sends command lines. */
  async send(lines: readonly string[]): Promise<void> {
    // In chunks, so that the swarm starts working while the rest is written.
    for (let start = 0; start < lines.length; start += 5000) {
      await this.#writer.write(UTF8.encode(lines.slice(start, start + 5000).join("\n") + "\n"));
    }
  }

  /** The next JSON line the swarm prints. */
  async next(): Promise<Record<string, unknown>> {
    for (;;) {
      const newline = this.#buffered.indexOf("\n");
      if (newline >= 0) {
        const line = this.#buffered.slice(0, newline);
        this.#buffered = this.#buffered.slice(newline + 1);
        return JSON.parse(line);
      }
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("The swarm ended without printing a result");
      this.#buffered += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Sends `lines` then `SYNC`; resolves with the sync's result once every reply came. */
  async run(lines: readonly string[]): Promise<SyncResult> {
    let result: SyncResult;
    try {
      await this.send([...lines, "SYNC"]);
      result = await this.next() as unknown as SyncResult;
    } catch (error) {
      throw new Error(`The swarm gave up: the server did not keep up (${error})`);
    }
    if (result.failed > 0) throw new Error(`${result.failed} swarm requests failed`);
    return result;
  }

  /** Ends the input and waits for the swarm to exit (SIGTERM first if it is holding). */
  close(options: { terminate?: boolean } = {}): Promise<Record<string, unknown>[]> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close(options: { terminate?: boolean }): Promise<Record<string, unknown>[]> {
    await this.#writer.close().catch(() => {});
    if (options.terminate) this.#child.kill("SIGTERM");
    const rest: Record<string, unknown>[] = [];
    for (;;) {
      try {
        rest.push(await this.next());
      } catch {
        break;
      }
    }
    await this.#child.status;
    return rest;
  }
}

/** Runs the whole of `lines` through a fresh swarm and waits for it (for setups in phases). */
export async function runSwarm(
  binary: string,
  options: SwarmOptions,
  lines: readonly string[],
): Promise<SyncResult> {
  const swarm = Swarm.start(binary, options);
  const result = await swarm.run(lines);
  await swarm.close();
  return result;
}
