/**
 * Starts the real server as a process (`deno run main.ts server`) on free ports with a data
 * folder (or a PostgreSQL database: {@linkcode setServerDatabase}), and finds its ports from its
 * log. For end-to-end tests.
 * @module
 */

const ROOT = new URL("../../", import.meta.url).pathname;
/** The longest a server may take to exit once signalled, before a test fails on it. */
const STOP_TIMEOUT_MS = 20_000;

/**
 * The data folders this module made. A test may stop a server and start another on the same
 * folder, so a folder outlives its server; all of them go when the test process ends.
 */
const madeDataDirs: string[] = [];
globalThis.addEventListener("unload", () => {
  for (const dir of madeDataDirs) {
    try {
      Deno.removeSync(dir, { recursive: true });
    } catch {
      // Removed by its test already.
    }
  }
});

let serverDatabase: (() => Promise<string>) | undefined;
/** The database of each data folder, while {@linkcode setServerDatabase} is in force. */
const dataDirDatabases = new Map<string, string>();

/**
 * Has every server started from now on in this test file (without `DATABASE_URL` in its `env`)
 * keep its state in PostgreSQL: the database `factory` makes for its data folder, the same one
 * again for a server started on that folder later (a restart). `undefined`: the file journal.
 */
export function setServerDatabase(factory: (() => Promise<string>) | undefined): void {
  serverDatabase = factory;
  dataDirDatabases.clear();
}

/** A running server process. */
export interface ServerProcess {
  readonly process: Deno.ChildProcess;
  readonly udpPort: number;
  readonly tcpPort: number;
  /** The board's HTTP port; `null` when started with `--no-http`. */
  readonly httpPort: number | null;
  readonly dataDir: string;
  /** Everything the process wrote to stderr so far. */
  output(): string;
  /** Stops it: SIGTERM (or `signal`), then waits for it to exit. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts the server with `args` (ports default to 0 = free; HTTP too, unless `args` name
 * `--http-port` or `--no-http`, so that parallel tests never fight over 8080) and waits until it
 * listens.
 */
export async function startServerProcess(
  options: {
    dataDir?: string;
    args?: string[];
    udpPort?: number;
    tcpPort?: number;
    /** Extra environment variables (e.g. the test-only `AUCTION_TEST_CRASH_AFTER`). */
    env?: Record<string, string>;
    /** Runs the server under `ulimit -n fileLimit` (through bash). */
    fileLimit?: number;
  } = {},
): Promise<ServerProcess> {
  let dataDir = options.dataDir;
  if (dataDir === undefined) {
    dataDir = await Deno.makeTempDir({ prefix: "auction-e2e-" });
    madeDataDirs.push(dataDir);
  }
  const env = { ...options.env };
  if (serverDatabase && env.DATABASE_URL === undefined) {
    let url = dataDirDatabases.get(dataDir);
    if (url === undefined) {
      url = await serverDatabase();
      dataDirDatabases.set(dataDir, url);
    }
    env.DATABASE_URL = url;
  }
  const limited = options.fileLimit === undefined
    ? []
    : ["-c", 'ulimit -n "$0" && exec "$@"', String(options.fileLimit), Deno.execPath()];
  const command = new Deno.Command(limited.length > 0 ? "bash" : Deno.execPath(), {
    args: [
      ...limited,
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
      ...(options.args?.some((arg) => /^--(no-http|http-port)/.test(arg))
        ? []
        : ["--http-port", "0"]),
      ...(options.args ?? []),
    ],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const process = command.spawn();
  let text = "";
  const ready = Promise.withResolvers<
    { udpPort: number; tcpPort: number; httpPort: number | null }
  >();
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) {
      text += decoder.decode(chunk, { stream: true });
      const match = /Listening on UDP "[^"]*:(\d+)" and TCP "[^"]*:(\d+)"/.exec(text);
      if (match) {
        // The board's line comes first, when there is a board.
        const board = /Board at "http:\/\/[^"]*:(\d+)\/"/.exec(text);
        ready.resolve({
          udpPort: Number(match[1]),
          tcpPort: Number(match[2]),
          httpPort: board ? Number(board[1]) : null,
        });
      }
    }
  };
  const pumps = Promise.all([pump(process.stderr), pump(process.stdout)]);
  const exited = process.status.then(async (status) => {
    // Its last words (the reason it stopped) may still be in the pipes: read them first.
    await pumps.catch(() => {});
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
      // A server that hangs on SIGTERM fails the test instead of hanging it.
      let hung: ReturnType<typeof setTimeout> | undefined;
      const stopped = await Promise.race([
        exited,
        new Promise<null>((resolve) => hung = setTimeout(() => resolve(null), STOP_TIMEOUT_MS)),
      ]).finally(() => clearTimeout(hung));
      if (stopped === null) {
        process.kill("SIGKILL");
        await exited;
        await pumps;
        throw new Error(`Server did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}:\n${text}`);
      }
      await pumps;
      return stopped;
    },
  };
}
