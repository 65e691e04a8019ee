/**
 * The simulated gateway's ledger in PostgreSQL: the `payment_ledger` table (created with the
 * store's schema), written through the store's writer connection. So a node that takes over a
 * sale after a crash between the charge and `sale_settled` finds the charge and does not charge
 * again, and a node that lost the writer lock cannot record (nor so make) a charge.
 * @module
 */

import type postgres from "postgres";
import type { LedgerRecord, PaymentLedger } from "../sale/payment_ledger.ts";
import type { PostgresStore } from "./postgres_store.ts";

/** A {@linkcode PaymentLedger} kept in the `payment_ledger` table of a loaded PostgresStore. */
export class PostgresLedger implements PaymentLedger {
  readonly #connection: () => postgres.Sql;
  readonly #records = new Map<string, LedgerRecord>();
  readonly #pending = new Set<Promise<unknown>>();

  private constructor(connection: () => postgres.Sql, records: LedgerRecord[]) {
    this.#connection = connection;
    for (const record of records) this.#records.set(record.key, record);
  }

  /**
   * Reads the ledger of `store`, which must be loaded: it holds the writer lock, so no other
   * node writes the table while this one runs, and the records read here stay complete.
   */
  static async open(store: PostgresStore): Promise<PostgresLedger> {
    const connection = () => store.writerConnection;
    const rows = await connection()`
      SELECT record::text AS json FROM payment_ledger ORDER BY recorded_at, key`;
    return new PostgresLedger(connection, rows.map((row) => JSON.parse(row.json) as LedgerRecord));
  }

  get(key: string): LedgerRecord | undefined {
    return this.#records.get(key);
  }

  records(): LedgerRecord[] {
    return [...this.#records.values()];
  }

  append(record: LedgerRecord): Promise<LedgerRecord> {
    const done = this.#insert(record);
    this.#pending.add(done);
    done.finally(() => this.#pending.delete(done)).catch(() => {});
    return done;
  }

  /** Waits for pending writes; the connection is the store's, closed with it. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
  }

  /**
   * Inserts unless the key is there, then reads the key's record: the first one, whichever
   * call (or node) made it. The primary key decides between racing inserts.
   */
  async #insert(record: LedgerRecord): Promise<LedgerRecord> {
    const sql = this.#connection();
    const json = JSON.stringify(record);
    await sql`
      INSERT INTO payment_ledger (key, record) VALUES (${record.key}, ${json}::text::json)
      ON CONFLICT (key) DO NOTHING`;
    const [row] = await sql`
      SELECT record::text AS json FROM payment_ledger WHERE key = ${record.key}`;
    const kept = JSON.parse(row!.json) as LedgerRecord;
    this.#records.set(kept.key, kept);
    return kept;
  }
}
