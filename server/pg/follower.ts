/**
 * Following the log while another node writes: a standby keeps a state current by applying each
 * new batch in `seq` order as it is committed (told by `NOTIFY auction_log`, with a slow poll as a
 * safety net), so that taking over costs only the batches of the last moments, not a reload.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import postgres from "postgres";
import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import type { AuctionState } from "../../auction/state.ts";
import type { CommittedBatch } from "../core.ts";
import { type RecoveredState, recoverState } from "./recovery.ts";
import { StaleWriterWatch } from "./stale_writer.ts";

const logger = getLogger(["auction", "follower"]);

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
  /**
   * Watch the writer's heartbeat as node `node` and end the writer's session once the beat is
   * older than `staleAfterSeconds` (`stale_writer.ts`). No watch when undefined.
   */
  watchWriter?: { node: string; staleAfterSeconds: number };
}

/** A state kept current with the log of one database. */
export class LogFollower {
  readonly #sql: postgres.Sql;
  readonly #options: Required<Omit<LogFollowerOptions, "watchWriter">>;
  #recovered: RecoveredState;
  #running: Promise<void> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #listening: { unlisten(): Promise<void> } | null = null;
  #watch: StaleWriterWatch | null = null;
  #stopped = false;
  #followedAtMs = -Infinity;
  #catchUpQueued = false;
  /** The newest batch this node has heard of (notified, or read). */
  #heardSeq = 0;
  readonly #appliedListeners: ((batch: CommittedBatch) => void)[] = [];
  readonly #reloadedListeners: (() => void)[] = [];

  private constructor(
    sql: postgres.Sql,
    recovered: RecoveredState,
    options: Required<Omit<LogFollowerOptions, "watchWriter">>,
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
      follower.#listening = await sql.listen(LOG_CHANNEL, (payload) => {
        const notifiedSeq = Number(payload);
        if (notifiedSeq > follower.#heardSeq) follower.#heardSeq = notifiedSeq;
        if (follower.#catchUpQueued) return;
        follower.#catchUpQueued = true;
        follower.catchUp().catch(() => {});
      });
      follower.#schedulePoll();
      await follower.catchUp(); // What was committed before LISTEN took effect.
      if (options.watchWriter) follower.#watch = new StaleWriterWatch(sql, options.watchWriter);
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

  /** Whether the writer's heartbeat was older than the bound at the last look (a frozen writer). */
  get writerStale(): boolean {
    return this.#watch?.stale ?? false;
  }

  /** The last batch applied. */
  get lastSeq(): number {
    return this.#recovered.lastSeq;
  }

  /** Batches committed that this node has heard of and not yet applied. */
  get lagBatches(): number {
    return Math.max(0, this.#heardSeq - this.#recovered.lastSeq);
  }

  /**
   * The state as the log left it, changed only by catch-ups (read it, never change it). It is
   * replaced by another object when the follower has to start again from a snapshot.
   */
  get state(): Readonly<AuctionState> {
    return this.#recovered.state;
  }

  /**
   * The number of the last event applied: events are numbered one by one across the log, as the
   * writer's store numbers them (`Store.lastSeq`), so it is the writer's sequence number too.
   */
  get eventSeq(): number {
    return this.#recovered.eventsThrough + this.#recovered.replayed;
  }

  /**
   * Calls `listener` with each batch once it is applied, in log order, numbered as the writer's
   * core numbers its committed batches (so a board fed here shows the writer's event ids).
   */
  onApplied(listener: (batch: CommittedBatch) => void): void {
    this.#appliedListeners.push(listener);
  }

  /**
   * Calls `listener` when the follower starts again from a snapshot (the batches after the last
   * one it applied were folded into it and deleted): those batches are never reported, and
   * {@linkcode state} is a new object.
   */
  onReloaded(listener: () => void): void {
    this.#reloadedListeners.push(listener);
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
    this.#watch?.stop();
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
      this.#report(this.#reloadedListeners, undefined);
    } else {
      for (const row of rows) {
        const events = JSON.parse(row.json) as AuctionEvent[];
        const firstSeq = this.eventSeq + 1;
        for (const event of events) applyEvent(this.#recovered.state, event);
        this.#recovered.replayed += events.length;
        this.#recovered.lastSeq = Number(row.seq);
        if (events.length > 0) this.#report(this.#appliedListeners, { firstSeq, events });
      }
    }
    if (this.#recovered.lastSeq > this.#heardSeq) this.#heardSeq = this.#recovered.lastSeq;
    this.#followedAtMs = startedAtMs;
    this.#options.onFollowed(this.#recovered.lastSeq);
  }

  /** Calls each of `listeners` with `value`; one that throws is logged and stops no other. */
  #report<T>(listeners: ((value: T) => void)[], value: T): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (error) {
        logger.error("A listener of the followed log failed: {error}", { error });
      }
    }
  }

  #schedulePoll(): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.catchUp().catch(() => {}).finally(() => this.#schedulePoll());
    }, this.#options.pollMs);
  }
}
