/**
 * Starts the real server as a process (`deno run main.ts server`) on free ports with a data
 * folder, and finds its ports from its log. For end-to-end tests.
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;

/** A running server process. */
export interface ServerProcess {
  readonly process: Deno.ChildProcess;
  readonly udpPort: number;
  readonly tcpPort: number;
  readonly dataDir: string;
  /** Everything the process wrote to stderr so far. */
  output(): string;
  /** Stops it: SIGTERM (or `signal`), then waits for it to exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/** Starts the server with `args` (ports default to 0 = free) and waits until it listens. */
export async function startServerProcess(
  options: {
    dataDir?: string;
    args?: string[];
    udpPort?: number;
    tcpPort?: number;
    /** Environment variables added to the server's (`DATABASE_URL`, ...). */
    env?: Record<string, string>;
  } = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "auction-e2e-" });
  const command = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      `${ROOT}main.ts`,
      "server",
      "--host",
      "127.0.0.1",
      "--udp-port",
      String(options.udpPort ?? 0),
      "--tcp-port",
      String(options.tcpPort ?? 0),
      "--data-dir",
      dataDir,
      ...(options.args ?? []),
    ],
    cwd: ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const process = command.spawn();
  let text = "";
  const ready = Promise.withResolvers<{ udpPort: number; tcpPort: number }>();
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const match = /Listening on UDP "[^"]*:(\d+)" and TCP "[^"]*:(\d+)"/.exec(text);
      if (match) ready.resolve({ udpPort: Number(match[1]), tcpPort: Number(match[2]) });
    }
  };
  const pumps = Promise.all([pump(process.stderr), pump(process.stdout)]);
  const exited = process.status.then((status) => {
    ready.reject(new Error(`Server exited (${status.code}) before listening:\n${text}`));
    return status;
  });
  const timer = setTimeout(() => ready.reject(new Error(`Server did not start:\n${text}`)), 20_000);
  const ports = await ready.promise.finally(() => clearTimeout(timer));
  return {
    process,
    dataDir,
    ...ports,
    output: () => text,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        process.kill(signal);
      } catch {
        // Already exited.
      }
      const status = await exited;
      await pumps;
      return status;
    },
  };
}
