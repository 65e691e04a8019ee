/**
 * The journal segment being appended to: its file, where the next record goes, and the zeros laid
 * down ahead of the records (an fdatasync over blocks already allocated and sized flushes no
 * metadata, which makes it faster; recovery reads the first NUL byte as the end of the segment).
 * @module
 */

import { join } from "node:path";
import { syncDirectory, writeAll } from "./atomic_file.ts";
import { PRIVATE_FILE_MODE } from "./data_dir.ts";
import { encodeCommit, segmentName } from "./journal.ts";
import type { SyncHelper } from "./sync_helper.ts";

const UTF8 = new TextEncoder();
/** Zeros written ahead of the records, and written again whenever the records reach them. */
export const PREWRITE_BYTES = 1 << 20;
const ZEROS = new Uint8Array(PREWRITE_BYTES);

/** An open segment file of the journal. */
export class SegmentFile {
  /** Sequence number of the segment's first record (in its name). */
  readonly startSeq: number;
  readonly #file: Deno.FsFile;
  readonly #path: string;
  /** Where the next record goes (the file's position). */
  #offset: number;
  /** Where the zeros written ahead end. */
  #prewrittenEnd: number;

  private constructor(startSeq: number, path: string, file: Deno.FsFile, offset: number) {
    this.startSeq = startSeq;
    this.#path = path;
    this.#file = file;
    this.#offset = offset;
    this.#prewrittenEnd = offset;
  }

  /**
   * Opens (or creates) the segment of `dir` starting at `startSeq` and writes a commit record of
   * `lastSeq` (the last record before what comes next) first, synced on its own: it marks the
   * file as one with commit records and closes what an earlier run wrote in it. An existing
   * segment is cut at its first NUL byte (zeros written ahead, and whatever a crash left after
   * them), so that the records written next follow the last ones recovery read.
   */
  static async open(dir: string, startSeq: number, lastSeq: number): Promise<SegmentFile> {
    const path = join(dir, segmentName(startSeq));
    let file: Deno.FsFile;
    let offset = 0;
    try {
      file = await Deno.open(path, { write: true, createNew: true, mode: PRIVATE_FILE_MODE });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      file = await Deno.open(path, { write: true });
      try {
        const bytes = await Deno.readFile(path);
        const zeroAt = bytes.indexOf(0);
        offset = zeroAt === -1 ? bytes.length : zeroAt;
        if (offset < bytes.length) await file.truncate(offset);
        await file.seek(offset, Deno.SeekMode.Start);
      } catch (error) {
        file.close();
        throw error;
      }
    }
    const segment = new SegmentFile(startSeq, path, file, offset);
    try {
      const commit = UTF8.encode(encodeCommit(lastSeq));
      await writeAll(file, commit);
      segment.#offset += commit.length;
      segment.#prewrite();
      await file.syncData();
      // The file's name must be durable before records in it are acknowledged: a new file's, and
      // an existing one's too (a run that crashed between creating it and this sync left it).
      await syncDirectory(dir);
    } catch (error) {
      file.close();
      throw error;
    }
    return segment;
  }

  /**
   * Writes `bytes` after the records, synchronously: a write into the page cache takes
   * microseconds, and saves the round trip of an async op to the blocking pool before every
   * fdatasync. Past the zeros, more of them follow, for the next sync to cover.
   */
  write(bytes: Uint8Array): void {
    for (let written = 0; written < bytes.length;) {
      written += this.#file.writeSync(bytes.subarray(written));
    }
    this.#offset += bytes.length;
    if (this.#offset > this.#prewrittenEnd) this.#prewrite();
  }

  /** fdatasync the async way (on the runtime's blocking pool). */
  sync(): Promise<void> {
    return this.#file.syncData();
  }

  /**
   * fdatasync while this thread waits: nothing else runs on it meanwhile. With a `helper` that
   * runs, the sync is its (see `sync_helper.ts`): returns whether it was.
   */
  syncOnThread(helper?: SyncHelper | null): boolean {
    if (!helper?.ready) {
      this.#file.syncDataSync();
      return false;
    }
    // The helper's descriptor, opened just now, is not told of a write-back error from before:
    // ours, open since before every write of the segment, is asked once.
    if (helper.sync(this.#path)) this.#file.syncDataSync();
    return true;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }

  /** Writes `PREWRITE_BYTES` of zeros after the records, for the next sync to cover. */
  #prewrite(): void {
    for (let written = 0; written < ZEROS.length;) {
      written += this.#file.writeSync(ZEROS.subarray(written));
    }
    this.#prewrittenEnd = this.#offset + ZEROS.length;
    this.#file.seekSync(this.#offset, Deno.SeekMode.Start);
  }
}
