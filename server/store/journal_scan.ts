/**
 * Scanning a journal segment (the format is `journal.ts`): every line read and checked, the
 * records after the last commit record (a batch a crash cut, never acknowledged) told apart from
 * damage in a closed batch, which refuses the start.
 * @module
 */

import { join } from "node:path";
import { decodeCommit, decodeRecord, isCommitLine, type JournalRecord } from "./journal.ts";

const NEWLINE = 0x0a;

/** A journal file or record that cannot be trusted: refuse to start, change nothing. */
export class JournalCorruptError extends SyntaxError {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`Cannot recover: ${file} line ${line}: ${reason}; refusing to start, nothing changed`);
    this.name = "JournalCorruptError";
  }
}

/** What scanning a segment found. */
export interface SegmentScan {
  /** The intact records, in file order (without those of an unacknowledged last batch). */
  records: JournalRecord[];
  /** Bytes from the start of the file up to the end of the last line kept. */
  validBytes: number;
  /**
   * The torn tail, if any: the 1-based number of its first line and why it was dropped (a torn
   * last line, or a last batch without its commit record, however many lines it holds).
   */
  torn?: { line: number; reason: string };
}

/**
 * Reads and checks every line of `dir/name`. With `tolerateTornTail`, the records after the last
 * commit record (a batch whose write a crash cut, never acknowledged) are dropped and reported
 * as torn, whatever their damage; in a file without commit records, only a bad or unterminated
 * last line is. Any other bad line throws {@linkcode JournalCorruptError}, naming it.
 */
export async function scanSegment(
  dir: string,
  name: string,
  options: { tolerateTornTail: boolean },
): Promise<SegmentScan> {
  const path = join(dir, name);
  const whole = await Deno.readFile(path);
  // The writer lays zeros down ahead of its records (JSON text never holds a NUL byte): the
  // first one ends what was written. What a crash left after it was never acknowledged.
  const zeroAt = whole.indexOf(0);
  const bytes = zeroAt === -1 ? whole : whole.subarray(0, zeroAt);
  const lines: ScannedLine[] = [];
  for (let start = 0, number = 1; start < bytes.length; number++) {
    const end = bytes.indexOf(NEWLINE, start);
    lines.push(scanLine(bytes, start, end, number));
    start = end === -1 ? bytes.length : end + 1;
  }
  const lastCommit = lines.findLastIndex((line) => line.commit !== undefined);
  if (lastCommit === -1) return scanUncommitted(path, lines, bytes.length, options);
  const closed = lines.slice(0, lastCommit + 1);
  const bad = closed.find((line) => line.reason !== undefined);
  if (bad) throw new JournalCorruptError(path, bad.number, `${bad.reason} (in a closed batch)`);
  checkCommits(path, closed);
  const records = closed.flatMap((line) => (line.record ? [line.record] : []));
  const open = lines.slice(lastCommit + 1);
  const validBytes = closed.at(-1)!.end;
  if (open.length === 0) return { records, validBytes };
  if (!options.tolerateTornTail) {
    const firstBad = open.find((line) => line.reason !== undefined);
    if (firstBad) throw new JournalCorruptError(path, firstBad.number, firstBad.reason!);
    return { records: [...records, ...open.map((line) => line.record!)], validBytes: bytes.length };
  }
  const damaged = open.find((line) => line.reason !== undefined);
  const reason = `unacknowledged last batch of ${open.length} line(s) without its commit record` +
    (damaged ? ` (line ${damaged.number}: ${damaged.reason})` : "");
  return { records, validBytes, torn: { line: open[0]!.number, reason } };
}

interface ScannedLine {
  /** 1-based line number. */
  number: number;
  /** Byte offset just after the line's newline (or the end of the file). */
  end: number;
  record?: JournalRecord;
  /** The batch's last record, for a commit line. */
  commit?: number;
  /** Why the line is bad, if it is. */
  reason?: string;
}

function scanLine(bytes: Uint8Array, start: number, end: number, number: number): ScannedLine {
  if (end === -1) return { number, end: bytes.length, reason: "unterminated last line" };
  const line = bytes.subarray(start, end);
  try {
    if (isCommitLine(line)) return { number, end: end + 1, commit: decodeCommit(line) };
    return { number, end: end + 1, record: decodeRecord(line) };
  } catch (error) {
    return { number, end: end + 1, reason: error instanceof Error ? error.message : String(error) };
  }
}

/** A file written before commit records: only a bad last line may be a torn write. */
function scanUncommitted(
  path: string,
  lines: ScannedLine[],
  size: number,
  options: { tolerateTornTail: boolean },
): SegmentScan {
  const records: JournalRecord[] = [];
  let validBytes = 0;
  for (const [index, line] of lines.entries()) {
    if (line.reason !== undefined) {
      if (index === lines.length - 1 && options.tolerateTornTail) {
        return { records, validBytes, torn: { line: line.number, reason: line.reason } };
      }
      throw new JournalCorruptError(path, line.number, line.reason);
    }
    records.push(line.record!);
    validBytes = line.end;
  }
  return { records, validBytes: size };
}

/** Each commit record must name the record just before it (when one is in this file). */
function checkCommits(path: string, lines: ScannedLine[]): void {
  let lastSeq: number | undefined;
  for (const line of lines) {
    if (line.record) lastSeq = line.record.seq;
    if (line.commit !== undefined && lastSeq !== undefined && line.commit !== lastSeq) {
      throw new JournalCorruptError(
        path,
        line.number,
        `commit record closes record ${line.commit}, but the last record is ${lastSeq}`,
      );
    }
  }
}
