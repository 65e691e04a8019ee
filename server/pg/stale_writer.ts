/**
 * A standby's watch on the writer's heartbeat (`writer_heartbeat.ts`): every second, on the
 * standby's own connection, it reads how old the beat of the session holding the writer lock is,
 * by the database's clock, and when it is older than the bound it ends that session
 * (`pg_terminate_backend`), which releases the lock to the standbys waiting for it. A frozen
 * writer's kernel keeps its TCP session alive, so nothing else would.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type postgres from "postgres";
import { LOCK_CLASS, WRITER_LOCK } from "./schema.ts";

const logger = getLogger(["auction", "store"]);

/** What one look at the writer found. */
export interface WriterSeen {
  /** The writer's node, as its heartbeat says. */
  node: string;
  /** The backend pid of the session holding the writer lock. */
  pid: number;
  /** Seconds since its last beat, by the database's clock. */
  ageSeconds: number;
  /** Whether this look ended the writer's session, its beat being too old. */
  terminated: boolean;
}

/**
 * Looks at the writer of the database of `sql`: its heartbeat's age and, when that is over
 * `staleAfterSeconds`, ends its session in the same statement (so a beat that arrives meanwhile
 * is seen). Resolves to null when no session holds the writer lock or its heartbeat row names
 * another session (a writer of a version without heartbeat, or one granted the lock this instant).
 */
export async function lookAtWriter(
  sql: postgres.Sql,
  staleAfterSeconds: number,
): Promise<WriterSeen | null> {
  const [row] = await sql`
    WITH writer AS (
      SELECT h.node, h.pid, extract(epoch FROM now() - h.beat_at)::float8 AS age_seconds
      FROM pg_locks l JOIN writer_heartbeat h ON h.pid = l.pid
      WHERE l.locktype = 'advisory' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ${LOCK_CLASS}::int::oid AND l.objid = ${WRITER_LOCK}::int::oid
        AND l.objsubid = 2
    )
    SELECT node, pid, age_seconds,
      CASE WHEN age_seconds > ${staleAfterSeconds}::float8 THEN pg_terminate_backend(pid)
        ELSE false END AS terminated
    FROM writer`;
  if (!row) return null;
  return {
    node: String(row.node),
    pid: Number(row.pid),
    ageSeconds: Number(row.age_seconds),
    terminated: row.terminated === true,
  };
}

/** Options of {@linkcode StaleWriterWatch}. */
export interface StaleWriterWatchOptions {
  /** This node's name, for the log. */
  node: string;
  /** The bound on the writer's heartbeat's age (`--writer-stale-after`). */
  staleAfterSeconds: number;
  /** Look this often. @default 1000 */
  everyMs?: number;
}

/** Looks at the writer every second until stopped, ending its session when its beat is stale. */
export class StaleWriterWatch {
  readonly #sql: postgres.Sql;
  readonly #options: Required<StaleWriterWatchOptions>;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  #stale = false;
  #refusedLogged = false;

  constructor(sql: postgres.Sql, options: StaleWriterWatchOptions) {
    this.#sql = sql;
    this.#options = { everyMs: 1_000, ...options };
    this.#schedule();
  }

  /** Whether the last look found the writer's heartbeat older than the bound. */
  get stale(): boolean {
    return this.#stale;
  }

  /** Stops looking. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => void this.#look(), this.#options.everyMs);
  }

  async #look(): Promise<void> {
    const { node, staleAfterSeconds } = this.#options;
    try {
      const writer = await lookAtWriter(this.#sql, staleAfterSeconds);
      this.#stale = writer !== null && writer.ageSeconds > staleAfterSeconds;
      if (writer?.terminated) {
        logger.warn(
          "Node {node} ended the session of writer {writer} (backend {pid}): its heartbeat is " +
            "{ageSeconds} s old, over --writer-stale-after {staleAfterSeconds}; the writer lock " +
            "passes to a standby",
          {
            node,
            writer: writer.node,
            pid: writer.pid,
            ageSeconds: writer.ageSeconds,
            staleAfterSeconds,
          },
        );
      }
    } catch (error) {
      // A lost connection is the follower's to notice; a refusal (another role) says so once.
      if (!this.#refusedLogged && /permission denied/i.test(String(error))) {
        this.#refusedLogged = true;
        logger.error("Node {node} cannot end a stale writer's session: {error}", { node, error });
      }
    }
    this.#schedule();
  }
}
