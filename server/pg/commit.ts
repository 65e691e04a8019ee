/**
 * One group commit of the PostgreSQL store as one SQL statement (so one transaction, one round
 * trip and one WAL flush): the batches, and the snapshot if one is due with the deletion of what
 * it makes unneeded (snapshots older than the previous one, batches the previous one covers),
 * and the notification standbys follow, delivered at the commit. (A NOTIFY inside a transaction
 * serialises committers; with one writer they are serial anyway. Several writers will have to
 * notify after the commit instead.)
 * @module
 */

import type postgres from "postgres";
import { LOG_CHANNEL } from "./follower.ts";

/** A batch as written: its number and its events as JSON. */
export interface BatchRow {
  seq: number;
  json: string;
}

/** A snapshot to write: the batch it covers, the snapshot before it, the document. */
export interface SnapshotRow {
  coversSeq: number;
  /** Events in the log up to `coversSeq`. */
  eventsThrough: number;
  previous: number;
  json: string;
}

/** Commits `batches` (and `snapshot`) written by `node` on `connection`. */
export async function commitGroup(
  connection: postgres.Sql,
  node: string,
  batches: readonly BatchRow[],
  snapshot: SnapshotRow | null,
): Promise<void> {
  const withSnapshot = snapshot !== null;
  const coversSeq = String(snapshot?.coversSeq ?? 0);
  const snapshotJson = snapshot?.json ?? "null";
  const previous = String(snapshot?.previous ?? 0);
  const eventsThrough = String(snapshot?.eventsThrough ?? 0);
  const seqs = batches.map((batch) => String(batch.seq));
  const events = batches.map((batch) => batch.json);
  const lastSeq = String(batches.at(-1)?.seq ?? 0);
  await connection`
    WITH batch AS (
      INSERT INTO auction_log (seq, node, events)
      SELECT seq, ${node}, events::json
      FROM unnest(${seqs}::bigint[], ${events}::text[]) AS batch(seq, events)
    ), snapshot AS (
      INSERT INTO auction_snapshots (covers_seq, node, snapshot, events_through)
      SELECT ${coversSeq}::bigint, ${node}, ${snapshotJson}::text::json, ${eventsThrough}::bigint
      WHERE ${withSnapshot}::boolean
    ), older_snapshots AS (
      DELETE FROM auction_snapshots
      WHERE ${withSnapshot}::boolean AND covers_seq < ${previous}::bigint
    ), covered_batches AS (
      DELETE FROM auction_log WHERE ${withSnapshot}::boolean AND seq <= ${previous}::bigint
    )
    SELECT pg_notify(${LOG_CHANNEL}, ${lastSeq}) WHERE ${batches.length > 0}::boolean`;
}
