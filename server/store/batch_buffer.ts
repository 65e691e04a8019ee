/**
 * Where the journal writer assembles a batch for its one write: each append's records, kept as
 * text until now, encoded with their CRCs (`encodeRecordsInto`), then the commit record. The
 * buffer is kept from batch to batch (the write is synchronous), unless a batch is too big to
 * keep one for.
 * @module
 */

import { encodeCommit, encodeRecordsInto } from "./journal.ts";

const UTF8 = new TextEncoder();
/** The largest batch assembled in the buffer kept from batch to batch. */
const MAX_KEPT_BYTES = 1 << 20;

/** One append's records, as `recordsText` gave them. */
export interface RecordsText {
  text: string;
  /** Sequence number of its first record. */
  firstSeq: number;
  /** How many records the text holds. */
  records: number;
}

/** A reusable buffer for a batch's bytes. */
export class BatchBuffer {
  #kept = new Uint8Array(4096);

  /**
   * The bytes of `appends` closed by the commit record of `lastSeq`: a view of the kept buffer,
   * valid until the next call.
   */
  encode(appends: readonly RecordsText[], lastSeq: number): Uint8Array {
    const commit = encodeCommit(lastSeq);
    // Room for the most UTF-8 the records' text can take; the commit record is ASCII.
    let room = commit.length;
    for (const append of appends) room += 3 * append.text.length;
    if (this.#kept.length < room && room <= MAX_KEPT_BYTES) {
      this.#kept = new Uint8Array(Math.min(Math.max(room, 2 * this.#kept.length), MAX_KEPT_BYTES));
    }
    const buffer = room <= this.#kept.length ? this.#kept : new Uint8Array(room);
    let offset = 0;
    for (const append of appends) {
      offset += encodeRecordsInto(
        append.text,
        append.firstSeq,
        append.records,
        buffer.subarray(offset),
      );
    }
    offset += UTF8.encodeInto(commit, buffer.subarray(offset)).written;
    return buffer.subarray(0, offset);
  }
}
