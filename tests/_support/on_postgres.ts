/**
 * Runs existing test modules a second time with their state in PostgreSQL: one PostgreSQL for
 * the test file (`postgres.ts`), an empty database for every store a harness makes
 * ({@linkcode setStoreFactory}), closed and emptied for reuse when its test ends, and a new
 * database for every data folder a server process is started on ({@linkcode setServerDatabase}),
 * dropped when its test ends. Each test is registered with its name prefixed and without
 * `permissions` (a pure test could not reach the database).
 * @module
 */

import assert from "node:assert/strict";
import postgres from "postgres";
import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { PostgresStore, type PostgresStoreOptions } from "../../server/pg/postgres_store.ts";
import { createHarness, setStoreFactory } from "./harness.ts";
import { setServerDatabase } from "./server_process.ts";
import { startTestPostgres } from "./postgres.ts";

/** A {@linkcode PostgresStore} that also keeps the events it holds in memory, as MemoryStore. */
class JournalingPostgresStore extends PostgresStore {
  readonly events: AuctionEvent[];

  constructor(url: string, options: PostgresStoreOptions, events: readonly AuctionEvent[]) {
    super(url, options);
    this.events = [...events];
  }

  override append(events: readonly AuctionEvent[]): Promise<void> {
    this.events.push(...events);
    return super.append(events);
  }
}

/** Writes `events` into the empty database at `url` through a store, and closes it. */
async function seed(url: string, events: readonly AuctionEvent[], now: () => number) {
  const store = new PostgresStore(url, { now, lockWaitMs: 0 });
  const state = await store.load();
  for (const event of events) applyEvent(state, event);
  await store.append(events);
  await store.close();
}

type TestArgs = Parameters<typeof Deno.test>;

/** The one definition the overloads of `Deno.test` describe. */
function definition(args: unknown[]): Deno.TestDefinition {
  const [first, second, third] = args as [unknown, unknown, unknown];
  if (typeof first === "function") {
    return { name: first.name, fn: first as Deno.TestDefinition["fn"] };
  }
  if (typeof first === "string") {
    return typeof second === "function"
      ? { name: first, fn: second as Deno.TestDefinition["fn"] }
      : { ...(second as object), name: first, fn: third as Deno.TestDefinition["fn"] };
  }
  if (typeof second === "function") {
    const options = first as Omit<Deno.TestDefinition, "fn">;
    return {
      ...options,
      name: options.name ?? second.name,
      fn: second as Deno.TestDefinition["fn"],
    };
  }
  return first as Deno.TestDefinition;
}

/** Empties the tables of the database at `url`; false if it could not. */
async function empty(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe("TRUNCATE auction_log, auction_snapshots, payment_ledger");
    return true;
  } catch {
    return false;
  } finally {
    await sql.end();
  }
}

/**
 * Starts PostgreSQL and routes the stores of every harness and every server process to it, and
 * the tests registered
 * from now on in this file (by the test modules imported next) through it, named
 * `${label}: ${name}`. Call the function it returns after those imports: it registers a last
 * test that drops the databases kept for reuse (with `DATABASE_URL_TEST`, a server that stays).
 */
export async function onPostgres(label: string): Promise<() => void> {
  const server = await startTestPostgres();
  const open: { store: PostgresStore; url: string }[] = [];
  /** Databases emptied after their test, for the next ones (creating one costs ~0.1 s). */
  const free: string[] = [];
  /** The databases of the server processes started by the current test. */
  const serverDatabases: string[] = [];
  setServerDatabase(async () => {
    const url = await server.createDatabase();
    serverDatabases.push(url);
    return url;
  });
  setStoreFactory(async ({ events, now }) => {
    const url = free.pop() ?? await server.createDatabase();
    if (events.length > 0) await seed(url, events, now);
    const store = new JournalingPostgresStore(url, { now, lockWaitMs: 0 }, events);
    open.push({ store, url });
    return store;
  });
  const register = Deno.test;
  const test = (...args: unknown[]) => {
    const { permissions: _, ...rest } = definition(args);
    return register({
      ...rest,
      name: `${label}: ${rest.name}`,
      async fn(context) {
        try {
          await rest.fn(context);
        } finally {
          for (const { store, url } of open.splice(0)) {
            await store.close().catch(() => {});
            if (await empty(url)) free.push(url);
            else await server.dropDatabase(url);
          }
          for (const url of serverDatabases.splice(0)) await server.dropDatabase(url);
        }
      },
    });
  };
  test("a harness's store is a PostgresStore that commits to its database", async () => {
    const harness = await createHarness();
    assert.ok(harness.store instanceof PostgresStore);
    const reply = await harness.request("REGISTER 1 alice buyer 127.0.0.1 40001 40002", 40001);
    assert.match(reply ?? "", /^REGISTERED 1/);
    const sql = postgres(open.at(-1)!.url, { max: 1, onnotice: () => {} });
    try {
      const rows = await sql`SELECT events::text AS json FROM auction_log ORDER BY seq`;
      assert.deepEqual(rows.flatMap((row) => JSON.parse(row.json)), harness.events);
      assert.equal(harness.events[0]?.type, "user_registered");
    } finally {
      await sql.end();
    }
  });
  // Typed read-only, but a plain property of `Deno`: the modules imported next call this one.
  const deno = Deno as { test: typeof Deno.test };
  deno.test = Object.assign(test as typeof Deno.test, {
    ignore: (...args: TestArgs) => test({ ...definition(args), ignore: true }),
    only: (...args: TestArgs) => test({ ...definition(args), only: true }),
  });
  return () => {
    deno.test = register;
    register(`${label}: drop the test databases`, async () => {
      for (const url of free.splice(0)) await server.dropDatabase(url);
    });
  };
}
