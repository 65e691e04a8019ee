/**
 * Starting a local PostgreSQL cluster from its binaries (`initdb`, `pg_ctl`), for `deno task db`
 * and the tests. PostgreSQL refuses to run as root: as root, the cluster belongs to the
 * `postgres` OS user and every command runs through `runuser -u postgres`.
 * @module
 */

/** Where Debian's PostgreSQL packages put the binaries (`<version>/bin`). */
const DEBIAN_POSTGRESQL = "/usr/lib/postgresql";

/** What to install when no PostgreSQL is found. */
export const INSTALL_HINT = "install it (Debian: apt-get install -y postgresql), or set " +
  "POSTGRES_BIN to the folder of initdb and pg_ctl";

/** The folder of `initdb` and `pg_ctl`: `POSTGRES_BIN`, else Debian's newest, else `null`. */
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
export function freePort(): number {
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

/** Runs `program args` as {@linkcode asPostgres} does; throws with its output on failure. */
async function runAsPostgres(program: string, args: string[]): Promise<void> {
  const output = await asPostgres(program, args).output();
  if (!output.success) {
    const text = new TextDecoder().decode(output.stderr) + new TextDecoder().decode(output.stdout);
    throw new Error(`Cannot run ${program} ${args.join(" ")}: exit ${output.code}\n${text}`);
  }
}

/** Options of {@linkcode startCluster}. */
export interface ClusterOptions {
  /** The cluster's folder; kept by `stop`. @default a new temp folder, removed by `stop` */
  dir?: string;
  /** TCP port on 127.0.0.1. @default a free one */
  port?: number;
  /**
   * `false` turns fsync off, for tests only: a crash of the machine could lose commits (a crash
   * of a client of the database cannot). @default true
   */
  fsync?: boolean;
  /** Password of the `postgres` user over TCP; without one, loopback connections are trusted. */
  password?: string;
}

/** A PostgreSQL cluster started by {@linkcode startCluster}. */
export interface Cluster {
  /** URL of the `postgres` database as the `postgres` user. */
  url: string;
  /** The cluster's folder (`data/`, the socket, `server.log`). */
  dir: string;
  /** Stops the server (immediate shutdown); removes the folder if it was a temp one. */
  stop(): Promise<void>;
  /** The same, synchronously (for `unload`); does nothing the second time. */
  stopSync(): void;
}

/**
 * Starts a cluster from the binaries in `bin` on 127.0.0.1, creating it (`initdb`) unless
 * `options.dir` already holds one.
 */
export async function startCluster(bin: string, options: ClusterOptions = {}): Promise<Cluster> {
  const temporary = options.dir === undefined;
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "auction-pg-" });
  await Deno.mkdir(dir, { recursive: true });
  const data = `${dir}/data`;
  if (Deno.uid() === 0) {
    const owner = await lookUpUser("postgres");
    await Deno.chown(dir, owner.uid, owner.gid);
  }
  await Deno.chmod(dir, 0o700);
  const reachable = await asPostgres("test", ["-w", dir]).output();
  if (!reachable.success) {
    throw new Error(
      `Cannot start PostgreSQL in ${dir}: the postgres OS user cannot reach it ` +
        `(every folder above it must be searchable by others: chmod o+x)`,
    );
  }
  if (!await exists(`${data}/PG_VERSION`)) await initCluster(bin, dir, options.password);
  const port = options.port ?? freePort();
  const settings = [
    `-p ${port}`,
    "-c listen_addresses=127.0.0.1",
    `-c unix_socket_directories=${dir}`,
    ...(options.fsync === false ? ["-c fsync=off", "-c full_page_writes=off"] : []),
  ];
  const log = `${dir}/server.log`;
  await runAsPostgres(`${bin}/pg_ctl`, [
    "-D",
    data,
    "-l",
    log,
    "-o",
    settings.join(" "),
    "-w",
    "-t",
    "30",
    "start",
  ]);
  const stopArgs = ["-D", data, "-m", temporary ? "immediate" : "fast", "-w", "stop"];
  let stopped = false;
  const credentials = options.password
    ? `postgres:${encodeURIComponent(options.password)}`
    : "postgres";
  return {
    url: `postgres://${credentials}@127.0.0.1:${port}/postgres`,
    dir,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runAsPostgres(`${bin}/pg_ctl`, stopArgs);
      } finally {
        if (temporary) await Deno.remove(dir, { recursive: true });
      }
    },
    stopSync() {
      if (stopped) return;
      stopped = true;
      try {
        asPostgres(`${bin}/pg_ctl`, stopArgs).outputSync();
      } finally {
        if (temporary) Deno.removeSync(dir, { recursive: true });
      }
    },
  };
}

async function initCluster(bin: string, dir: string, password: string | undefined): Promise<void> {
  const args = [
    "-D",
    `${dir}/data`,
    "-U",
    "postgres",
    "-E",
    "UTF8",
    "--no-sync",
    "--no-instructions",
  ];
  if (password === undefined) {
    args.push("--auth=trust");
  } else {
    const passwordFile = `${dir}/initdb-password`;
    await Deno.writeTextFile(passwordFile, `${password}\n`, { mode: 0o600 });
    if (Deno.uid() === 0) {
      const owner = await lookUpUser("postgres");
      await Deno.chown(passwordFile, owner.uid, owner.gid);
    }
    args.push("--auth-local=trust", "--auth-host=scram-sha-256", `--pwfile=${passwordFile}`);
  }
  try {
    await runAsPostgres(`${bin}/initdb`, args);
  } finally {
    await Deno.remove(`${dir}/initdb-password`).catch(() => {});
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
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
