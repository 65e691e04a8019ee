/**
 * Appends journal records with group commit: while one write + fdatasync runs, new records
 * queue, and the next sync covers them all. A batch much smaller than the last one is held back
 * (at most as long as the last sync took) for the writers the last sync just answered, who are
 * likely to append again at once. A failed write or sync is final (fail-stop): every waiting and
 * later append rejects, and nothing is retried. The segment files and their syncs are
 * `JournalSegments`'s (`journal_segments.ts`); a batch's bytes are `BatchBuffer`'s.
 * @module
 */

import type { AuctionEvent } from "../../auction/events.ts";
import { recordsText } from "./journal.ts";
import { BatchBuffer, type RecordsText } from "./batch_buffer.ts";
import { JournalSegments } from "./journal_segments.ts";
import type { SyncHelper } from "./sync_helper.ts";

/** The longest a small batch is held back for more appends, whatever the last sync took. */
const MAX_GATHER_MS = 10;

/** Options of {@linkcode JournalWriter}. */
export interface JournalWriterOptions {
  /** Sequence number of the last record already in the journal. @default 0 */
  lastSeq?: number;
  /** Where the segment being appended to starts (a new one if none holds it). @default lastSeq + 1 */
  segmentStartSeq?: number;
  /** Sync many appends at once; `false` writes and syncs each append on its own. @default true */
  groupCommit?: boolean;
  /** Called after each durable batch, when the state matches every record appended so far. */
  onBatchDurable?: () => void;
  /** Called after each durable batch with its size and fsync time (for metrics). */
  onBatchWritten?: (batch: WrittenBatch) => void;
  /**
   * Asked for a batch of one append: whether nothing else needs the thread (one client alone
   * waits for this append's reply), so that the batch is synced on the thread
   * (`syncDataSync`), saving the hops to the runtime's blocking pool and back, about 30 µs of
   * a request at one in flight. Every other batch is synced the async way, while the thread
   * serves on. @default never
   */
  syncOnThread?: () => boolean;
  /** A batch is synced on the thread only while the last sync took at most this long. @default 2 */
  maxSyncOnThreadMs?: number;
  /**
   * Above 0, a batch synced on the thread is synced by a helper thread that then polls this many
   * microseconds at most for the next one (`sync_helper.ts`), while this thread spins on its
   * answer; started at the first such batch, on a machine of two CPUs or more. @default 0
   */
  syncPollUs?: number;
}

/** What one group commit wrote. */
export interface WrittenBatch {
  /** Records (events) in the batch. */
  records: number;
  /** Appends (transactions) in the batch. */
  appends: number;
  /** Time spent in fdatasync for the batch, in milliseconds. */
  syncMs: number;
  /** Whether the batch was synced on the thread (see {@linkcode JournalWriterOptions.syncOnThread}). */
  onThread: boolean;
  /** Whether the sync helper synced it (see {@linkcode JournalWriterOptions.syncPollUs}). */
  byHelper: boolean;
}

/** One append: its records as text (encoded, with their CRCs, when written), and its promise. */
interface Entry extends RecordsText {
  /** Sequence number of its last record (`firstSeq - 1` when it has none). */
  lastSeq: number;
  segmentStartSeq: number;
  done: PromiseWithResolvers<void>;
}

/** Writes records into segment files of one data folder. */
export class JournalWriter {
  readonly #segments: JournalSegments;
  readonly #groupCommit: boolean;
  readonly #onBatchDurable: () => void;
  readonly #onBatchWritten: ((batch: WrittenBatch) => void) | undefined;
  readonly #maySyncOnThread: (() => boolean) | undefined;
  readonly #maxSyncOnThreadMs: number;
  #nextSeq: number;
  #segmentStartSeq: number;
  #queue: Entry[] = [];
  /**
   * Whether `#run` is running. Set by `#run` itself: a run that needs no await (a batch synced on
   * the thread into the open segment, without group commit) ends before its promise is returned.
   */
  #running = false;
  #lastDone: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  /** Appends the next batch is expected to hold: the last batch's and those queued behind it. */
  #expectedAppends = 0;
  /** Set while a small batch waits for more appends, until `#gatherUntilMs`. */
  #gathering: PromiseWithResolvers<void> | null = null;
  #gatherUntilMs = 0;
  /** Where a batch is assembled before its write. */
  readonly #batchBuffer = new BatchBuffer();

  /** Continues after record `options.lastSeq`, in the segment starting at `options.segmentStartSeq`. */
  constructor(dir: string, options: JournalWriterOptions = {}) {
    this.#nextSeq = (options.lastSeq ?? 0) + 1;
    this.#segmentStartSeq = options.segmentStartSeq ?? this.#nextSeq;
    this.#groupCommit = options.groupCommit ?? true;
    this.#onBatchDurable = options.onBatchDurable ?? (() => {});
    this.#onBatchWritten = options.onBatchWritten;
    this.#maySyncOnThread = options.syncOnThread;
    this.#maxSyncOnThreadMs = options.maxSyncOnThreadMs ?? 2;
    this.#segments = new JournalSegments(dir, {
      syncPollUs: options.syncPollUs,
      spinMs: this.#maxSyncOnThreadMs,
    });
  }

  /** Sequence number of the last record appended (durable or not). */
  get lastSeq(): number {
    return this.#nextSeq - 1;
  }

  /** The error that stopped the writer, if one did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Queues `events` as records; resolves once they (and all before them) are on disk. */
  append(events: readonly AuctionEvent[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const text = recordsText(this.#nextSeq, events);
    const firstSeq = this.#nextSeq;
    this.#nextSeq += events.length;
    const done = Promise.withResolvers<void>();
    this.#queue.push({
      text,
      firstSeq,
      lastSeq: this.#nextSeq - 1,
      records: events.length,
      segmentStartSeq: this.#segmentStartSeq,
      done,
    });
    this.#lastDone = done.promise;
    if (
      this.#gathering &&
      (this.#queue.length >= this.#expectedAppends || performance.now() >= this.#gatherUntilMs)
    ) {
      this.#gathering.resolve();
    }
    if (!this.#running) void this.#run();
    return done.promise;
  }

  /** Resolves once everything appended so far is on disk. */
  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return this.#lastDone;
  }

  /** Later records go to a new segment; returns the last sequence number of the old one. */
  rotate(): number {
    this.#segmentStartSeq = this.#nextSeq;
    return this.lastSeq;
  }

  /** Stops the writer with `error`: pending and later appends reject with it. */
  fail(error: unknown): void {
    this.#failure ??= error;
    this.#gathering?.resolve();
    for (const entry of this.#queue.splice(0)) entry.done.reject(this.#failure);
  }

  /** Waits for queued records, then closes the file. */
  async close(): Promise<void> {
    await this.#lastDone.catch(() => {});
    this.#segments.close();
  }

  /** The helper thread that syncs batches synced on the thread, once it runs; null without one. */
  get syncHelper(): SyncHelper | null {
    return this.#segments.syncHelper;
  }

  async #run(): Promise<void> {
    this.#running = true;
    while (this.#queue.length > 0 && !this.#failure) {
      // Under a closed-loop load the writers of the batch just synced append again at once: a
      // sync started for the first of them would cover it alone, and the rest would wait for it
      // and then for their own sync. Waiting for them makes one sync per round instead of two.
      if (this.#groupCommit && this.#queue.length * 2 < this.#expectedAppends) {
        await this.#gather();
        if (this.#failure) break;
      }
      if (this.#groupCommit && this.#maySyncOnThread && this.#queue.length === 1) {
        // A receive asked for after the request was handed over resolves within two microtasks
        // when a datagram already waits in the socket: `syncOnThread` sees it after three.
        await null;
        await null;
        await null;
      }
      const batch = this.#groupCommit ? this.#queue.splice(0) : this.#queue.splice(0, 1);
      const onThread = batch.length === 1 &&
        this.#segments.lastSyncMs <= this.#maxSyncOnThreadMs &&
        this.#maySyncOnThread?.() === true;
      try {
        // Done already (no promise) when it needed no segment opened and synced on the thread:
        // the replies waiting for it go out a few microtasks sooner.
        const writing = this.#write(batch, onThread);
        if (writing) await writing;
        this.#expectedAppends = batch.length + this.#queue.length;
      } catch (error) {
        this.fail(error);
        for (const entry of batch) entry.done.reject(this.#failure);
        break;
      }
      for (const entry of batch) entry.done.resolve();
      // The replies waiting for this batch go out first (their continuations were queued by the
      // resolves above); the metrics and the snapshot check come after them, off their path.
      const { syncMs, byHelper } = this.#segments.takeSyncs();
      queueMicrotask(() => {
        this.#reportBatch(batch, { syncMs, onThread, byHelper });
        this.#onBatchDurable();
      });
    }
    this.#running = false;
  }

  /**
   * Waits until the expected appends have queued, at most as long as the last sync took: an
   * append after that ends the wait (a timer fires a millisecond or two late, so it only ends a
   * wait that no append ends).
   */
  async #gather(): Promise<void> {
    const gathering = Promise.withResolvers<void>();
    this.#gathering = gathering;
    const waitMs = Math.min(this.#segments.lastSyncMs, MAX_GATHER_MS);
    this.#gatherUntilMs = performance.now() + waitMs;
    const timer = setTimeout(gathering.resolve, waitMs);
    try {
      await gathering.promise;
    } finally {
      clearTimeout(timer);
      this.#gathering = null;
    }
  }

  #reportBatch(
    batch: Entry[],
    sync: Pick<WrittenBatch, "syncMs" | "onThread" | "byHelper">,
  ): void {
    if (!this.#onBatchWritten) return;
    let records = 0;
    for (const entry of batch) records += entry.records;
    this.#onBatchWritten({ records, appends: batch.length, ...sync });
  }

  /**
   * Writes a batch with one write per segment, each closed by its commit record; returns
   * nothing when all of it was done on the thread (one segment, already open, synced on the
   * thread), else a promise of the rest. Its syncs are on the thread when `onThread` says so.
   */
  #write(batch: Entry[], onThread: boolean): Promise<void> | undefined {
    const segmentStartSeq = batch[0]?.segmentStartSeq;
    if (
      this.#segments.openStartSeq === segmentStartSeq &&
      batch.every((entry) => entry.segmentStartSeq === segmentStartSeq)
    ) {
      return this.#writeAndSync(batch, batch[batch.length - 1]!.lastSeq, onThread);
    }
    return this.#writeSegments(batch, onThread);
  }

  /** {@linkcode #write} of a batch that opens a segment. */
  async #writeSegments(batch: Entry[], onThread: boolean): Promise<void> {
    let pending: Entry[] = [];
    let lastSeq = 0;
    for (const entry of batch) {
      if (this.#segments.openStartSeq !== entry.segmentStartSeq) {
        await this.#writeAndSync(pending, lastSeq, onThread);
        pending = [];
        await this.#segments.open(entry.segmentStartSeq, entry.firstSeq - 1);
      }
      pending.push(entry);
      lastSeq = entry.lastSeq;
    }
    await this.#writeAndSync(pending, lastSeq, onThread);
  }

  /** Writes and syncs `entries`: nothing returned when synced on the thread (`onThread`). */
  #writeAndSync(
    entries: Entry[],
    lastSeq: number,
    onThread: boolean,
  ): Promise<void> | undefined {
    if (entries.length === 0) return;
    return this.#segments.writeAndSync(this.#batchBuffer.encode(entries, lastSeq), onThread);
  }
}
