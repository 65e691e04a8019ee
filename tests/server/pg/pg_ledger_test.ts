/**
 * The payment ledger contract against {@linkcode PostgresLedger} on a real PostgreSQL, and what
 * only it does: the table is written through the writer's session (a node that lost the writer
 * lock records nothing), and a node whose view is stale still gets the first record of a key.
 * @module
 */

import assert from "node:assert/strict";
import { PostgresLedger } from "../../../server/pg/pg_ledger.ts";
import { PostgresStore } from "../../../server/pg/postgres_store.ts";
import { LOCK_CLASS, WRITER_LOCK } from "../../../server/pg/schema.ts";
import type { PaymentLedger } from "../../../server/sale/payment_ledger.ts";
import {
  queryRows,
  startTestPostgres,
  withDatabase as withTestDatabase,
} from "../../_support/postgres.ts";
import { waitUntil } from "../../_support/wait.ts";
import { charge, ledgerContract } from "../sale/_ledger_contract.ts";

const server = await startTestPostgres();
const withDatabase = (body: (url: string) => Promise<void>) => withTestDatabase(server, body);
const query = queryRows;

/** A loaded store on `url` and its ledger; closing the ledger closes the store. */
async function openLedger(url: string): Promise<PaymentLedger & { store: PostgresStore }> {
  const store = new PostgresStore(url, { lockWaitMs: 0 });
  await store.load();
  const ledger = await PostgresLedger.open(store);
  return {
    store,
    get: (key) => ledger.get(key),
    records: () => ledger.records(),
    append: (record) => ledger.append(record),
    async close() {
      await ledger.close();
      await store.close();
    },
  };
}

ledgerContract("PostgresLedger", async () => {
  const url = await server.createDatabase();
  return { open: () => openLedger(url), dispose: () => server.dropDatabase(url) };
}, { durable: true });

/** Whether `store` stopped writing for good (its writer connection is refused). */
function storeStopped(store: PostgresStore): boolean {
  try {
    store.writerConnection;
    return false;
  } catch {
    return true;
  }
}

Deno.test(
  "PostgresLedger writes through the session that holds the writer lock: lost, it records nothing",
  withDatabase(async (url) => {
    const ledger = await openLedger(url);
    try {
      await ledger.append(charge("sale-1"));
      const writers = await query(
        url,
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted " +
          `AND classid = ${LOCK_CLASS} AND objid = ${WRITER_LOCK}`,
      );
      const sessions = await query(
        url,
        "SELECT pid FROM pg_stat_activity WHERE application_name = 'auction node1'",
      );
      assert.deepEqual(
        sessions.map((row) => row.pid),
        writers.map((row) => row.pid),
        "the node's one session is the writer's",
      );
      await query(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted",
      );
      // At once (the write goes to the dead session), and once the store knows (no new session).
      await assert.rejects(ledger.append(charge("sale-2")));
      await waitUntil(() => storeStopped(ledger.store), "the store saw its session end");
      await assert.rejects(ledger.append(charge("sale-3")), /Lost the database connection/);
      const rows = await query(url, "SELECT key FROM payment_ledger");
      assert.deepEqual(rows.map((row) => row.key), ["sale-1"]);
    } finally {
      await ledger.close().catch(() => {});
    }
  }),
);

Deno.test(
  "PostgresLedger: a ledger that never saw a key's record still answers the first one",
  withDatabase(async (url) => {
    const first = await openLedger(url);
    const stale = await PostgresLedger.open(first.store);
    try {
      await first.append(charge("sale-1", 1));
      assert.equal(stale.get("sale-1"), undefined);
      assert.deepEqual(await stale.append(charge("sale-1", 2)), charge("sale-1", 1));
      assert.deepEqual(stale.get("sale-1"), charge("sale-1", 1));
      const rows = await query(url, "SELECT record::text AS json FROM payment_ledger");
      assert.deepEqual(rows.map((row) => JSON.parse(row.json)), [charge("sale-1", 1)]);
    } finally {
      await stale.close();
      await first.close();
    }
  }),
);
