/**
 * The journal's on-disk format: segment files `journal-<first seq>.jsonl`, one record per line,
 * `{"seq":N,"crc":"xxxxxxxx","event":{...}}`, where the CRC-32 covers the ASCII text `N `
 * followed by the event's JSON bytes exactly as written. Encoding, decoding and scanning a file.
 * @module
 */

import { join } from "node:path";
import { crc32 } from "./crc32.ts";
import type { AuctionEvent } from "./events.ts";

const UTF8 = new TextEncoder();
const NEWLINE = 0x0a;
const SEGMENT_NAME = /^journal-(\d{16})\.jsonl$/;
const RECORD_PREFIX = /^\{"seq":(\d{1,16}),"crc":"([0-9a-f]{8})","event":/;

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
  /** The intact records, in file order. */
  records: JournalRecord[];
  /** Bytes from the start of the file up to the end of the last intact line. */
  validBytes: number;
  /** The torn last line, if any: its 1-based line number and why it is torn. */
  torn?: { line: number; reason: string };
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

/** Decodes one line (without its newline); throws a reason string's Error if it is bad. */
export function decodeRecord(line: Uint8Array): JournalRecord {
  const head = new TextDecoder().decode(line.subarray(0, 64));
  const match = RECORD_PREFIX.exec(head);
  if (!match || line[line.length - 1] !== 0x7d) throw new Error("not a journal record");
  const seq = Number(match[1]);
  const eventBytes = line.subarray(match[0].length, line.length - 1);
  const computed = crc32(eventBytes, crc32(UTF8.encode(`${seq} `)));
  const stored = parseInt(match[2]!, 16);
  if (computed !== stored) {
    throw new Error(`CRC mismatch (stored ${match[2]}, computed ${computed.toString(16)})`);
  }
  let event: AuctionEvent;
  try {
    event = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(eventBytes));
  } catch (error) {
    throw new Error(`unparsable event: ${error instanceof Error ? error.message : error}`);
  }
  if (typeof event !== "object" || event === null || typeof event.type !== "string") {
    throw new Error("the event has no type");
  }
  return { seq, event };
}

/**
 * Reads and checks every line of `dir/name`. With `tolerateTornTail`, a bad or unterminated
 * last line is reported as torn (a crash mid-write); any other bad line throws
 * {@linkcode JournalCorruptError}.
 */
export async function scanSegment(
  dir: string,
  name: string,
  options: { tolerateTornTail: boolean },
): Promise<SegmentScan> {
  const bytes = await Deno.readFile(join(dir, name));
  const records: JournalRecord[] = [];
  let start = 0;
  let lineNumber = 0;
  while (start < bytes.length) {
    lineNumber++;
    const end = bytes.indexOf(NEWLINE, start);
    const isLast = end === -1 || end === bytes.length - 1;
    let reason: string | undefined;
    if (end === -1) {
      reason = "unterminated last line";
    } else {
      try {
        records.push(decodeRecord(bytes.subarray(start, end)));
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error);
      }
    }
    if (reason !== undefined) {
      if (isLast && options.tolerateTornTail) {
        return { records, validBytes: start, torn: { line: lineNumber, reason } };
      }
      throw new JournalCorruptError(join(dir, name), lineNumber, reason);
    }
    start = end + 1;
  }
  return { records, validBytes: bytes.length };
}
