/**
 * Following the log while another node writes: a standby keeps a state current by applying each
 * new batch in `seq` order as it is committed (told by `NOTIFY auction_log`, with a slow poll as a
 * safety net), so that taking over costs only the batches of the last moments, not a reload.
 * @module
 */

import postgres from "postgres";
import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { type RecoveredState, recoverState } from "./recovery.ts";

/** The channel the writer notifies after each commit, with the last batch as payload. */
export const LOG_CHANNEL = "auction_log";

/** Options of {@linkcode LogFollower.start}. */
export interface LogFollowerOptions {
  /** Reads the log this often even without a notification. @default 1000 */
  pollMs?: number;
  /** Called after each catch-up with the last batch applied. */
  onFollowed?: (lastSeq: number) => void;
  /** `application_name` of the follower's connections. */
  applicationName?: string;
}

/** A state kept current with the log of one database. */
export class LogFollower {
  readonly #sql: postgres.Sql;
  readonly #options: Required<LogFollowerOptions>;
  #recovered: RecoveredState;
  #running: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #listening: { unlisten(): Promise<void> } | null = null;
  #stopped = false;
  #followedAtMs = -Infinity;
  #catchUpQueued = false;

  private constructor(
    sql: postgres.Sql,
    recovered: RecoveredState,
    options: Required<LogFollowerOptions>,
  ) {
    this.#sql = sql;
    this.#recovered = recovered;
    this.#options = options;
  }

  /** Loads the state at `url` and follows the log from there. */
  static async start(url: string, options: LogFollowerOptions = {}): Promise<LogFollower> {
    const sql = postgres(url, {
      max: 2, // one for LISTEN, one for reading
      max_lifetime: 0,
      onnotice: () => {},
      connection: { application_name: options.applicationName ?? "auction follower" },
    });
    try {
      const follower = new LogFollower(sql, await recoverState(sql), {
        pollMs: options.pollMs ?? 1000,
        onFollowed: options.onFollowed ?? (() => {}),
        applicationName: options.applicationName ?? "auction follower",
      });
      // A failed catch-up is retried by the next one; `finish` reports a lasting failure.
      // A catch-up reads every batch committed before it starts: notifications that arrive
      // meanwhile need one more, not one each.
      follower.#listening = await sql.listen(LOG_CHANNEL, () => {
        if (follower.#catchUpQueued) return;
        follower.#catchUpQueued = true;
        follower.catchUp().catch(() => {});
      });
      follower.#schedulePoll();
      await follower.catchUp(); // What was committed before LISTEN took effect.
      return follower;
    } catch (error) {
      await sql.end({ timeout: 5 });
      throw error;
    }
  }

  /** When (`performance.now()`) a read of the log last succeeded: all before it is applied. */
  get followedAtMs(): number {
    return this.#followedAtMs;
  }

  /** How often the log is read without a notification. */
  get pollMs(): number {
    return this.#options.pollMs;
  }

  /** The last batch applied. */
  get lastSeq(): number {
    return this.#recovered.lastSeq;
  }

  /** Applies every batch committed since the last one applied (one catch-up at a time). */
  catchUp(): Promise<void> {
    this.#running = this.#running.catch(() => {}).then(() => this.#catchUp());
    return this.#running;
  }

  /**
   * Stops following after a last catch-up and hands over the state; call it once this node
   * holds the writer lock, so that nothing is committed after it.
   */
  async finish(): Promise<RecoveredState> {
    try {
      await this.catchUp();
      return this.#recovered;
    } finally {
      await this.stop();
    }
  }

  /** Stops following and disconnects. */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running.catch(() => {});
    await this.#listening?.unlisten().catch(() => {});
    await this.#sql.end({ timeout: 5 });
  }

  async #catchUp(): Promise<void> {
    this.#catchUpQueued = false;
    if (this.#stopped) return;
    const startedAtMs = performance.now();
    const after = this.#recovered.lastSeq;
    const rows = await this.#sql`
      SELECT seq, events::text AS json FROM auction_log WHERE seq > ${after} ORDER BY seq`;
    if (rows.length > 0 && Number(rows[0]!.seq) !== after + 1) {
      // The batches after ours were folded into a snapshot and deleted: start from it.
      this.#recovered = await recoverState(this.#sql);
    } else {
      for (const row of rows) {
        const events = JSON.parse(row.json) as AuctionEvent[];
        for (const event of events) applyEvent(this.#recovered.state, event);
        this.#recovered.replayed += events.length;
        this.#recovered.lastSeq = Number(row.seq);
      }
    }
    this.#followedAtMs = startedAtMs;
    this.#options.onFollowed(this.#recovered.lastSeq);
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.catchUp().catch(() => {}).finally(() => this.#schedulePoll());
    }, this.#options.pollMs);
  }
}
