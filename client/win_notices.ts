/**
 * The winner's close, said once. At the close a subscriber hears a last AUCTION_ANNOUNCE (over
 * UDP), and the winner WINNER too (over TCP, with the seller): two lines that say the same. A
 * closing announcement that says this client won is held for WINNER, whose line says it all;
 * should WINNER be late ({@linkcode WINNER_GRACE_MS}: the server busy, or unable to connect),
 * the held line prints alone. A WINNER heard first makes the announcement that follows silent.
 * @module
 */

import type { Timers } from "./timers.ts";

/** How long a closing announcement that says this client won waits for WINNER. */
export const WINNER_GRACE_MS = 5_000;

/** What {@linkcode WinNotices} needs. */
export interface WinNoticesOptions {
  /** Times the wait for WINNER. */
  timers: Pick<Timers, "setTimeout">;
  /** Prints a held line whose WINNER did not come in time. */
  print(line: string): void;
}

/** The closes this client won, by item (lower-cased). */
export class WinNotices {
  readonly #options: WinNoticesOptions;
  readonly #held = new Map<string, string>();
  readonly #wonBeforeClose = new Set<string>();

  constructor(options: WinNoticesOptions) {
    this.#options = options;
  }

  /**
   * Whether an announcement of `item` with `timeLeft` prints: one with time left is a new
   * auction (what was held or heard of the last one no longer stands); a close after WINNER
   * says nothing more.
   */
  announced(item: string, timeLeft: number): boolean {
    const key = item.toLowerCase();
    if (timeLeft > 0) {
      this.#held.delete(key);
      this.#wonBeforeClose.delete(key);
      return true;
    }
    return !this.#wonBeforeClose.delete(key);
  }

  /** Holds `line`, the close of `item` that says this client won, until WINNER or the grace. */
  hold(item: string, line: string): void {
    const key = item.toLowerCase();
    this.#held.set(key, line);
    this.#options.timers.setTimeout(() => {
      const held = this.#held.get(key);
      if (held !== line) return;
      this.#held.delete(key);
      this.#options.print(line);
    }, WINNER_GRACE_MS);
  }

  /** WINNER for `item`: its line says the close, so a held one is dropped, a later one silent. */
  won(item: string): void {
    const key = item.toLowerCase();
    if (!this.#held.delete(key)) this.#wonBeforeClose.add(key);
  }
}
