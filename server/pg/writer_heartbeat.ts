/**
 * The writer's heartbeat: the node holding the writer lock stamps `writer_heartbeat.beat_at` with
 * the database's clock every second, from its event loop, on the session that holds the lock. A
 * writer that is frozen (SIGSTOP, a long pause, a stuck event loop) stops beating while the kernel
 * keeps its session, and so its lock, alive; a standby that sees the beat too old ends that
 * session (`stale_writer.ts`) and takes over. See docs/scale-out.md, "A frozen writer".
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type postgres from "postgres";

const logger = getLogger(["auction", "store"]);

/** How often the writer beats. @default 1000 */
export const HEARTBEAT_EVERY_MS = 1_000;

/**
 * How old the writer's last beat may be before a standby ends its session and takes over
 * (`--writer-stale-after`).
 */
export const DEFAULT_WRITER_STALE_AFTER_SECONDS = 10;

/** Options of {@linkcode WriterHeartbeat}. */
export interface WriterHeartbeatOptions {
  /** Beat this often; a non-finite value never beats (for tests: a frozen writer). */
  everyMs: number;
  /** Called once if a beat finds the row naming another session: this node lost the lock. */
  onLost: (error: Error) => void;
}

/**
 * Beats on the writer's session `sql` until stopped. The first beat is written with the lock
 * itself (`writer_lock.ts`), so the row names the holder from the moment it holds the lock.
 */
export class WriterHeartbeat {
  readonly #sql: postgres.Sql;
  readonly #options: WriterHeartbeatOptions;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;

  constructor(sql: postgres.Sql, options: WriterHeartbeatOptions) {
    this.#sql = sql;
    this.#options = options;
    this.#schedule();
  }

  /** Stops beating. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped || !Number.isFinite(this.#options.everyMs)) return;
    this.#timer = setTimeout(() => void this.#beat(), this.#options.everyMs);
  }

  async #beat(): Promise<void> {
    try {
      const rows = await this.#sql`
        UPDATE writer_heartbeat SET beat_at = clock_timestamp() WHERE pid = pg_backend_pid()
        RETURNING pid`;
      if (rows.length === 0 && !this.#stopped) {
        this.stop();
        this.#options.onLost(
          new Error("Lost the writer lock: the writer's heartbeat names another session"),
        );
        return;
      }
    } catch (error) {
      // A lost session is the store's to notice (its connection's close); the next beat retries.
      logger.debug("The writer's heartbeat failed: {error}", { error });
    }
    this.#schedule();
  }
}
