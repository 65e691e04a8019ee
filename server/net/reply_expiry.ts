/**
 * Forgets cached replies once their lifetime (247 s) has passed, so the live state does not
 * grow with every client ever seen. Forgetting is itself an event (`replies_expired`), so the
 * state recovered from disk stays equal to the live one.
 * @module
 */

import { hasExpiredReplies } from "../../auction/replies.ts";
import type { TimerHandle } from "../clock.ts";
import type { CoreView, TransactionRunner } from "../core.ts";

/** Options of {@linkcode ReplyExpiry}. */
export interface ReplyExpiryOptions {
  /** How often to look for expired replies. @default 60000 */
  intervalMs?: number;
}

/** What the sweep needs of the core: the state, the time, and transactions. */
export type ReplyExpiryCore = Pick<CoreView, "state" | "clock"> & TransactionRunner;

/** A periodic sweep of the reply cache kept in the state. */
export class ReplyExpiry {
  readonly #core: ReplyExpiryCore;
  readonly #intervalMs: number;
  #timer: TimerHandle | undefined;
  #sweeping: Promise<void> = Promise.resolve();

  constructor(core: ReplyExpiryCore, options: ReplyExpiryOptions = {}) {
    this.#core = core;
    this.#intervalMs = options.intervalMs ?? 60_000;
  }

  /** Starts sweeping every interval. */
  start(): void {
    this.#timer = this.#core.clock.setTimer(() => this.#sweep(), this.#intervalMs);
  }

  /** Stops sweeping; resolves once a sweep under way is saved. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) this.#core.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
  }

  #sweep(): void {
    if (hasExpiredReplies(this.#core.state, this.#core.clock.now())) {
      this.#sweeping = this.#core.run((transaction) => {
        transaction.emit({ type: "replies_expired", atMs: transaction.nowMs });
      }).catch(() => {}); // A failed save already stops the server (fail-stop).
    }
    this.start();
  }
}
