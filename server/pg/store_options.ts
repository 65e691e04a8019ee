/**
 * The options of the PostgreSQL store (`postgres_store.ts`) and their defaults.
 * @module
 */

import { DEFAULT_WRITER_STALE_AFTER_SECONDS, HEARTBEAT_EVERY_MS } from "./writer_heartbeat.ts";

/** Options of {@linkcode PostgresStore}. */
export interface PostgresStoreOptions {
  /** This node's name, written with each batch and snapshot. @default "node1" */
  node?: string;
  /** Take a snapshot after this many events. @default 10000 */
  snapshotEveryEvents?: number;
  /** Take a snapshot when this many seconds passed since the last one (checked at writes). @default 300 */
  snapshotEverySeconds?: number;
  /**
   * How long `load` waits while another node writes to the database; meanwhile this node is a
   * standby that takes over when that one stops or dies. @default Infinity
   */
  lockWaitMs?: number;
  /** The time used to leave expired cached replies out of snapshots. @default Date.now */
  now?: () => number;
  /**
   * Called once when the store fails for good (a failed write, or the writer's connection lost
   * even while idle), so the server can stop at once rather than at its next request.
   */
  onFailure?: (error: unknown) => void;
  /** A standby reads the log this often even without a notification. @default 1000 */
  followPollMs?: number;
  /** Called each time a standby has applied the log up to batch `lastSeq` (for tests). */
  onFollowed?: (lastSeq: number) => void;
  /**
   * Called once this node is given the writer lock, with the backend pid of the session that
   * holds it, before the node checks that it still holds it and serves as the writer (for tests).
   */
  onWriterLock?: (pid: number) => Promise<void> | void;
  /**
   * A standby ends the writer's session (and takes over) once the writer's heartbeat is older
   * than this, by the database's clock (`--writer-stale-after`). @default 10
   */
  writerStaleAfterSeconds?: number;
  /**
   * The writer beats this often; Infinity beats only with the lock (for tests: a frozen
   * writer). @default 1000
   */
  heartbeatEveryMs?: number;
}

/** `options` with every default filled in. */
export function withDefaults(options: PostgresStoreOptions): Required<PostgresStoreOptions> {
  return {
    node: options.node ?? "node1",
    snapshotEveryEvents: options.snapshotEveryEvents ?? 10_000,
    snapshotEverySeconds: options.snapshotEverySeconds ?? 300,
    lockWaitMs: options.lockWaitMs ?? Infinity,
    now: options.now ?? Date.now,
    onFailure: options.onFailure ?? (() => {}),
    followPollMs: options.followPollMs ?? 1000,
    onFollowed: options.onFollowed ?? (() => {}),
    onWriterLock: options.onWriterLock ?? (() => {}),
    writerStaleAfterSeconds: options.writerStaleAfterSeconds ?? DEFAULT_WRITER_STALE_AFTER_SECONDS,
    heartbeatEveryMs: options.heartbeatEveryMs ?? HEARTBEAT_EVERY_MS,
  };
}
