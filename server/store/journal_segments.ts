/**
 * The segment files the journal writer appends to, in one data folder: the one open now, the move
 * to the next (`SegmentFile.open` makes it durable, folder included, before a record in it is
 * acknowledged), and the fdatasync of what is written there, the async way or on the thread (by
 * the sync helper thread once it runs, see `sync_helper.ts`). It keeps how long the syncs took:
 * the writer's batching and metrics read it. Which records go to which segment is the writer's.
 * @module
 */

import { SegmentFile } from "./segment_file.ts";
import { SyncHelper } from "./sync_helper.ts";

/** Options of {@linkcode JournalSegments}. */
export interface JournalSegmentsOptions {
  /**
   * Above 0, syncs on the thread are done by a helper thread that then polls this many
   * microseconds at most for the next one; started at the first such sync, on a machine of two
   * CPUs or more. @default 0
   */
  syncPollUs?: number;
  /** How long the thread spins on the helper's answer before it sleeps, in ms. @default 2 */
  spinMs?: number;
}

/** What the syncs since the last {@linkcode JournalSegments.takeSyncs} took. */
export interface SyncTotals {
  /** Time spent in fdatasync, in milliseconds. */
  syncMs: number;
  /** Whether the sync helper did one of them. */
  byHelper: boolean;
}

/** The open segment of a journal's folder, and the syncs of what is written in it. */
export class JournalSegments {
  readonly #dir: string;
  readonly #syncPollUs: number;
  readonly #spinMs: number;
  #open: SegmentFile | null = null;
  #helper: SyncHelper | null = null;
  #lastSyncMs = 0;
  #syncMs = 0;
  #byHelper = false;

  /** Appends to segments of `dir`; none is open until {@linkcode open}. */
  constructor(dir: string, options: JournalSegmentsOptions = {}) {
    this.#dir = dir;
    // Spinning while the helper syncs needs another CPU for the helper.
    this.#syncPollUs = navigator.hardwareConcurrency >= 2 ? options.syncPollUs ?? 0 : 0;
    this.#spinMs = options.spinMs ?? 2;
  }

  /** Sequence number of the open segment's first record; undefined while none is open. */
  get openStartSeq(): number | undefined {
    return this.#open?.startSeq;
  }

  /** How long the last fdatasync took, in milliseconds (0 before the first). */
  get lastSyncMs(): number {
    return this.#lastSyncMs;
  }

  /** The helper thread that does the syncs on the thread, once it runs; null without one. */
  get syncHelper(): SyncHelper | null {
    return this.#helper;
  }

  /**
   * Closes the open segment and opens the one starting at `startSeq`, led by a commit record of
   * `lastSeq` (the last record before it).
   */
  async open(startSeq: number, lastSeq: number): Promise<void> {
    this.#open?.close();
    this.#open = null;
    // The helper's descriptor of the old segment goes too (a snapshot may delete the file).
    this.#helper?.release();
    this.#open = await SegmentFile.open(this.#dir, startSeq, lastSeq);
  }

  /**
   * Writes `bytes` into the open segment and syncs them: on the thread when `onThread` (nothing
   * returned, the sync is done), else the async way (a promise of it).
   */
  writeAndSync(bytes: Uint8Array, onThread: boolean): Promise<void> | undefined {
    const segment = this.#open;
    if (!segment) throw new Error("Cannot write to the journal: no segment is open");
    segment.write(bytes);
    const startMs = performance.now();
    // On the thread only when nobody else waits for it (`syncOnThread` of the writer): the thread
    // reads no datagram meanwhile.
    if (onThread) {
      if (this.#syncPollUs > 0) {
        // Until the helper runs (a few milliseconds after this), the thread syncs itself.
        this.#helper ??= SyncHelper.start({ pollUs: this.#syncPollUs, spinMs: this.#spinMs });
      }
      if (segment.syncOnThread(this.#helper)) this.#byHelper = true;
      this.#synced(startMs);
      return;
    }
    return segment.sync().then(() => this.#synced(startMs));
  }

  /** What the syncs since the last call took; starts the next count. */
  takeSyncs(): SyncTotals {
    const totals = { syncMs: this.#syncMs, byHelper: this.#byHelper };
    this.#syncMs = 0;
    this.#byHelper = false;
    return totals;
  }

  /** Closes the open segment and stops the helper thread. */
  close(): void {
    this.#open?.close();
    this.#open = null;
    this.#helper?.close();
    this.#helper = null;
  }

  #synced(startMs: number): void {
    this.#lastSyncMs = performance.now() - startMs;
    this.#syncMs += this.#lastSyncMs;
  }
}
