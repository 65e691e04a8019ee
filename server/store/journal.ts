/**
 * The journal's on-disk format: segment files `journal-<first seq>.jsonl`, one record per line,
 * `{"seq":N,"crc":"xxxxxxxx","event":{...}}`, where the CRC-32 covers the ASCII text `N `
 * followed by the event's JSON bytes exactly as written. Each batch written with one write and
 * one fdatasync ends with a commit record `{"commit":N,"crc":"xxxxxxxx"}` (N: its last record;
 * the CRC covers `commit N`), and a segment starts with one, so the records after the last
 * commit are a batch that was never acknowledged. Files without any commit record (written
 * before commit records existed) are read as before. The writer lays zeros down ahead of its
 * records (an fdatasync over blocks already allocated is faster): a segment ends at its first NUL
 * byte, which JSON text never holds. Encoding and decoding; scanning a file is `journal_scan.ts`.
 * @module
 */

import { crc32, crc32Ascii, crcHex } from "./crc32.ts";
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

/** The commit record that closes a batch whose last record is `lastSeq`, newline included. */
export function encodeCommit(lastSeq: number): string {
  // Written once per batch: its CRC is read from the ASCII text, with nothing encoded.
  return `{"commit":${lastSeq},"crc":"${crcHex(crc32Ascii(`commit ${lastSeq}`))}"}\n`;
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

/** Whether `line` is a commit record's (its start; {@linkcode decodeCommit} checks the rest). */
export function isCommitLine(line: Uint8Array): boolean {
  return bytesAt(line, 0, COMMIT_START);
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
 * would give, made with one `JSON.stringify` per event and one UTF-8 encoding per batch.
 */
export function encodeRecords(firstSeq: number, events: readonly AuctionEvent[]): Uint8Array {
  const text = recordsText(firstSeq, events);
  const bytes = new Uint8Array(text.length * 3);
  return bytes.subarray(0, encodeRecordsInto(text, firstSeq, events.length, bytes));
}

/**
 * The records of `events`, numbered from `firstSeq`, as text with a zero CRC in each line:
 * {@linkcode encodeRecordsInto} encodes it and fills the CRCs in. The writer keeps this text
 * until its batch is written, so a record costs no buffer of its own.
 */
export function recordsText(firstSeq: number, events: readonly AuctionEvent[]): string {
  let text = "";
  for (let i = 0; i < events.length; i++) {
    text += `{"seq":${firstSeq + i},"crc":"00000000","event":${JSON.stringify(events[i])}}\n`;
  }
  return text;
}

/**
 * Encodes `text` (from {@linkcode recordsText}: `count` records numbered from `firstSeq`) into
 * `target` at its start and fills each line's CRC in; returns the bytes written. `target` must
 * hold `3 * text.length` bytes (the most UTF-8 a string of that length can take), else this
 * throws.
 */
export function encodeRecordsInto(
  text: string,
  firstSeq: number,
  count: number,
  target: Uint8Array,
): number {
  if (target.length < 3 * text.length) throw new RangeError("target too small for the records");
  const { written } = UTF8.encodeInto(text, target);
  let start = 0;
  for (let i = 0; i < count; i++) {
    const digits = String(firstSeq + i).length;
    const crcAt = start + SEQ_KEY_BYTES + digits + CRC_KEY_BYTES;
    const eventAt = crcAt + 8 + EVENT_KEY_BYTES;
    // JSON.stringify escapes every newline, so the first one ends the record.
    const end = target.indexOf(NEWLINE, eventAt);
    const seqCrc = crc32(
      SPACE,
      crc32(target.subarray(start + SEQ_KEY_BYTES, start + SEQ_KEY_BYTES + digits)),
    );
    const crc = crc32(target.subarray(eventAt, end - 1), seqCrc);
    for (let nibble = 0; nibble < 8; nibble++) {
      target[crcAt + nibble] = HEX[(crc >>> (28 - 4 * nibble)) & 0xf]!;
    }
    start = end + 1;
  }
  return written;
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
