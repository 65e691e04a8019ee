/**
 * `inspect --database-url`: what a PostgreSQL store holds, read-only (no lock taken, nothing
 * written): the newest snapshot, the batches after it, the counts of the state; with `verify`, a
 * check that the batches follow on with no gap and that replaying them from the snapshot before
 * the newest gives the newest snapshot's state.
 * @module
 */

import postgres from "postgres";
import { applyEvent } from "../../auction/apply.ts";
import { pruneReplies } from "../../auction/replies.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { countState, firstDifference, formatCounts, type StateCounts } from "../store/inspect.ts";
import { emptyState } from "../../auction/state.ts";
import { redactDatabaseUrl } from "./database_url.ts";
import { parseSnapshot, recoverState } from "./recovery.ts";

/** What {@linkcode inspectDatabase} found. */
export interface DatabaseReport {
  /** The URL, without its password. */
  database: string;
  /** Snapshots kept, and the batch the newest covers (0 without one). */
  snapshots: number;
  coversSeq: number;
  /** Batch rows kept, and the last batch. */
  batches: number;
  lastSeq: number;
  /** Rows of `payment_ledger` (the gateway's decisions) and `auction_archive`. */
  ledgerRecords: number;
  archivedRows: number;
  counts: StateCounts;
  /** With `verify`: problems found (empty when all is well), and what was checked. */
  verify?: { problems: string[]; checkedBatches: number; replayedFrom: string };
}

/** Inspects the database at `url` without changing it. */
export async function inspectDatabase(
  url: string,
  options: { verify?: boolean } = {},
): Promise<DatabaseReport> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [tables] = await sql`SELECT to_regclass('auction_log') IS NOT NULL AS present`;
    if (!tables?.present) {
      throw new Error(`No auction store in ${redactDatabaseUrl(url)}: no auction_log table`);
    }
    const recovered = await recoverState(sql);
    const [sizes] = await sql`
      SELECT (SELECT count(*) FROM auction_snapshots)::int AS snapshots,
             (SELECT count(*) FROM auction_log)::int AS batches,
             (SELECT count(*) FROM payment_ledger)::int AS ledger,
             (SELECT count(*) FROM auction_archive)::int AS archived`;
    const report: DatabaseReport = {
      database: redactDatabaseUrl(url),
      snapshots: sizes?.snapshots ?? 0,
      coversSeq: recovered.coversSeq,
      batches: sizes?.batches ?? 0,
      lastSeq: recovered.lastSeq,
      ledgerRecords: sizes?.ledger ?? 0,
      archivedRows: sizes?.archived ?? 0,
      counts: countState(recovered.state),
    };
    if (options.verify) report.verify = await verify(sql);
    return report;
  } finally {
    await sql.end();
  }
}

async function verify(sql: postgres.Sql): Promise<NonNullable<DatabaseReport["verify"]>> {
  const problems: string[] = [];
  const rows = await sql`SELECT seq, events::text AS json FROM auction_log ORDER BY seq`;
  for (let index = 1; index < rows.length; index++) {
    const [before, after] = [Number(rows[index - 1]!.seq), Number(rows[index]!.seq)];
    if (after !== before + 1) problems.push(`auction_log jumps from batch ${before} to ${after}`);
  }
  const snapshots = await sql`
    SELECT covers_seq, snapshot::text AS json FROM auction_snapshots
    ORDER BY covers_seq DESC LIMIT 2`;
  const [newest, previous] = snapshots.map((row) =>
    parseSnapshot(row.json, Number(row.covers_seq))
  );
  const base = previous ?? { coversSeq: 0, state: emptyState() };
  const replayedFrom = previous ? `the snapshot at batch ${previous.coversSeq}` : "an empty state";
  if (newest && problems.length === 0) {
    const needed = rows.filter((row) => {
      const seq = Number(row.seq);
      return seq > base.coversSeq && seq <= newest.coversSeq;
    });
    if (needed.length !== newest.coversSeq - base.coversSeq) {
      problems.push(
        `cannot replay to the snapshot at batch ${newest.coversSeq}: batches ` +
          `${base.coversSeq + 1} to ${newest.coversSeq} are not all in auction_log`,
      );
    } else {
      const state = structuredClone(base.state);
      for (const row of needed) {
        for (const event of JSON.parse(row.json) as AuctionEvent[]) applyEvent(state, event);
      }
      pruneReplies(state, newest.takenAtMs);
      const difference = firstDifference(state, newest.state, "state");
      if (difference) {
        problems.push(
          `replaying auction_log does not give the snapshot at batch ${newest.coversSeq}: ` +
            difference,
        );
      }
    }
  }
  return { problems, checkedBatches: rows.length, replayedFrom };
}

/** The report as text for a terminal. */
export function formatDatabaseReport(report: DatabaseReport): string {
  const lines = [
    `Database:     ${report.database}`,
    `Snapshot:     ${report.snapshots} kept, the newest covers batches up to ${report.coversSeq}`,
    `Log:          ${report.batches} batch(es) kept, last batch ${report.lastSeq}`,
    `Tables:       payment_ledger ${report.ledgerRecords} row(s), auction_archive ` +
    `${report.archivedRows} row(s)`,
    ...formatCounts(report.counts),
  ];
  if (report.verify) {
    const { problems, checkedBatches, replayedFrom } = report.verify;
    lines.push(
      problems.length === 0
        ? `Verify:       OK: ${checkedBatches} batches in order; replay from ${replayedFrom} ` +
          `gives the newest snapshot`
        : `Verify:       FAILED\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
  return lines.join("\n");
}
