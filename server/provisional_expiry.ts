/**
 * Removes provisional accounts (`auction/provisional.ts`) once `--provisional-seconds` have passed
 * since they registered, freeing their names. The removal is itself an event (`accounts_expired`,
 * naming each account), so the state recovered from disk agrees with the live one whatever the
 * flag is at the next start.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { provisionalRegisteredBy } from "../auction/provisional.ts";
import type { TimerHandle } from "./clock.ts";
import type { CoreView, TransactionRunner } from "./core.ts";

const logger = getLogger(["auction", "accounts"]);

/** Most accounts one `accounts_expired` event names: a big backlog goes in several. */
const NAMES_PER_EVENT = 1000;

/** What the sweep needs of the core: the state, the time, the settings, and transactions. */
export type ProvisionalExpiryCore =
  & Pick<CoreView, "state" | "clock" | "config">
  & TransactionRunner;

/** A periodic sweep of the provisional accounts. */
export class ProvisionalExpiry {
  readonly #core: ProvisionalExpiryCore;
  readonly #lifetimeMs: number;
  readonly #intervalMs: number;
  #timer: TimerHandle | undefined;
  #sweeping: Promise<void> = Promise.resolve();

  constructor(core: ProvisionalExpiryCore) {
    this.#core = core;
    this.#lifetimeMs = core.config.provisionalSeconds * 1000;
    // An account lives at most a quarter of its lifetime (and 60 s) past its time.
    this.#intervalMs = Math.max(250, Math.min(60_000, this.#lifetimeMs / 4));
  }

  /** Starts sweeping (not at all when accounts are never provisional). */
  start(): void {
    if (this.#lifetimeMs === 0) return;
    this.#timer = this.#core.clock.setTimer(() => {
      this.#sweeping = this.#sweep().catch(() => {}); // A failed save stops the server (fail-stop).
    }, this.#intervalMs);
  }

  /** Stops sweeping; resolves once a sweep under way is saved. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) this.#core.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
  }

  /** Resolves once the sweep under way, if any, is saved (for tests). */
  idle(): Promise<void> {
    return this.#sweeping;
  }

  async #sweep(): Promise<void> {
    const due = () => this.#core.clock.now() - this.#lifetimeMs;
    while (provisionalRegisteredBy(this.#core.state, due(), 1).length > 0) {
      const removed = await this.#core.run((transaction) => {
        const cutoffMs = transaction.nowMs - this.#lifetimeMs;
        const keys = provisionalRegisteredBy(transaction.state, cutoffMs, NAMES_PER_EVENT);
        const names = keys.map((key) => transaction.state.users[key]?.name ?? key);
        if (names.length > 0) {
          transaction.emit({ type: "accounts_expired", atMs: transaction.nowMs, names });
        }
        return names.length;
      });
      if (removed === 0) break;
      logger.info("{count} provisional account(s) expired, their names free again", {
        count: removed,
      });
    }
    if (this.#timer !== undefined) this.start();
  }
}
