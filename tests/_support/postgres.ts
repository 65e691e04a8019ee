/**
 * A real PostgreSQL for tests: a throwaway cluster (`initdb` into a temp folder, started on a free
 * loopback port, as the `postgres` OS user when the tests run as root), or the server named by
 * `DATABASE_URL_TEST`. One per test file, with a fresh database per test or backing.
 * @module
 */

import postgres from "postgres";

/** Where Debian's PostgreSQL packages put the binaries; the newest version found wins. */
const DEBIAN_POSTGRESQL = "/usr/lib/postgresql";

/** A PostgreSQL server the tests may create databases on. */
export interface TestPostgres {
  /** Creates a new empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops a database that `createDatabase` made (closing its connections). */
  dropDatabase(url: string): Promise<void>;
  /** Stops the cluster if this module started it (synchronous, for `unload`). */
  stopSync(): void;
}

/** Finds the folder of `initdb`, `pg_ctl` and `postgres`, or `null`. */
export function findPostgresBin(): string | null {
  const fromEnv = Deno.env.get("POSTGRES_BIN");
  if (fromEnv) return fromEnv;
  let versions: number[] = [];
  try {
    versions = [...Deno.readDirSync(DEBIAN_POSTGRESQL)].map((entry) => Number(entry.name))
      .filter((version) => Number.isInteger(version)).sort((a, b) => b - a);
  } catch {
    return null;
  }
  for (const version of versions) {
    const bin = `${DEBIAN_POSTGRESQL}/${version}/bin`;
    try {
      Deno.statSync(`${bin}/initdb`);
      return bin;
    } catch {
      // Only the client of this version is installed.
    }
  }
  return null;
}

/** A free TCP port on 127.0.0.1 (free when asked; PostgreSQL binds it right after). */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** The command running `program args` as the `postgres` OS user when root, else as this user. */
function asPostgres(program: string, args: string[]): Deno.Command {
  const options = { args, stdin: "null", stdout: "piped", stderr: "piped" } as const;
  return Deno.uid() === 0
    ? new Deno.Command("runuser", { ...options, args: ["-u", "postgres", "--", program, ...args] })
    : new Deno.Command(program, options);
}

/** Runs `bin/program args` as the `postgres` OS user when root; throws with its output on failure. */
async function runAsPostgres(program: string, args: string[]): Promise<void> {
  const output = await asPostgres(program, args).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`Cannot run ${program} ${args.join(" ")}: exit ${output.code}\n${text}`);
  }
}

let databaseCount = 0;

/** Runs `statement` on the server at `adminUrl` with a connection of its own. */
async function runAdmin(adminUrl: string, statement: string): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(statement);
  } finally {
    await admin.end();
  }
}

/** Creates databases through the server at `adminUrl`; `stopSync` stops it. */
function serverAt(adminUrl: string, stopSync: () => void): TestPostgres {
  return {
    async createDatabase() {
      const name = `auction_test_${Deno.pid}_${++databaseCount}_${Date.now() % 100_000}`;
      await runAdmin(adminUrl, `CREATE DATABASE ${name}`);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return url.href;
    },
    async dropDatabase(url) {
      const name = new URL(url).pathname.slice(1);
      if (!/^auction_test_\w+$/.test(name)) throw new RangeError(`Not a test database: ${name}`);
      await runAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
    stopSync,
  };
}

/**
 * Starts a PostgreSQL for this test file: `DATABASE_URL_TEST` if set, else a new cluster from
 * the binaries found, stopped when the test file unloads. Throws, naming the package to install,
 * when there are none.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  const external = Deno.env.get("DATABASE_URL_TEST");
  if (external) return serverAt(external, () => {});
  const bin = findPostgresBin();
  if (!bin) {
    throw new Error(
      "PostgreSQL is needed for this test and none was found in /usr/lib/postgresql/*/bin: " +
        "install it (Debian: apt-get install -y postgresql), or set POSTGRES_BIN to the folder " +
        "of initdb and pg_ctl, or DATABASE_URL_TEST to a server the tests may create databases on",
    );
  }
  const cluster = await startCluster(bin, { fsync: false });
  globalThis.addEventListener("unload", () => cluster.stopSync());
  return serverAt(cluster.url, () => cluster.stopSync());
}

/** A PostgreSQL cluster started from the binaries in `bin`. */
export interface Cluster {
  /** URL of the `postgres` database as the `postgres` user (trust authentication on loopback). */
  url: string;
  /** The cluster's folder (data, socket, log). */
  dir: string;
  /** Stops the server (immediate shutdown) and removes its folder. */
  stop(): Promise<void>;
  /** The same, synchronously (for `unload`); does nothing the second time. */
  stopSync(): void;
}

/**
 * Creates a cluster in a new temp folder and starts it on a free port of 127.0.0.1. `fsync: false`
 * is for tests only: a crash of the machine could then lose commits (a crash of a client cannot).
 */
export async function startCluster(
  bin: string,
  options: { fsync?: boolean; port?: number; dir?: string } = {},
): Promise<Cluster> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "auction-pg-" });
  const data = `${dir}/data`;
  if (Deno.uid() === 0) {
    const postgresUser = await lookUpUser("postgres");
    await Deno.chown(dir, postgresUser.uid, postgresUser.gid);
  }
  await Deno.chmod(dir, 0o700);
  const port = options.port ?? freePort();
  await runAsPostgres(`${bin}/initdb`, [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth=trust",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ]);
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    ...(options.fsync === false ? ["-c fsync=off", "-c full_page_writes=off"] : []),
  ];
  await runAsPostgres(`${bin}/pg_ctl`, [
    "-D",
    data,
    "-l",
    `${dir}/server.log`,
    "-o",
    settings.join(" "),
    "-w",
    "-t",
    "30",
    "start",
  ]);
  const stopArgs = ["-D", data, "-m", "immediate", "-w", "stop"];
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runAsPostgres(`${bin}/pg_ctl`, stopArgs);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      try {
        asPostgres(`${bin}/pg_ctl`, stopArgs).outputSync();
      } finally {
        Deno.removeSync(dir, { recursive: true });
      }
    },
  };
}

/** The uid and gid of OS user `name`, from /etc/passwd. */
async function lookUpUser(name: string): Promise<{ uid: number; gid: number }> {
  const passwd = await Deno.readTextFile("/etc/passwd");
  for (const line of passwd.split("\n")) {
    const [user, , uid, gid] = line.split(":");
    if (user === name) return { uid: Number(uid), gid: Number(gid) };
  }
  throw new Error(
    `Cannot start PostgreSQL as root: there is no OS user "${name}" (apt-get install -y postgresql makes it)`,
  );
}
