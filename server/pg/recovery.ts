/**
 * Recovery from the database: the newest snapshot, then every batch after it in order, applied
 * with the same {@linkcode applyEvent} as live requests. A gap in the batches refuses to start.
 * @module
 */

import postgres from "postgres";
import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { type Snapshot, SNAPSHOT_FORMAT } from "../store/snapshot.ts";
import { type AuctionState, emptyState } from "../../auction/state.ts";
import { ensureSchema } from "./schema.ts";

/** What {@linkcode recoverState} found. */
export interface RecoveredState {
  /** The state after the newest snapshot and every batch after it. */
  state: AuctionState;
  /** The batch the snapshot covers (0 without one). */
  coversSeq: number;
  /** The last batch (or `coversSeq`). */
  lastSeq: number;
  /** Events replayed on top of the snapshot. */
  replayed: number;
  /** Events in the log up to the snapshot (so the last event is `eventsThrough + replayed`). */
  eventsThrough: number;
}

/**
 * Reads the newest snapshot and applies every batch after it; changes nothing. Both reads see
 * one view of the database (a REPEATABLE READ transaction): the writer may commit snapshots in
 * between, deleting the batches that follow the snapshot read first.
 */
export async function recoverState(sql: postgres.Sql): Promise<RecoveredState> {
  const { newest, rows } = await sql.begin(
    "ISOLATION LEVEL REPEATABLE READ READ ONLY",
    async (transaction) => {
      const [newest] = await transaction`
        SELECT covers_seq, events_through, snapshot::text AS json FROM auction_snapshots
        ORDER BY covers_seq DESC LIMIT 1`;
      const rows = await transaction`
        SELECT seq, events::text AS json FROM auction_log
        WHERE seq > ${newest ? Number(newest.covers_seq) : 0} ORDER BY seq`;
      return { newest, rows };
    },
  );
  const snapshot = newest ? parseSnapshot(newest.json, Number(newest.covers_seq)) : null;
  const state = snapshot?.state ?? emptyState();
  const coversSeq = snapshot?.coversSeq ?? 0;
  let expectedSeq = coversSeq + 1;
  let replayed = 0;
  for (const row of rows) {
    const seq = Number(row.seq);
    if (seq !== expectedSeq) {
      throw new RangeError(
        `Cannot recover: auction_log jumps from batch ${expectedSeq - 1} to ${seq}; ` +
          `refusing to start, nothing changed`,
      );
    }
    const events = JSON.parse(row.json) as AuctionEvent[];
    for (const event of events) applyEvent(state, event);
    replayed += events.length;
    expectedSeq++;
  }
  const eventsThrough = newest ? Number(newest.events_through) : 0;
  return { state, coversSeq, lastSeq: expectedSeq - 1, replayed, eventsThrough };
}

/** The state saved in the database at `url` (read only: no lock taken, nothing written). */
export async function readDatabaseState(url: string): Promise<AuctionState> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await ensureSchema(sql);
    return (await recoverState(sql)).state;
  } finally {
    await sql.end();
  }
}

/** Reads a snapshot row; throws a SyntaxError if it is not an auction snapshot for `coversSeq`. */
export function parseSnapshot(json: string, coversSeq: number): Snapshot {
  const parsed = JSON.parse(json) as Partial<Snapshot>;
  if (parsed.format !== SNAPSHOT_FORMAT || parsed.coversSeq !== coversSeq || !parsed.state) {
    throw new SyntaxError(
      `Cannot read the snapshot covering batch ${coversSeq}: not an auction snapshot; ` +
        `refusing to start`,
    );
  }
  return parsed as Snapshot;
}
