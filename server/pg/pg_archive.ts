/**
 * The archive of closed auctions in PostgreSQL: the `auction_archive` table (created with the
 * store's schema), one row per item id, written through the store's writer connection before
 * the `items_archived` event that drops them from the live state is committed. A crash between
 * the two archives them again at the next sweep: the row of that item is replaced, as a reader
 * of the file archive keeps the last line of each item id.
 * @module
 */

import type postgres from "postgres";
import type { ArchiveRecord, AuctionArchive } from "../store/archive.ts";
import type { PostgresStore } from "./postgres_store.ts";

/** An {@linkcode AuctionArchive} in the `auction_archive` table of a loaded PostgresStore. */
export class PostgresArchive implements AuctionArchive {
  readonly #connection: () => postgres.Sql;

  /** The archive of `store`, written on its writer connection (a node without the lock cannot). */
  constructor(store: PostgresStore) {
    this.#connection = () => store.writerConnection;
  }

  async append(records: readonly ArchiveRecord[]): Promise<void> {
    if (records.length === 0) return;
    const sql = this.#connection();
    const ids = records.map((record) => record.item.id);
    const texts = records.map((record) => JSON.stringify(record));
    const times = records.map((record) => new Date(record.archivedAtMs).toISOString());
    await sql`
      INSERT INTO auction_archive (item_id, record, archived_at)
      SELECT id, record::json, at FROM unnest(
        ${ids}::bigint[], ${texts}::text[], ${times}::timestamptz[]
      ) AS archived(id, record, at)
      ON CONFLICT (item_id) DO UPDATE
        SET record = EXCLUDED.record, archived_at = EXCLUDED.archived_at`;
  }
}

/** Every archived auction in the database behind `sql`, oldest first. */
export async function readDatabaseArchive(sql: postgres.Sql): Promise<ArchiveRecord[]> {
  const rows = await sql`
    SELECT record::text AS json FROM auction_archive ORDER BY archived_at, item_id`;
  return rows.map((row) => JSON.parse(row.json) as ArchiveRecord);
}
