/**
 * Recovery: the newest snapshot, then every journal record after it, applied with the same
 * {@linkcode applyEvent} as live requests. A torn last line (a crash mid-write) is dropped and,
 * unless read-only, truncated away with a warning; any other bad line refuses to start.
 * @module
 */

import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { applyEvent } from "../../auction/apply.ts";
import { listSegments, type Segment } from "./journal.ts";
import { JournalCorruptError, scanSegment } from "./journal_scan.ts";
import { PREVIOUS_SNAPSHOT_FILE, readSnapshot, SNAPSHOT_FILE } from "./snapshot.ts";
import { type AuctionState, emptyState } from "../../auction/state.ts";

const logger = getLogger(["auction", "store"]);

/** What recovery found. */
export interface Recovered {
  /** The state after the snapshot and every intact record after it. */
  state: AuctionState;
  /** The snapshot file used, or `null` when recovery started from an empty state. */
  snapshotFile: string | null;
  /** Sequence number the snapshot covers (0 without one). */
  coversSeq: number;
  /** When the snapshot was taken (0 without one). */
  takenAtMs: number;
  /** Sequence number of the last intact record, or `coversSeq` if larger. */
  lastSeq: number;
  /** How many records were replayed on top of the snapshot. */
  replayed: number;
  /** Every segment in the folder, oldest first. */
  segments: Segment[];
  /** The torn last line that was dropped, if any. */
  torn?: { file: string; line: number; reason: string };
}

/**
 * Recovers the state of `dir`. With `readOnly`, a torn tail is reported but not truncated; with
 * `verifyChecksum: false` (inspect), a snapshot whose checksum does not match is not refused.
 */
export async function recover(
  dir: string,
  options: { readOnly?: boolean; verifyChecksum?: boolean } = {},
): Promise<Recovered> {
  let snapshotFile: string | null = SNAPSHOT_FILE;
  const read = { verifyChecksum: options.verifyChecksum };
  let snapshot = await readSnapshot(dir, SNAPSHOT_FILE, read);
  if (!snapshot) {
    snapshotFile = PREVIOUS_SNAPSHOT_FILE;
    snapshot = await readSnapshot(dir, PREVIOUS_SNAPSHOT_FILE, read);
  }
  if (!snapshot) snapshotFile = null;
  const state = snapshot?.state ?? emptyState();
  const coversSeq = snapshot?.coversSeq ?? 0;
  const segments = await listSegments(dir);
  const needed = segments.filter((_segment, index) => {
    const next = segments[index + 1];
    return next === undefined || next.startSeq > coversSeq + 1;
  });
  let expectedSeq = coversSeq + 1;
  let replayed = 0;
  let torn: Recovered["torn"];
  let truncate: { name: string; bytes: number } | undefined;
  for (const [index, segment] of needed.entries()) {
    const isLast = index === needed.length - 1;
    const scan = await scanSegment(dir, segment.name, { tolerateTornTail: isLast });
    if (scan.torn) {
      torn = { file: join(dir, segment.name), ...scan.torn };
      truncate = { name: segment.name, bytes: scan.validBytes };
    }
    for (const [recordIndex, record] of scan.records.entries()) {
      if (record.seq <= coversSeq) continue;
      if (record.seq !== expectedSeq) {
        throw new JournalCorruptError(
          join(dir, segment.name),
          recordIndex + 1,
          `expected record ${expectedSeq}, found ${record.seq}`,
        );
      }
      applyEvent(state, record.event);
      expectedSeq++;
      replayed++;
    }
  }
  if (torn && truncate) {
    logger.warn("Dropped a torn journal tail (a crash mid-write): {file} line {line}: {reason}", {
      ...torn,
    });
    if (!options.readOnly) await truncateFile(join(dir, truncate.name), truncate.bytes);
  }
  return {
    state,
    snapshotFile,
    coversSeq,
    takenAtMs: snapshot?.takenAtMs ?? 0,
    lastSeq: expectedSeq - 1,
    replayed,
    segments,
    ...(torn ? { torn } : {}),
  };
}

async function truncateFile(path: string, bytes: number): Promise<void> {
  const file = await Deno.open(path, { write: true });
  try {
    await file.truncate(bytes);
    await file.syncData();
  } finally {
    file.close();
  }
}
