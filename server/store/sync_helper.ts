/**
 * A helper thread that runs the `fdatasync` of a journal segment while the event loop's thread
 * waits for it, and that polls for the next one for a short while instead of going to sleep.
 *
 * Why: at one request in flight the server waits for each batch's sync on its thread
 * (`JournalWriterOptions.syncOnThread`). On a virtual machine whose idle CPUs halt (no halt
 * polling in the guest), a thread that sleeps in `fdatasync` or on a futex is woken on a halted
 * CPU, which costs tens of microseconds each time, and comes back to cold caches. With this
 * helper the waiting thread spins on a shared flag, and the helper, already running, starts the
 * sync at once: at one request in flight the server goes from about 0.8x to about 0.9-1.0x of the
 * bare `fdatasync` ceiling (docs/performance.md, session 7). The cost is CPU: after each sync the helper
 * polls for `pollUs` (500 µs by default) before it sleeps, so at R such syncs a second it
 * uses up to R x `pollUs` of a CPU (all of one from 2,000 a second). Polling only while the gaps
 * between syncs were short was tried and lost most of the gain (docs/performance.md).
 *
 * Durability: `fdatasync` flushes the file (the inode), whichever descriptor asks; the helper
 * opens each segment itself. A write-back error that happened before the helper opened the
 * segment is not reported to the helper's descriptor, so the first sync after an open is followed
 * by one through the writer's own descriptor (`SegmentFile.syncOnThread`).
 * @module
 */

/** Where each value lives in the shared memory, as indices of an `Int32Array`. */
export const SLOT = {
  /** Set to 1 by the waiting thread to ask for a sync, back to 0 by the helper. */
  request: 0,
  /** 0 while a sync runs, then 1 (done) or 2 (failed: the message is in the text area). */
  done: 1,
  /** Bumped when the path changes: the helper opens the new path. */
  pathGeneration: 2,
  /** 1 once the helper polls for requests. */
  ready: 3,
  /** Syncs the helper has done. */
  syncs: 4,
  /** 1 when the last sync opened its file (the descriptor is new). */
  opened: 5,
  /** The longest the helper polls after a sync, in microseconds. */
  pollUs: 6,
  /** 1 asks the helper to stop. */
  stop: 7,
  /** Length in bytes of the path, then of a failure's message, in the text area. */
  pathLength: 8,
  messageLength: 9,
} as const;

/** Bytes of the slots before the text area. */
export const TEXT_OFFSET = 64;
/** The text area: the path to sync, or the message of a failed sync. */
export const TEXT_BYTES = 4096;

/** Options of {@linkcode SyncHelper.start}. */
export interface SyncHelperOptions {
  /** The longest the helper polls for the next sync, in microseconds. @default 500 */
  pollUs?: number;
  /** The waiting thread spins this long, then sleeps until the sync ends. @default 2 */
  spinMs?: number;
}

const UTF8 = new TextEncoder();

/** The event loop's side of the helper thread. */
export class SyncHelper {
  readonly #worker: Worker;
  readonly #slots: Int32Array;
  readonly #text: Uint8Array;
  readonly #spinMs: number;
  #path = "";
  #closed = false;

  private constructor(worker: Worker, shared: SharedArrayBuffer, spinMs: number) {
    this.#worker = worker;
    this.#slots = new Int32Array(shared, 0, TEXT_OFFSET / 4);
    this.#text = new Uint8Array(shared, TEXT_OFFSET, TEXT_BYTES);
    this.#spinMs = spinMs;
  }

  /** Starts the helper thread; it is {@linkcode ready} a few milliseconds later. */
  static start(options: SyncHelperOptions = {}): SyncHelper {
    const shared = new SharedArrayBuffer(TEXT_OFFSET + TEXT_BYTES);
    const worker = new Worker(new URL("./sync_helper_worker.ts", import.meta.url).href, {
      type: "module",
    });
    const helper = new SyncHelper(worker, shared, options.spinMs ?? 2);
    Atomics.store(helper.#slots, SLOT.pollUs, options.pollUs ?? 500);
    worker.postMessage(shared);
    return helper;
  }

  /** Whether the helper thread runs and takes requests. */
  get ready(): boolean {
    return !this.#closed && Atomics.load(this.#slots, SLOT.ready) === 1;
  }

  /** Syncs the helper has done. */
  get syncs(): number {
    return Atomics.load(this.#slots, SLOT.syncs);
  }

  /**
   * `fdatasync`s the file at `path` on the helper thread while this thread waits. Returns
   * whether the helper opened the file for this sync (see the module's note on durability).
   * Throws what the sync threw.
   */
  sync(path: string): boolean {
    if (!this.ready) throw new Error("Cannot sync on the helper thread: it is not running");
    const slots = this.#slots;
    if (path !== this.#path) {
      const bytes = UTF8.encode(path);
      if (bytes.length > TEXT_BYTES) throw new RangeError(`Path too long for the helper: ${path}`);
      this.#text.set(bytes);
      Atomics.store(slots, SLOT.pathLength, bytes.length);
      Atomics.add(slots, SLOT.pathGeneration, 1);
      this.#path = path;
    }
    Atomics.store(slots, SLOT.done, 0);
    Atomics.store(slots, SLOT.request, 1);
    Atomics.notify(slots, SLOT.request);
    this.#wait();
    if (Atomics.load(slots, SLOT.done) === 2) {
      const length = Atomics.load(slots, SLOT.messageLength);
      this.#path = ""; // the helper drops a file it failed on
      throw new Error(new TextDecoder().decode(this.#text.slice(0, length)));
    }
    return Atomics.load(slots, SLOT.opened) === 1;
  }

  /**
   * Has the helper close the file it holds open, if any (the writer moved to a new segment: the
   * old one may be deleted once a snapshot covers it, and an open descriptor would keep its space).
   */
  release(): void {
    if (!this.ready || this.#path === "") return;
    const slots = this.#slots;
    Atomics.store(slots, SLOT.pathLength, 0);
    Atomics.add(slots, SLOT.pathGeneration, 1);
    this.#path = "";
    Atomics.store(slots, SLOT.done, 0);
    Atomics.store(slots, SLOT.request, 1);
    Atomics.notify(slots, SLOT.request);
    this.#wait();
  }

  /** Stops the helper thread (its descriptor closes with it). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    Atomics.store(this.#slots, SLOT.stop, 1);
    Atomics.store(this.#slots, SLOT.request, 1);
    Atomics.notify(this.#slots, SLOT.request);
    this.#worker.terminate();
  }

  /** Spins on the `done` slot for up to `spinMs`, then sleeps on it. */
  #wait(): void {
    const slots = this.#slots;
    const untilMs = performance.now() + this.#spinMs;
    for (let spins = 1; Atomics.load(slots, SLOT.done) === 0; spins++) {
      // Reading the clock is an op: once every 64 turns of the loop is often enough.
      if ((spins & 63) === 0 && performance.now() >= untilMs) {
        while (Atomics.load(slots, SLOT.done) === 0) Atomics.wait(slots, SLOT.done, 0);
        return;
      }
    }
  }
}
