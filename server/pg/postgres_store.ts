/**
 * The PostgreSQL store: the log is a table of committed event batches (one row per append,
 * numbered in order), written with group commit (every batch queued while one transaction runs
 * goes into the next one, one WAL flush for all: `log_writer.ts`); snapshots live in a table,
 * and a start loads the newest one and replays the batches after it. One node writes at a time
 * (an advisory lock).
 * See `docs/scale-out.md`.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type postgres from "postgres";
import type { AuctionEvent } from "../../auction/events.ts";
import { serializeSnapshot } from "../store/snapshot.ts";
import type { AuctionState } from "../../auction/state.ts";
import type { Store } from "../store/store.ts";
import { checkDatabaseUrl, hidePassword, redactDatabaseUrl } from "./database_url.ts";
import type { SnapshotRow } from "./commit.ts";
import type { LogFollower } from "./follower.ts";
import { LogWriter } from "./log_writer.ts";
import { NodeLink } from "./node_link.ts";
import { type RecoveredState, recoverState } from "./recovery.ts";
import { ensureSchema } from "./schema.ts";
import { type PostgresStoreOptions, withDefaults } from "./store_options.ts";
import { WriterHeartbeat } from "./writer_heartbeat.ts";
import { holdsWriterLock, openWriterSession, takeWriterLock } from "./writer_lock.ts";

export { DatabaseBusyError, SESSION_KEEPALIVES } from "./writer_lock.ts";
export type { PostgresStoreOptions } from "./store_options.ts";

const logger = getLogger(["auction", "store"]);

/** A {@linkcode Store} keeping the log and snapshots in a PostgreSQL database. */
export class PostgresStore implements Store {
  readonly #url: string;
  readonly #options: Required<PostgresStoreOptions>;
  /** The one connection: it holds the writer lock, so every write goes through it. */
  #sql: postgres.Sql | null = null;
  /** Set the moment the writer lock is granted: from then on, losing the session is fatal. */
  #locked = false;
  /** The backend pid of the session given the writer lock. */
  #lockPid = 0;
  #releasing = false;
  /** Aborted when the store is closed: a standby stops reconnecting. */
  readonly #closing = new AbortController();
  #state: AuctionState | null = null;
  #lastSeq = 0;
  /** The number of the last event appended: events are numbered one by one, batches too. */
  #lastEventSeq = 0;
  #snapshotCoversSeq = 0;
  #eventsSinceSnapshot = 0;
  #lastSnapshotAtMs = 0;
  /** The write path (`log_writer.ts`), on the connection once it is open. */
  #writer: LogWriter | null = null;
  /** The writer's heartbeat, from the moment it holds the lock (`writer_heartbeat.ts`). */
  #heartbeat: WriterHeartbeat | null = null;
  #onStandby: ((follower: LogFollower) => Promise<void>) | undefined;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    checkDatabaseUrl(url);
    this.#url = url;
    this.#options = withDefaults(options);
  }

  /** The number of the last event appended (events are numbered from 1, one by one). */
  get lastSeq(): number {
    return this.#lastEventSeq;
  }

  /** This node's name. */
  get node(): string {
    return this.#options.node;
  }

  /**
   * Has `load`, when it finds another node writing, call `handler` with the follower that keeps
   * this node's state current while it waits (so that the node can serve meanwhile).
   */
  onStandby(handler: (follower: LogFollower) => Promise<void>): void {
    this.#onStandby = handler;
  }

  /** Connects this node to the others serving the database (`node_link.ts`). */
  openLink(): NodeLink {
    return NodeLink.open(this.#url, this.#options.node);
  }

  /** The database URL without its password. */
  get databaseUrl(): string {
    return redactDatabaseUrl(this.#url);
  }

  async load(): Promise<AuctionState> {
    const sql = openWriterSession(this.#url, this.#options.node, () => this.#connectionClosed());
    this.#sql = sql;
    this.#writer = new LogWriter(sql, {
      node: this.#options.node,
      database: this.databaseUrl,
      snapshotFor: (wanted) => wanted || this.#snapshotDue() ? this.#takeSnapshot() : null,
      onSnapshot: (snapshot) => this.#snapshotCoversSeq = snapshot.coversSeq,
      hide: (error) => this.#hidden(error),
      onFailure: this.#options.onFailure,
    });
    try {
      await ensureSchema(sql);
      const follower = await takeWriterLock(sql, {
        url: this.#url,
        node: this.#options.node,
        lockWaitMs: this.#options.lockWaitMs,
        followPollMs: this.#options.followPollMs,
        staleWriterAfterSeconds: this.#options.writerStaleAfterSeconds,
        onFollowed: this.#options.onFollowed,
        onStandby: this.#onStandby,
        onLocked: (pid) => {
          this.#locked = true;
          this.#lockPid = pid;
          // From now on: recovering a large state must not look like a frozen writer.
          this.#heartbeat = new WriterHeartbeat(sql, {
            everyMs: this.#options.heartbeatEveryMs,
            onLost: (error) => this.#writer?.fail(error),
          });
        },
        signal: this.#closing.signal,
      });
      // A standby has followed the log; under the lock, nothing more is committed.
      const recovered = follower ? await follower.finish() : await recoverState(sql);
      await this.#options.onWriterLock(this.#lockPid);
      await this.#checkWriterLock(sql);
      this.#recovered(recovered, follower);
    } catch (error) {
      // Nothing was written: no need to wait for a connection that may be broken already.
      await this.#release(0);
      throw this.#hidden(error);
    }
    return this.#state!;
  }

  append(events: readonly AuctionEvent[]): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    if (!this.#sql) return Promise.reject(new Error("Cannot append: the store is not loaded"));
    const json = JSON.stringify(events);
    // Counted before the writer starts: a snapshot it takes at once covers this batch.
    this.#lastEventSeq += events.length;
    this.#eventsSinceSnapshot += events.length;
    return this.#writer!.append(++this.#lastSeq, json);
  }

  flush(): Promise<void> {
    return this.#writer?.flush() ?? Promise.resolve();
  }

  /** Waits for pending writes, takes a last snapshot if anything changed, disconnects. */
  async close(): Promise<void> {
    if (!this.#sql) return;
    await this.flush().catch(() => {});
    if (!this.#failure && this.#eventsSinceSnapshot > 0) await this.snapshot().catch(() => {});
    await this.#release();
  }

  /**
   * The connection that holds the writer lock, for writes that must stop with it (the payment
   * ledger): if the session ends, the lock goes with it and so does every write on it.
   */
  get writerConnection(): postgres.Sql {
    if (this.#failure) throw this.#failure;
    if (!this.#sql || !this.#locked) throw new Error("Cannot write: the store is not loaded");
    return this.#sql;
  }

  /**
   * Whether the database answers `SELECT 1` on the writer's connection within `timeoutMs` (false
   * before the store is loaded, after it failed, or when it does not answer in time).
   */
  async ping(timeoutMs: number): Promise<boolean> {
    let sql: postgres.Sql;
    try {
      sql = this.writerConnection;
    } catch {
      return false;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) =>
      timer = setTimeout(() => resolve(false), timeoutMs)
    );
    try {
      return await Promise.race([sql`SELECT 1`.then(() => true, () => false), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The value of setting `name` in the writer's session, in its base unit (for tests and tools). */
  async sessionSetting(name: string): Promise<string> {
    if (!this.#sql) throw new Error("Cannot read a setting: the store is not loaded");
    const [row] = await this.#sql`SELECT setting AS value FROM pg_settings WHERE name = ${name}`;
    return String(row?.value);
  }

  /** Takes a snapshot now (for tests and tools); resolves once it is committed. */
  snapshot(): Promise<void> {
    if (!this.#writer) return Promise.reject(new Error("Cannot snapshot: the store is not loaded"));
    return this.#writer.snapshot();
  }

  /** Why the store failed for good (the password hidden), or null. */
  get #failure(): unknown {
    return this.#writer?.failure ?? null;
  }

  #snapshotDue(): boolean {
    if (this.#eventsSinceSnapshot === 0) return false;
    if (this.#eventsSinceSnapshot >= this.#options.snapshotEveryEvents) return true;
    const elapsedMs = this.#options.now() - this.#lastSnapshotAtMs;
    return elapsedMs >= this.#options.snapshotEverySeconds * 1000;
  }

  #takeSnapshot(): SnapshotRow {
    const nowMs = this.#options.now();
    this.#eventsSinceSnapshot = 0;
    this.#lastSnapshotAtMs = nowMs;
    return {
      coversSeq: this.#lastSeq,
      eventsThrough: this.#lastEventSeq,
      previous: this.#snapshotCoversSeq,
      json: serializeSnapshot(this.#state!, this.#lastSeq, nowMs),
    };
  }

  /**
   * The session that held the writer lock is gone, and the lock with it: another node may take
   * over now, so this one must never write again (a new connection would not hold the lock).
   */
  #connectionClosed(): void {
    if (this.#releasing || !this.#locked || this.#failure) return;
    this.#writer?.fail(new Error("Lost the database connection that holds the writer lock"));
  }

  /**
   * Throws unless the session given the writer lock is still the store's and holds it: the driver
   * reconnects silently, so a session lost between the grant and the first write would otherwise
   * go unnoticed, and this node would write without the lock.
   */
  async #checkWriterLock(sql: postgres.Sql): Promise<void> {
    const held = this.#failure === null &&
      await holdsWriterLock(sql, this.#lockPid).catch(() => false);
    if (this.#failure) throw this.#failure;
    if (!held) {
      const error = new Error("Lost the database connection that holds the writer lock");
      this.#writer?.fail(error);
      throw error;
    }
  }

  /** Takes `recovered` as the live state; `follower` says a standby followed the log to it. */
  #recovered(recovered: RecoveredState, follower: LogFollower | null): void {
    this.#state = recovered.state;
    this.#lastSeq = recovered.lastSeq;
    this.#lastEventSeq = recovered.eventsThrough + recovered.replayed;
    this.#snapshotCoversSeq = recovered.coversSeq;
    this.#eventsSinceSnapshot = recovered.replayed;
    this.#lastSnapshotAtMs = this.#options.now();
    const how = follower ? "took over (followed the log)" : "recovered";
    logger.info(
      "Node {node} {how} {database}: snapshot at batch {coversSeq}, {batches} batches " +
        "({replayed} events) applied after it",
      {
        node: this.#options.node,
        how,
        database: this.databaseUrl,
        coversSeq: recovered.coversSeq,
        batches: recovered.lastSeq - recovered.coversSeq,
        replayed: recovered.replayed,
      },
    );
  }

  async #release(timeoutSeconds = 5): Promise<void> {
    const sql = this.#sql;
    if (!sql) return;
    this.#sql = null;
    this.#releasing = true;
    this.#closing.abort();
    this.#heartbeat?.stop();
    // Ending the session releases the writer lock.
    await sql.end({ timeout: timeoutSeconds });
  }

  /** `error` with the database password hidden from its message. */
  #hidden(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    const message = hidePassword(error.message, this.#url);
    if (message !== error.message) error.message = message;
    return error;
  }
}
