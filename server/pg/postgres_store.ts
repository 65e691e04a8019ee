/**
 * The PostgreSQL store: the log is a table of committed event batches (one row per append,
 * numbered in order), written with group commit (every batch queued while one transaction runs
 * goes into the next one, one WAL flush for all); snapshots live in a table, and a start loads
 * the newest one and replays the batches after it. One node writes at a time (an advisory lock).
 * See `docs/scale-out.md`.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import postgres from "postgres";
import type { AuctionEvent } from "../events.ts";
import { serializeSnapshot } from "../snapshot.ts";
import type { AuctionState } from "../state.ts";
import type { Store } from "../store.ts";
import { checkDatabaseUrl, hidePassword, redactDatabaseUrl } from "./database_url.ts";
import { recoverState } from "./recovery.ts";
import { ensureSchema, LOCK_CLASS, WRITER_LOCK } from "./schema.ts";

const logger = getLogger(["auction", "store"]);

/** Options of {@linkcode PostgresStore}. */
export interface PostgresStoreOptions {
  /** This node's name, written with each batch and snapshot. @default "node1" */
  node?: string;
  /** Take a snapshot after this many events. @default 10000 */
  snapshotEveryEvents?: number;
  /** Take a snapshot when this many seconds passed since the last one (checked at writes). @default 300 */
  snapshotEverySeconds?: number;
  /** How long `load` waits for another node to release the database. @default 10000 */
  lockWaitMs?: number;
  /** The time used to leave expired cached replies out of snapshots. @default Date.now */
  now?: () => number;
}

/** The database is held by another node (this store writes from one node at a time). */
export class DatabaseBusyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DatabaseBusyError";
  }
}

interface PendingBatch {
  seq: number;
  json: string;
  done: PromiseWithResolvers<void>;
}

/** A {@linkcode Store} keeping the log and snapshots in a PostgreSQL database. */
export class PostgresStore implements Store {
  readonly #url: string;
  readonly #options: Required<PostgresStoreOptions>;
  #sql: postgres.Sql | null = null;
  #lock: postgres.ReservedSql | null = null;
  #state: AuctionState | null = null;
  #lastSeq = 0;
  #snapshotCoversSeq = 0;
  #eventsSinceSnapshot = 0;
  #lastSnapshotAtMs = 0;
  #snapshotWanted = false;
  #queue: PendingBatch[] = [];
  #writing: Promise<void> | null = null;
  #lastDone: Promise<void> = Promise.resolve();
  #failure: unknown = null;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    checkDatabaseUrl(url);
    this.#url = url;
    this.#options = {
      node: options.node ?? "node1",
      snapshotEveryEvents: options.snapshotEveryEvents ?? 10_000,
      snapshotEverySeconds: options.snapshotEverySeconds ?? 300,
      lockWaitMs: options.lockWaitMs ?? 10_000,
      now: options.now ?? Date.now,
    };
  }

  /** The database URL without its password. */
  get databaseUrl(): string {
    return redactDatabaseUrl(this.#url);
  }

  async load(): Promise<AuctionState> {
    const sql = postgres(this.#url, {
      max: 3,
      onnotice: () => {},
      connection: { application_name: `auction ${this.#options.node}` },
    });
    this.#sql = sql;
    try {
      await ensureSchema(sql);
      this.#lock = await this.#takeWriterLock(sql);
      await this.#recover(sql);
    } catch (error) {
      await this.#release();
      throw this.#hidden(error);
    }
    return this.#state!;
  }

  append(events: readonly AuctionEvent[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#sql) return Promise.reject(new Error("Cannot append: the store is not loaded"));
    const done = Promise.withResolvers<void>();
    this.#queue.push({ seq: ++this.#lastSeq, json: JSON.stringify(events), done });
    this.#eventsSinceSnapshot += events.length;
    this.#lastDone = done.promise;
    this.#writing ??= this.#write();
    return done.promise;
  }

  flush(): Promise<void> {
    return this.#failure ? Promise.reject(this.#failure) : this.#lastDone;
  }

  /** Waits for pending writes, takes a last snapshot if anything changed, disconnects. */
  async close(): Promise<void> {
    if (!this.#sql) return;
    await this.flush().catch(() => {});
    if (!this.#failure && this.#eventsSinceSnapshot > 0) await this.snapshot().catch(() => {});
    await this.#release();
  }

  /** Takes a snapshot now (for tests and tools); resolves once it is committed. */
  async snapshot(): Promise<void> {
    this.#snapshotWanted = true;
    this.#writing ??= this.#write();
    while (this.#writing) await this.#writing;
    if (this.#failure) throw this.#failure;
  }

  /** Writes queued batches, each group in one transaction, until the queue is empty. */
  async #write(): Promise<void> {
    const sql = this.#sql!;
    while ((this.#queue.length > 0 || this.#snapshotWanted) && !this.#failure) {
      const batches = this.#queue.splice(0);
      // Taken synchronously with the batches: the live state holds exactly what was appended.
      const snapshot = this.#snapshotWanted || this.#snapshotDue() ? this.#takeSnapshot() : null;
      try {
        await sql.begin(async (transaction) => {
          if (batches.length > 0) {
            await transaction`
              INSERT INTO auction_log (seq, node, events)
              SELECT seq, ${this.#options.node}, events::json
              FROM unnest(${batches.map((batch) => String(batch.seq))}::bigint[],
                          ${batches.map((batch) => batch.json)}::text[]) AS batch(seq, events)`;
          }
          if (snapshot) {
            await transaction`
              INSERT INTO auction_snapshots (covers_seq, node, snapshot)
              VALUES (${snapshot.coversSeq}, ${this.#options.node}, ${snapshot.json}::text::json)`;
            // Keep the snapshot before it and the batches between the two.
            await transaction`DELETE FROM auction_snapshots WHERE covers_seq < ${snapshot.previous}`;
            await transaction`DELETE FROM auction_log WHERE seq <= ${snapshot.previous}`;
          }
        });
      } catch (error) {
        this.#fail(error, batches);
        break;
      }
      if (snapshot) this.#snapshotCoversSeq = snapshot.coversSeq;
      for (const batch of batches) batch.done.resolve();
    }
    this.#writing = null;
  }

  #snapshotDue(): boolean {
    if (this.#eventsSinceSnapshot === 0) return false;
    if (this.#eventsSinceSnapshot >= this.#options.snapshotEveryEvents) return true;
    const elapsedMs = this.#options.now() - this.#lastSnapshotAtMs;
    return elapsedMs >= this.#options.snapshotEverySeconds * 1000;
  }

  #takeSnapshot(): { coversSeq: number; previous: number; json: string } {
    const nowMs = this.#options.now();
    this.#snapshotWanted = false;
    this.#eventsSinceSnapshot = 0;
    this.#lastSnapshotAtMs = nowMs;
    return {
      coversSeq: this.#lastSeq,
      previous: this.#snapshotCoversSeq,
      json: serializeSnapshot(this.#state!, this.#lastSeq, nowMs),
    };
  }

  /** Fail-stop: this and every waiting and later append rejects; nothing is retried. */
  #fail(error: unknown, batches: PendingBatch[]): void {
    const hidden = this.#hidden(error);
    this.#failure = hidden;
    logger.fatal("Cannot write to {database}: {error}", {
      database: this.databaseUrl,
      error: hidden,
    });
    for (const batch of [...batches, ...this.#queue.splice(0)]) batch.done.reject(hidden);
  }

  async #takeWriterLock(sql: postgres.Sql): Promise<postgres.ReservedSql> {
    const reserved = await sql.reserve();
    const deadline = Date.now() + this.#options.lockWaitMs;
    for (;;) {
      const [row] = await reserved`
        SELECT pg_try_advisory_lock(${LOCK_CLASS}::int, ${WRITER_LOCK}::int) AS taken`;
      if (row?.taken) return reserved;
      if (Date.now() >= deadline) {
        reserved.release();
        throw new DatabaseBusyError(
          `Cannot start node ${this.#options.node}: another node is writing to ${this.databaseUrl} ` +
            `(one node at a time for now; see docs/scale-out.md)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Loads the newest snapshot and applies every batch after it, in order. */
  async #recover(sql: postgres.Sql): Promise<void> {
    const recovered = await recoverState(sql);
    this.#state = recovered.state;
    this.#lastSeq = recovered.lastSeq;
    this.#snapshotCoversSeq = recovered.coversSeq;
    this.#eventsSinceSnapshot = recovered.replayed;
    this.#lastSnapshotAtMs = this.#options.now();
    logger.info(
      "Recovered {database} as node {node}: snapshot at batch {coversSeq}, {batches} batches " +
        "({replayed} events) replayed",
      {
        database: this.databaseUrl,
        node: this.#options.node,
        coversSeq: recovered.coversSeq,
        batches: recovered.lastSeq - recovered.coversSeq,
        replayed: recovered.replayed,
      },
    );
  }

  async #release(): Promise<void> {
    const sql = this.#sql;
    if (!sql) return;
    this.#sql = null;
    const lock = this.#lock;
    this.#lock = null;
    if (lock) {
      await lock`SELECT pg_advisory_unlock(${LOCK_CLASS}::int, ${WRITER_LOCK}::int)`.catch(
        () => {},
      );
      lock.release();
    }
    await sql.end({ timeout: 5 });
  }

  /** `error` with the database password hidden from its message. */
  #hidden(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const message = hidePassword(error.message, this.#url);
    if (message !== error.message) error.message = message;
    return error;
  }
}
