/**
 * `inspect`: what a data folder holds (counts of users, items, bids and sales), read-only, and
 * with `verify` a check of every journal record's CRC and that replaying the journal from the
 * previous snapshot gives the newest snapshot's state.
 * @module
 */

import { isDeepStrictEqual } from "node:util";
import { applyEvent } from "../../auction/apply.ts";
import { pruneReplies } from "../../auction/replies.ts";
import { type JournalRecord, listSegments } from "./journal.ts";
import { scanSegment } from "./journal_scan.ts";
import { recover } from "./recovery.ts";
import { PREVIOUS_SNAPSHOT_FILE, readSnapshot, SNAPSHOT_FILE, stateChecksum } from "./snapshot.ts";
import { type AuctionState, emptyState, type Sale } from "../../auction/state.ts";

/** Counts of what a state holds. */
export interface StateCounts {
  users: number;
  buyers: number;
  sellers: number;
  openItems: number;
  closedItems: number;
  bids: number;
  sales: Record<Sale["status"], number>;
  /** Closed items and their sales moved to the archive file after the retention. */
  archived: { items: number; sales: number };
}

/** What {@linkcode inspectDataDir} found. */
export interface InspectReport {
  dataDir: string;
  snapshotFile: string | null;
  coversSeq: number;
  lastSeq: number;
  segments: number;
  torn?: { file: string; line: number; reason: string };
  counts: StateCounts;
  /** With `verify`: problems found (empty when all is well), and what was checked. */
  /** `replayedFrom` is null when there is no snapshot to replay into. */
  verify?: { problems: string[]; checkedRecords: number; replayedFrom: string | null };
}

/** Counts what `state` holds. */
export function countState(state: AuctionState): StateCounts {
  const users = Object.values(state.users);
  const items = Object.values(state.items);
  const sales: StateCounts["sales"] = { pending: 0, settled: 0, cancelled: 0, no_offer: 0 };
  for (const sale of Object.values(state.sales)) sales[sale.status]++;
  return {
    users: users.length,
    buyers: users.filter((user) => user.role === "buyer").length,
    sellers: users.filter((user) => user.role === "seller").length,
    openItems: items.filter((item) => item.status === "open").length,
    closedItems: items.filter((item) => item.status === "closed").length,
    bids: items.reduce((sum, item) => sum + item.bidCount, 0),
    sales,
    archived: { items: state.archived?.items ?? 0, sales: state.archived?.sales ?? 0 },
  };
}

/** Inspects `dir` without changing it. Throws if recovery would refuse to start. */
export async function inspectDataDir(
  dir: string,
  options: { verify?: boolean } = {},
): Promise<InspectReport> {
  // With --verify a snapshot whose checksum does not match is reported, not refused.
  const recovered = await recover(dir, { readOnly: true, verifyChecksum: !options.verify });
  const report: InspectReport = {
    dataDir: dir,
    snapshotFile: recovered.snapshotFile,
    coversSeq: recovered.coversSeq,
    lastSeq: recovered.lastSeq,
    segments: recovered.segments.length,
    ...(recovered.torn ? { torn: recovered.torn } : {}),
    counts: countState(recovered.state),
  };
  if (options.verify) report.verify = await verifyDataDir(dir);
  return report;
}

async function verifyDataDir(dir: string): Promise<NonNullable<InspectReport["verify"]>> {
  const problems: string[] = [];
  const records: JournalRecord[] = [];
  const segments = await listSegments(dir);
  for (const [index, segment] of segments.entries()) {
    try {
      const scan = await scanSegment(dir, segment.name, {
        tolerateTornTail: index === segments.length - 1,
      });
      records.push(...scan.records);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  for (let i = 1; i < records.length; i++) {
    if (records[i]!.seq !== records[i - 1]!.seq + 1) {
      problems.push(`journal jumps from record ${records[i - 1]!.seq} to ${records[i]!.seq}`);
    }
  }
  const newest = await readSnapshot(dir, SNAPSHOT_FILE, { verifyChecksum: false });
  const previous = await readSnapshot(dir, PREVIOUS_SNAPSHOT_FILE, { verifyChecksum: false });
  for (
    const [name, snapshot] of [[SNAPSHOT_FILE, newest], [PREVIOUS_SNAPSHOT_FILE, previous]] as const
  ) {
    if (snapshot?.checksum !== undefined && snapshot.checksum !== stateChecksum(snapshot.state)) {
      problems.push(
        `${name}: its checksum does not match its contents (changed after it was written)`,
      );
    }
  }
  const base = previous ?? { coversSeq: 0, state: emptyState() };
  const replayedFrom = previous ? PREVIOUS_SNAPSHOT_FILE : "an empty state";
  if (newest && problems.length === 0) {
    const needed = records.filter((r) => r.seq > base.coversSeq && r.seq <= newest.coversSeq);
    if (needed.length !== newest.coversSeq - base.coversSeq) {
      problems.push(
        `cannot replay to ${SNAPSHOT_FILE}: records ${base.coversSeq + 1} to ` +
          `${newest.coversSeq} are not all in the journal`,
      );
    } else {
      const state = structuredClone(base.state);
      for (const record of needed) applyEvent(state, record.event);
      pruneReplies(state, newest.takenAtMs);
      const difference = firstDifference(state, newest.state, "state");
      if (difference) {
        problems.push(`replaying the journal does not give ${SNAPSHOT_FILE}: ${difference}`);
      }
    }
  }
  return { problems, checkedRecords: records.length, replayedFrom: newest ? replayedFrom : null };
}

/** The path of the first difference between two JSON values, or `undefined` if equal. */
export function firstDifference(
  replayed: unknown,
  stored: unknown,
  path: string,
): string | undefined {
  if (isDeepStrictEqual(replayed, stored)) return undefined;
  if (typeof replayed === "object" && typeof stored === "object" && replayed && stored) {
    const keys = new Set([...Object.keys(replayed), ...Object.keys(stored)]);
    for (const key of keys) {
      const found = firstDifference(
        (replayed as Record<string, unknown>)[key],
        (stored as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (found) return found;
    }
  }
  return `${path} is ${JSON.stringify(replayed)} after replay, ${JSON.stringify(stored)} stored`;
}

/** The report as text for a terminal. */
export function formatReport(report: InspectReport): string {
  const { counts } = report;
  const lines = [
    `Data folder:  ${report.dataDir}`,
    `Snapshot:     ${report.snapshotFile ?? "none"} (covers records up to ${report.coversSeq})`,
    `Journal:      ${report.segments} segment(s), last record ${report.lastSeq}`,
    ...formatCounts(counts),
  ];
  if (counts.archived.items > 0 || counts.archived.sales > 0) {
    lines.push(
      `Archived:     ${plural(counts.archived.items, "closed item")}, ` +
        `${plural(counts.archived.sales, "sale")} (after the retention, in archive.jsonl)`,
    );
  }
  if (report.torn) {
    lines.push(
      `Torn tail:    ${report.torn.file} line ${report.torn.line} (dropped at next start)`,
    );
  }
  if (report.verify) {
    const { problems, checkedRecords, replayedFrom } = report.verify;
    lines.push(
      problems.length === 0
        ? `Verify:       OK: ${checkedRecords} record CRCs; ${
          replayedFrom === null
            ? "no snapshot yet to replay into"
            : `replay from ${replayedFrom} gives ${SNAPSHOT_FILE}`
        }`
        : `Verify:       FAILED\n${problems.map((problem) => `  - ${problem}`).join("\n")}`,
    );
  }
  return lines.join("\n");
}

/** The lines of a report that give the counts of a state. */
export function formatCounts(counts: StateCounts): string[] {
  return [
    `Users:        ${counts.users} (${plural(counts.buyers, "buyer")}, ${
      plural(counts.sellers, "seller")
    })`,
    `Items:        ${counts.openItems} open, ${counts.closedItems} closed`,
    `Bids:         ${counts.bids} accepted`,
    `Transactions: ${counts.sales.settled} settled, ${counts.sales.pending} pending, ` +
    `${counts.sales.cancelled} cancelled, ${counts.sales.no_offer} without offer`,
  ];
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
