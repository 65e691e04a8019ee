/**
 * The journal's on-disk format: segment files `journal-<first seq>.jsonl`, one record per line,
 * `{"seq":N,"crc":"xxxxxxxx","event":{...}}`, where the CRC-32 covers the ASCII text `N `
 * followed by the event's JSON bytes exactly as written. Each batch written with one write and
 * one fdatasync ends with a commit record `{"commit":N,"crc":"xxxxxxxx"}` (N: its last record;
 * the CRC covers `commit N`), and a segment starts with one, so the records after the last
 * commit are a batch that was never acknowledged. Files without any commit record (written
 * before commit records existed) are read as before. The writer lays zeros down ahead of its
 * records (an fdatasync over blocks already allocated is faster): a segment ends at its first NUL
 * byte, which JSON text never holds. Encoding, decoding and scanning a file.
 * @module
 */

import { join } from "node:path";
import { crc32 } from "./crc32.ts";
import type { AuctionEvent } from "../../auction/events.ts";

const UTF8 = new TextEncoder();
/** Shared decoders (one per record cost a measurable share of recovery). */
const TEXT = new TextDecoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });
const NEWLINE = 0x0a;
const SEGMENT_NAME = /^journal-(\d{16})\.jsonl$/;
const COMMIT_LINE = /^\{"commit":(\d{1,16}),"crc":"([0-9a-f]{8})"\}$/;
const COMMIT_START = UTF8.encode('{"commit":');
const SEQ_KEY = UTF8.encode('{"seq":');
const CRC_KEY = UTF8.encode(',"crc":"');
const EVENT_KEY = UTF8.encode('","event":');

/** A journal file or record that cannot be trusted: refuse to start, change nothing. */
export class JournalCorruptError extends SyntaxError {
  constructor(readonly file: string, readonly line: number, reason: string) {
    super(`Cannot recover: ${file} line ${line}: ${reason}; refusing to start, nothing changed`);
    this.name = "JournalCorruptError";
  }
}

/** One decoded journal record. */
export interface JournalRecord {
  /** Sequence number: 1 for the first event ever, then one more per event. */
  seq: number;
  /** The event. */
  event: AuctionEvent;
}

/** A segment file and the sequence number of its first record. */
export interface Segment {
  /** File name inside the data folder. */
  name: string;
  /** Sequence number of its first record (the file may be empty). */
  startSeq: number;
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

/** The commit record that closes a batch whose last record is `lastSeq`, newline included. */
export function encodeCommit(lastSeq: number): string {
  const crc = crc32(UTF8.encode(`commit ${lastSeq}`));
  return `{"commit":${lastSeq},"crc":"${crc.toString(16).padStart(8, "0")}"}\n`;
}

/** Decodes a commit line (without its newline): its `lastSeq`; throws a reason if it is bad. */
export function decodeCommit(line: Uint8Array): number {
  const match = COMMIT_LINE.exec(TEXT.decode(line));
  if (!match) throw new Error("not a commit record");
  const lastSeq = Number(match[1]);
  const computed = crc32(UTF8.encode(`commit ${lastSeq}`));
  if (computed !== parseInt(match[2]!, 16)) {
    throw new Error(`CRC mismatch (stored ${match[2]}, computed ${computed.toString(16)})`);
  }
  return lastSeq;
}

/** The file name of the segment whose first record is `startSeq`. */
export function segmentName(startSeq: number): string {
  return `journal-${String(startSeq).padStart(16, "0")}.jsonl`;
}

/** The segments in `dir`, oldest first. */
export async function listSegments(dir: string): Promise<Segment[]> {
  const segments: Segment[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const match = entry.isFile ? SEGMENT_NAME.exec(entry.name) : null;
    if (match) segments.push({ name: entry.name, startSeq: Number(match[1]) });
  }
  return segments.sort((a, b) => a.startSeq - b.startSeq);
}

/** One record as its line, newline included. */
export function encodeRecord(seq: number, event: AuctionEvent): string {
  const eventJson = JSON.stringify(event);
  const crc = crc32(UTF8.encode(eventJson), crc32(UTF8.encode(`${seq} `)));
  return `{"seq":${seq},"crc":"${crc.toString(16).padStart(8, "0")}","event":${eventJson}}\n`;
}

const SPACE = new Uint8Array([0x20]);
const HEX = new TextEncoder().encode("0123456789abcdef");
/** `{"seq":` before the number, `,"crc":"` after it, `","event":` after the CRC. */
const SEQ_KEY_BYTES = 7;
const CRC_KEY_BYTES = 8;
const EVENT_KEY_BYTES = 10;

/**
 * The records of `events`, numbered from `firstSeq`, as the bytes {@linkcode encodeRecord}
 * would give, made with one `JSON.stringify` and one UTF-8 encoding per batch: each line is
 * written with a zero CRC, then the CRC is computed over its bytes and patched in.
 */
export function encodeRecords(firstSeq: number, events: readonly AuctionEvent[]): Uint8Array {
  let text = "";
  for (let i = 0; i < events.length; i++) {
    text += `{"seq":${firstSeq + i},"crc":"00000000","event":${JSON.stringify(events[i])}}\n`;
  }
  const bytes = UTF8.encode(text);
  let start = 0;
  for (let i = 0; i < events.length; i++) {
    const digits = String(firstSeq + i).length;
    const crcAt = start + SEQ_KEY_BYTES + digits + CRC_KEY_BYTES;
    const eventAt = crcAt + 8 + EVENT_KEY_BYTES;
    // JSON.stringify escapes every newline, so the first one ends the record.
    const end = bytes.indexOf(NEWLINE, eventAt);
    const seqCrc = crc32(
      SPACE,
      crc32(bytes.subarray(start + SEQ_KEY_BYTES, start + SEQ_KEY_BYTES + digits)),
    );
    const crc = crc32(bytes.subarray(eventAt, end - 1), seqCrc);
    for (let nibble = 0; nibble < 8; nibble++) {
      bytes[crcAt + nibble] = HEX[(crc >>> (28 - 4 * nibble)) & 0xf]!;
    }
    start = end + 1;
  }
  return bytes;
}

/** Whether `line` holds `expected` at `at`. */
function bytesAt(line: Uint8Array, at: number, expected: Uint8Array): boolean {
  if (at + expected.length > line.length) return false;
  for (let i = 0; i < expected.length; i++) if (line[at + i] !== expected[i]) return false;
  return true;
}

/** The value of a lower-case hex digit byte, or -1. */
function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/**
 * Decodes one line (without its newline); throws a reason string's Error if it is bad. The
 * prefix `{"seq":N,"crc":"xxxxxxxx","event":` is read from the bytes (no regular expression, no
 * decoding), and the CRC of `N ` is taken over the digits already in the line.
 */
export function decodeRecord(line: Uint8Array): JournalRecord {
  const notRecord = () => new Error("not a journal record");
  if (!bytesAt(line, 0, SEQ_KEY) || line[line.length - 1] !== 0x7d) throw notRecord();
  let at = SEQ_KEY.length;
  let seq = 0;
  while (at < line.length && line[at]! >= 0x30 && line[at]! <= 0x39 && at - SEQ_KEY.length < 16) {
    seq = seq * 10 + (line[at]! - 0x30);
    at++;
  }
  const digitsEnd = at;
  if (digitsEnd === SEQ_KEY.length || !bytesAt(line, at, CRC_KEY)) throw notRecord();
  at += CRC_KEY.length;
  let stored = 0;
  for (let i = 0; i < 8; i++) {
    const value = hexValue(line[at + i] ?? -1);
    if (value < 0) throw notRecord();
    stored = stored * 16 + value;
  }
  const crcAt = at;
  at += 8;
  if (!bytesAt(line, at, EVENT_KEY)) throw notRecord();
  at += EVENT_KEY.length;
  const eventBytes = line.subarray(at, line.length - 1);
  const seqCrc = crc32(SPACE, crc32(line.subarray(SEQ_KEY.length, digitsEnd)));
  const computed = crc32(eventBytes, seqCrc);
  if (computed !== stored) {
    const storedHex = TEXT.decode(line.subarray(crcAt, crcAt + 8));
    throw new Error(`CRC mismatch (stored ${storedHex}, computed ${computed.toString(16)})`);
  }
  let event: AuctionEvent;
  try {
    event = JSON.parse(STRICT_UTF8.decode(eventBytes));
  } catch (error) {
    throw new Error(`unparsable event: ${error instanceof Error ? error.message : error}`);
  }
  if (typeof event !== "object" || event === null || typeof event.type !== "string") {
    throw new Error("the event has no type");
  }
  return { seq, event };
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
    if (bytesAt(line, 0, COMMIT_START)) return { number, end: end + 1, commit: decodeCommit(line) };
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
