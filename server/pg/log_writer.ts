/**
 * The PostgreSQL store's write path (as `journal_writer.ts` is the file store's): batches queued
 * while one transaction runs go into the next one (group commit: one statement and one WAL flush
 * for all, `commit.ts`), with the snapshot when one is due. Fail-stop: after a failed write, it
 * and every waiting and later batch reject; nothing is retried.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type postgres from "postgres";
import { type BatchRow, commitGroup, type SnapshotRow } from "./commit.ts";

const logger = getLogger(["auction", "store"]);

/** Options of {@linkcode LogWriter}. */
export interface LogWriterOptions {
  /** This node's name, written with each batch and snapshot. */
  node: string;
  /** The database URL without its password, for the log. */
  database: string;
  /**
   * The snapshot to commit with the group being taken (`wanted`: one was asked for), or null;
   * called synchronously with the taking, so the live state holds exactly those batches.
   */
  snapshotFor: (wanted: boolean) => SnapshotRow | null;
  /** Told once `snapshot` is committed. */
  onSnapshot: (snapshot: SnapshotRow) => void;
  /** `error` fit to show (the database password hidden). */
  hide: (error: unknown) => unknown;
  /** Called once, when the writer fails for good. */
  onFailure: (error: unknown) => void;
}

interface PendingBatch extends BatchRow {
  done: PromiseWithResolvers<void>;
}

/** Writes the log's batches, a group per transaction, on the connection that holds the lock. */
export class LogWriter {
  readonly #connection: postgres.Sql;
  readonly #options: LogWriterOptions;
  #queue: PendingBatch[] = [];
  #writing: Promise<void> | null = null;
  #lastDone: Promise<void> = Promise.resolve();
  #failure: unknown = null;
  #snapshotWanted = false;

  constructor(connection: postgres.Sql, options: LogWriterOptions) {
    this.#connection = connection;
    this.#options = options;
  }

  /** Why the writer failed for good (the password hidden), or null. */
  get failure(): unknown {
    return this.#failure;
  }

  /** Queues batch `seq` (its events as JSON); resolves once it is committed. */
  append(seq: number, json: string): Promise<void> {
    const done = Promise.withResolvers<void>();
    this.#queue.push({ seq, json, done });
    this.#lastDone = done.promise;
    this.#writing ??= this.#write();
    return done.promise;
  }

  /** Resolves once every batch queued so far is committed; rejects after a failure. */
  flush(): Promise<void> {
    return this.#failure ? Promise.reject(this.#failure) : this.#lastDone;
  }

  /** Commits a snapshot with the next group (alone if none); resolves once it is committed. */
  async snapshot(): Promise<void> {
    this.#snapshotWanted = true;
    this.#writing ??= this.#write();
    while (this.#writing) await this.#writing;
    if (this.#failure) throw this.#failure;
  }

  /** Fail-stop: this and every waiting and later append rejects; nothing is retried. */
  fail(error: unknown, batches: PendingBatch[] = []): void {
    if (this.#failure) {
      for (const batch of [...batches, ...this.#queue.splice(0)]) batch.done.reject(this.#failure);
      return;
    }
    const hidden = this.#options.hide(error);
    this.#failure = hidden;
    logger.fatal("Cannot write to {database}: {error}", {
      database: this.#options.database,
      error: hidden,
    });
    for (const batch of [...batches, ...this.#queue.splice(0)]) batch.done.reject(hidden);
    this.#options.onFailure(hidden);
  }

  /** Writes queued batches, each group in one transaction, until the queue is empty. */
  async #write(): Promise<void> {
    while ((this.#queue.length > 0 || this.#snapshotWanted) && !this.#failure) {
      const batches = this.#queue.splice(0);
      const snapshot = this.#options.snapshotFor(this.#snapshotWanted);
      this.#snapshotWanted = false;
      try {
        await commitGroup(this.#connection, this.#options.node, batches, snapshot);
      } catch (error) {
        this.fail(error, batches);
        break;
      }
      if (snapshot) this.#options.onSnapshot(snapshot);
      for (const batch of batches) batch.done.resolve();
    }
    this.#writing = null;
  }
}
