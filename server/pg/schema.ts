/**
 * The tables of the PostgreSQL store, created once under an advisory lock so that several nodes
 * starting at once on an empty database do not race on `CREATE TABLE IF NOT EXISTS`.
 * @module
 */

import type postgres from "postgres";

/** First key of every advisory lock the store takes ("AUCT"). */
export const LOCK_CLASS = 0x41554354;
/** Second key: held while the schema is created (transaction-scoped). */
export const SCHEMA_LOCK = 0;
/** Second key: held by the node that writes the log (session-scoped). */
export const WRITER_LOCK = 1;
/** First key of the lock each node holds on its name, the second being `hashtext(name)` ("AUCU"). */
export const NODE_NAME_LOCK_CLASS = 0x41554355;

/** The tables; every statement is idempotent. */
export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS auction_log (
  seq bigint PRIMARY KEY,
  node text NOT NULL,
  events json NOT NULL,
  committed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE auction_log IS
  'Committed event batches, one row per append, applied in seq order by applyEvent';
CREATE TABLE IF NOT EXISTS auction_snapshots (
  covers_seq bigint PRIMARY KEY,
  node text NOT NULL,
  snapshot json NOT NULL,
  taken_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE auction_snapshots IS
  'The whole state after every batch up to covers_seq; the newest two are kept';
-- How many events the log held up to covers_seq: events are numbered one by one (Store.lastSeq,
-- the board's event ids) while the log numbers batches.
ALTER TABLE auction_snapshots ADD COLUMN IF NOT EXISTS events_through bigint NOT NULL DEFAULT 0;
CREATE TABLE IF NOT EXISTS payment_ledger (
  key text PRIMARY KEY,
  record json NOT NULL,
  recorded_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE payment_ledger IS
  'The simulated gateway''s decisions, one per idempotency key (last four card digits only)';
CREATE TABLE IF NOT EXISTS auction_archive (
  item_id bigint PRIMARY KEY,
  record json NOT NULL,
  archived_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
COMMENT ON TABLE auction_archive IS
  'Closed auctions (item and finished sale) that left the live state after --retention';
-- Unlogged: a sign of life needs no WAL flush, and is worthless after a crash of the database
-- (which ends every session anyway).
CREATE UNLOGGED TABLE IF NOT EXISTS writer_heartbeat (
  writer boolean PRIMARY KEY DEFAULT true CHECK (writer),
  node text NOT NULL,
  pid integer NOT NULL,
  beat_at timestamptz NOT NULL
);
COMMENT ON TABLE writer_heartbeat IS
  'The writer''s last sign of life: its node, the backend pid holding the writer lock, and when';
`;

/** Creates the tables unless they exist, one node at a time. */
export async function ensureSchema(sql: postgres.Sql): Promise<void> {
  await sql.begin(async (transaction) => {
    await transaction`SELECT pg_advisory_xact_lock(${LOCK_CLASS}::int, ${SCHEMA_LOCK}::int)`;
    await transaction.unsafe(SCHEMA_SQL);
  });
}
