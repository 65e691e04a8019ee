/**
 * The on-disk store: a journal of events with group commit (`journal.ts`, `journal_writer.ts`),
 * snapshots every N events or T seconds (`snapshot.ts`), and recovery from both
 * (`recovery.ts`). See `docs/persistence.md` for the format and the guarantees.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { lockDataDir, prepareDataDir } from "./data_dir.ts";
import { listSegments } from "./journal.ts";
import { JournalWriter, type WrittenBatch } from "./journal_writer.ts";
import { recover } from "./recovery.ts";
import { installSnapshot, serializeSnapshot } from "./snapshot.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import type { AuctionState } from "../../auction/state.ts";
import type { Store } from "./store.ts";
import type { SnapshotWorkerReply, SnapshotWorkerRequest } from "./snapshot_worker.ts";
import { join } from "node:path";
import { type Clock, systemClock } from "../clock.ts";

export { syncDirectory, writeAtomically } from "./atomic_file.ts";
export { SNAPSHOT_FILE } from "./snapshot.ts";

const logger = getLogger(["auction", "store"]);

/** Options of {@linkcode FileStore}. */
export interface FileStoreOptions {
  /** Sync many appends with one fdatasync; `false` syncs each append alone. @default true */
  groupCommit?: boolean;
  /** Take a snapshot after this many events. @default 10000 */
  snapshotEveryEvents?: number;
  /** Take a snapshot when this many seconds passed since the last one (checked at writes). @default 300 */
  snapshotEverySeconds?: number;
  /** The time of snapshot deadlines and of leaving expired cached replies out. @default systemClock */
  clock?: Clock;
  /** Called after each group commit with its size and fsync time (for metrics). */
  onBatchWritten?: (batch: WrittenBatch) => void;
  /**
   * Users + items + sales from which snapshots are serialized on a worker thread holding a
   * replica of the state, instead of on the event loop (about 3.5 µs an entry here: 10,000 is
   * some 35 ms). @default 10000
   */
  snapshotOffThreadAt?: number;
  /** Whether a batch of one append may be synced on the thread (see `JournalWriterOptions`). */
  syncOnThread?: () => boolean;
  /**
   * Above 0, batches synced on the thread are synced by a helper thread that polls this many
   * microseconds at most for the next one (see `JournalWriterOptions.syncPollUs`). @default 0
   */
  syncPollUs?: number;
}

/** Events are sent to the snapshot worker in bulk, at the latest after this many. */
const FORWARD_BATCH = 4096;

/** The worker thread that holds a replica of the state and writes the snapshots. */
class SnapshotThread {
  readonly #worker: Worker;
  #forward: AuctionEvent[] = [];
  #nextId = 1;
  readonly #waiting = new Map<number, PromiseWithResolvers<void>>();
  #failure: Error | null = null;

  /** Starts the worker with a copy of `state` (the one synchronous cost: a structured clone). */
  constructor(state: AuctionState) {
    this.#worker = new Worker(new URL("./snapshot_worker.ts", import.meta.url).href, {
      type: "module",
    });
    this.#worker.onmessage = ({ data }: MessageEvent<SnapshotWorkerReply>) => {
      const waiting = this.#waiting.get(data.id);
      this.#waiting.delete(data.id);
      if (data.type === "installed") waiting?.resolve();
      else waiting?.reject(new Error(data.message));
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failure = new Error(`The snapshot worker failed: ${event.message}`);
      for (const waiting of this.#waiting.values()) waiting.reject(this.#failure);
      this.#waiting.clear();
    };
    this.#post({ type: "init", state });
  }

  /** Keeps the replica in step: `events` were just applied to the live state and journaled. */
  follow(events: readonly AuctionEvent[]): void {
    for (const event of events) this.#forward.push(event);
    if (this.#forward.length >= FORWARD_BATCH) this.#flushEvents();
  }

  /** Serializes the replica (now equal to the live state) as of `coversSeq` and installs it. */
  snapshot(dir: string, coversSeq: number, nowMs: number): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    this.#flushEvents();
    const id = this.#nextId++;
    const waiting = Promise.withResolvers<void>();
    this.#waiting.set(id, waiting);
    this.#post({ type: "snapshot", id, dir, coversSeq, nowMs });
    return waiting.promise;
  }

  /** Stops the worker. */
  terminate(): void {
    this.#worker.terminate();
  }

  #flushEvents(): void {
    if (this.#forward.length === 0) return;
    this.#post({ type: "events", events: this.#forward });
    this.#forward = [];
  }

  #post(request: SnapshotWorkerRequest): void {
    this.#worker.postMessage(request);
  }
}

/** A {@linkcode Store} keeping a journal and snapshots in `dataDir`. */
export class FileStore implements Store {
  readonly #dataDir: string;
  readonly #options: Required<Omit<FileStoreOptions, "onBatchWritten" | "syncOnThread">>;
  readonly #syncOnThread: FileStoreOptions["syncOnThread"];
  #thread: SnapshotThread | null = null;
  readonly #onBatchWritten: FileStoreOptions["onBatchWritten"];
  #state: AuctionState | null = null;
  #writer: JournalWriter | null = null;
  /** The data folder's lock, held from `load` to `close` (`lockDataDir`). */
  #lock: Deno.FsFile | null = null;
  #eventsSinceSnapshot = 0;
  #lastSnapshotAtMs = 0;
  #snapshotCoversSeq = 0;
  #snapshotting: Promise<void> | null = null;

  constructor(dataDir: string, options: FileStoreOptions = {}) {
    this.#dataDir = dataDir;
    this.#options = {
      groupCommit: options.groupCommit ?? true,
      snapshotEveryEvents: options.snapshotEveryEvents ?? 10_000,
      snapshotEverySeconds: options.snapshotEverySeconds ?? 300,
      clock: options.clock ?? systemClock,
      snapshotOffThreadAt: options.snapshotOffThreadAt ?? 10_000,
      syncPollUs: options.syncPollUs ?? 0,
    };
    this.#onBatchWritten = options.onBatchWritten;
    this.#syncOnThread = options.syncOnThread;
  }

  async load(): Promise<AuctionState> {
    await prepareDataDir(this.#dataDir);
    this.#lock ??= await lockDataDir(this.#dataDir);
    const recovered = await recover(this.#dataDir).catch((error) => {
      this.#lock?.close();
      this.#lock = null;
      throw error;
    });
    const last = recovered.segments.at(-1);
    // Keep appending to the last segment only if it holds nothing the snapshot covers.
    const segmentStartSeq = last && last.startSeq > recovered.coversSeq
      ? last.startSeq
      : recovered.lastSeq + 1;
    this.#writer = new JournalWriter(this.#dataDir, {
      lastSeq: recovered.lastSeq,
      segmentStartSeq,
      groupCommit: this.#options.groupCommit,
      onBatchDurable: () => this.#maybeSnapshot(),
      onBatchWritten: this.#onBatchWritten,
      syncOnThread: this.#syncOnThread,
      syncPollUs: this.#options.syncPollUs,
    });
    this.#state = recovered.state;
    this.#snapshotCoversSeq = recovered.coversSeq;
    this.#eventsSinceSnapshot = recovered.replayed;
    this.#lastSnapshotAtMs = this.#options.clock.now();
    // A big state gets its worker now, before serving, rather than at its first snapshot.
    this.#startThreadIfBig();
    logger.info(
      "Recovered {dataDir}: snapshot {snapshot} at record {coversSeq}, {replayed} replayed",
      {
        dataDir: this.#dataDir,
        snapshot: recovered.snapshotFile ?? "none",
        coversSeq: recovered.coversSeq,
        replayed: recovered.replayed,
      },
    );
    return this.#state;
  }

  append(events: readonly AuctionEvent[]): Promise<void> {
    if (!this.#writer) return Promise.reject(new Error("Cannot append: the store is not loaded"));
    this.#eventsSinceSnapshot += events.length;
    this.#thread?.follow(events);
    return this.#writer.append(events);
  }

  flush(): Promise<void> {
    return this.#writer?.flush() ?? Promise.resolve();
  }

  get lastSeq(): number {
    return this.#writer?.lastSeq ?? 0;
  }

  /** Waits for pending writes, takes a last snapshot if anything changed, closes the journal. */
  async close(): Promise<void> {
    if (!this.#writer) return;
    await this.#writer.flush().catch(() => {});
    while (this.#snapshotting) await this.#snapshotting;
    if (this.#eventsSinceSnapshot > 0 && !this.#writer.failure) this.#startSnapshot();
    while (this.#snapshotting) await this.#snapshotting;
    this.#thread?.terminate();
    this.#thread = null;
    await this.#writer.close();
    this.#lock?.close();
    this.#lock = null;
  }

  /** Resolves once every append so far is durable and no snapshot is being written. */
  async idle(): Promise<void> {
    await this.flush();
    while (this.#snapshotting) await this.#snapshotting;
  }

  /** Takes a snapshot now (for tests and tools); resolves once it is installed. */
  async snapshot(): Promise<void> {
    while (this.#snapshotting) await this.#snapshotting;
    this.#startSnapshot();
    while (this.#snapshotting) await this.#snapshotting;
  }

  /** Starts the snapshot worker once the state is big enough to need it (never stopped after). */
  #startThreadIfBig(): void {
    if (this.#thread || !this.#state) return;
    if (entriesOf(this.#state) < this.#options.snapshotOffThreadAt) return;
    this.#thread = new SnapshotThread(this.#state);
  }

  #maybeSnapshot(): void {
    // After a failure the store is stopped for good: no snapshot either.
    if (this.#snapshotting || this.#eventsSinceSnapshot === 0 || this.#writer?.failure) return;
    const dueByCount = this.#eventsSinceSnapshot >= this.#options.snapshotEveryEvents;
    const elapsedMs = this.#options.clock.now() - this.#lastSnapshotAtMs;
    if (dueByCount || elapsedMs >= this.#options.snapshotEverySeconds * 1000) this.#startSnapshot();
  }

  /** Serializes the state now (it holds exactly the records appended so far) and installs it. */
  #startSnapshot(): void {
    const writer = this.#writer;
    if (!writer || !this.#state) return;
    const nowMs = this.#options.clock.now();
    const coversSeq = writer.rotate();
    this.#startThreadIfBig();
    const thread = this.#thread;
    // Off the event loop when the state is big: the worker's replica is the live state now.
    const text = thread ? null : serializeSnapshot(this.#state, coversSeq, nowMs);
    const previousCoversSeq = this.#snapshotCoversSeq;
    this.#eventsSinceSnapshot = 0;
    this.#lastSnapshotAtMs = nowMs;
    this.#snapshotting = (async () => {
      if (thread) await thread.snapshot(this.#dataDir, coversSeq, nowMs);
      else await installSnapshot(this.#dataDir, text!);
      this.#snapshotCoversSeq = coversSeq;
      await deleteCoveredSegments(this.#dataDir, previousCoversSeq);
    })().catch((error) => {
      logger.fatal("Cannot write a snapshot of {dataDir}: {error}", {
        dataDir: this.#dataDir,
        error,
      });
      writer.fail(error);
    }).finally(() => {
      this.#snapshotting = null;
      if (!writer.failure) this.#maybeSnapshot();
    });
  }
}

/** How many users, items and sales `state` holds. */
function entriesOf(state: AuctionState): number {
  return Object.keys(state.users).length + Object.keys(state.items).length +
    Object.keys(state.sales).length;
}

/** Deletes the segments whose records are all at or below `coveredSeq` (never the newest). */
export async function deleteCoveredSegments(dir: string, coveredSeq: number): Promise<void> {
  const segments = await listSegments(dir);
  for (let index = 0; index + 1 < segments.length; index++) {
    if (segments[index + 1]!.startSeq <= coveredSeq + 1) {
      await Deno.remove(join(dir, segments[index]!.name));
    }
  }
}
