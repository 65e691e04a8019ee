/**
 * A real PostgreSQL for tests: a throwaway cluster (`server/pg/cluster.ts`: `initdb` into a temp
 * folder, started on a free loopback port, as the `postgres` OS user when the tests run as root,
 * stopped when the test file unloads), or the server named by `DATABASE_URL_TEST`. One per test
 * file, with a fresh database per test or backing.
 * @module
 */

import postgres from "postgres";
import { findPostgresBin, INSTALL_HINT, startCluster } from "../../server/pg/cluster.ts";

/** A PostgreSQL server the tests may create databases on. */
export interface TestPostgres {
  /** Creates a new empty database and returns its URL. */
  createDatabase(): Promise<string>;
  /** Drops a database that `createDatabase` made (closing its connections). */
  dropDatabase(url: string): Promise<void>;
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

/**
 * Starts a PostgreSQL for this test file: `DATABASE_URL_TEST` if set, else a new cluster from
 * the binaries found. Throws, naming the package to install, when there are none.
 */
export async function startTestPostgres(): Promise<TestPostgres> {
  let adminUrl = Deno.env.get("DATABASE_URL_TEST");
  if (!adminUrl) {
    const bin = findPostgresBin();
    if (!bin) {
      throw new Error(
        "PostgreSQL is needed for this test and none was found in /usr/lib/postgresql/*/bin: " +
          `${INSTALL_HINT}; or set DATABASE_URL_TEST to a server the tests may create databases on`,
      );
    }
    const cluster = await startCluster(bin, { fsync: false });
    globalThis.addEventListener("unload", () => cluster.stopSync());
    adminUrl = cluster.url;
  }
  const admin = adminUrl;
  return {
    async createDatabase() {
      const name = `auction_test_${Deno.pid}_${++databaseCount}_${Date.now() % 100_000}`;
      await runAdmin(admin, `CREATE DATABASE ${name}`);
      const url = new URL(admin);
      url.pathname = `/${name}`;
      return url.href;
    },
    async dropDatabase(url) {
      const name = new URL(url).pathname.slice(1);
      if (!/^auction_test_\w+$/.test(name)) throw new RangeError(`Not a test database: ${name}`);
      await runAdmin(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/** A test body run with a new database on `server`, dropped afterwards. */
export function withDatabase(
  server: TestPostgres,
  body: (url: string) => Promise<void>,
): () => Promise<void> {
  return async () => {
    const url = await server.createDatabase();
    try {
      await body(url);
    } finally {
      await server.dropDatabase(url);
    }
  };
}

/** Runs `text` on the database at `url` with a connection of its own; resolves to its rows. */
export async function queryRows(url: string, text: string): Promise<postgres.Row[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return [...await sql.unsafe(text)];
  } finally {
    await sql.end();
  }
}

/** Resolves once a node waits for the writer lock of the database at `url`. */
export async function standbyWaiting(url: string, timeoutMs = 20_000): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const [row] = await sql`
        SELECT count(*)::int AS waiting FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`;
      if (row?.waiting) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error("No standby node waited for the writer lock");
  } finally {
    await sql.end();
  }
}
