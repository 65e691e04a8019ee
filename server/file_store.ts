/**
 * The on-disk store: the whole state as one human-readable JSON snapshot, replaced atomically
 * (temporary file in the same folder, fsync, rename, fsync the folder). Writes are group
 * committed: while one snapshot is being written, later appends wait for the next one, which
 * covers them all.
 * @module
 */

import { join } from "node:path";
import type { AuctionEvent } from "./events.ts";
import { type AuctionState, emptyState } from "./state.ts";
import type { Store } from "./store.ts";

/** Name of the snapshot file inside the data folder. */
export const SNAPSHOT_FILE = "state.json";

interface Batch {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** A {@linkcode Store} keeping `state.json` in `dataDir`. */
export class FileStore implements Store {
  readonly #dataDir: string;
  #state: AuctionState | null = null;
  #writing: Promise<void> | null = null;
  #waiting: Batch | null = null;
  #failure: unknown = null;

  constructor(dataDir: string) {
    this.#dataDir = dataDir;
  }

  async load(): Promise<AuctionState> {
    await Deno.mkdir(this.#dataDir, { recursive: true });
    try {
      const text = await Deno.readTextFile(join(this.#dataDir, SNAPSHOT_FILE));
      this.#state = JSON.parse(text) as AuctionState;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw new Error(`Cannot load ${join(this.#dataDir, SNAPSHOT_FILE)}: ${error}`);
      }
      this.#state = emptyState();
    }
    return this.#state;
  }

  append(_events: readonly AuctionEvent[]): Promise<void> {
    return this.flush();
  }

  flush(): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#waiting) this.#waiting = newBatch();
    const promise = this.#waiting.promise;
    this.#startWrite();
    return promise;
  }

  async close(): Promise<void> {
    while (this.#writing || this.#waiting) {
      await (this.#writing ?? this.#waiting?.promise);
    }
  }

  #startWrite(): void {
    if (this.#writing || !this.#waiting || !this.#state) return;
    const batch = this.#waiting;
    this.#waiting = null;
    const text = JSON.stringify(this.#state, null, 1);
    this.#writing = writeAtomically(this.#dataDir, SNAPSHOT_FILE, text)
      .then(batch.resolve, (error) => {
        this.#failure = error;
        batch.reject(error);
      })
      .finally(() => {
        this.#writing = null;
        this.#startWrite();
      });
  }
}

/** Replaces `dir/name` with `text` so that a crash leaves either the old or the new file. */
export async function writeAtomically(dir: string, name: string, text: string): Promise<void> {
  const target = join(dir, name);
  const temporary = `${target}.tmp`;
  const file = await Deno.open(temporary, { write: true, create: true, truncate: true });
  try {
    const bytes = new TextEncoder().encode(text);
    for (let written = 0; written < bytes.length;) {
      written += await file.write(bytes.subarray(written));
    }
    await file.syncData();
  } finally {
    file.close();
  }
  await Deno.rename(temporary, target);
  await syncDirectory(dir);
}

/** fsyncs a folder so that a rename in it is durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await Deno.open(dir, { read: true });
  try {
    await handle.sync();
  } finally {
    handle.close();
  }
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((yes, no) => {
    resolve = yes;
    reject = no;
  });
  return { promise, resolve, reject };
}
