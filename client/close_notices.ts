/**
 * The close of an auction this client won or sold, said once. At the close a subscriber hears a
 * last AUCTION_ANNOUNCE (over UDP); the winner hears WINNER too, and the seller SOLD or NON_OFFER:
 * two lines that say the same, the second with more (the seller, the buyer). A closing
 * announcement of an auction this client won or listed is held for that message; should it be
 * late ({@linkcode SALE_GRACE_MS}: the server busy, or unable to connect) the held line prints
 * alone. The sale's message heard first makes the announcement that follows silent.
 * @module
 */

import type { Timers } from "./timers.ts";

/** How long a closing announcement of this client's own sale waits for its sale message. */
export const SALE_GRACE_MS = 5_000;

/** What {@linkcode CloseNotices} needs. */
export interface CloseNoticesOptions {
  /** Times the wait for the sale's message. */
  timers: Pick<Timers, "setTimeout">;
  /** Prints a held line whose sale message did not come in time. */
  print(line: string): void;
}

/** The closes of this client's own sales (won or listed), by item (lower-cased). */
export class CloseNotices {
  readonly #options: CloseNoticesOptions;
  readonly #held = new Map<string, string>();
  readonly #heardBeforeClose = new Set<string>();

  constructor(options: CloseNoticesOptions) {
    this.#options = options;
  }

  /**
   * Whether an announcement of `item` with `timeLeft` prints: one with time left is a new
   * auction (what was held or heard of the last one no longer stands); a close after the sale's
   * message says nothing more.
   */
  announced(item: string, timeLeft: number): boolean {
    const key = item.toLowerCase();
    if (timeLeft > 0) {
      this.#held.delete(key);
      this.#heardBeforeClose.delete(key);
      return true;
    }
    return !this.#heardBeforeClose.delete(key);
  }

  /** Holds `line`, the close of `item`, this client's sale, until its sale message or the grace. */
  hold(item: string, line: string): void {
    const key = item.toLowerCase();
    this.#held.set(key, line);
    this.#options.timers.setTimeout(() => {
      const held = this.#held.get(key);
      if (held !== line) return;
      this.#held.delete(key);
      this.#options.print(line);
    }, SALE_GRACE_MS);
  }

  /**
   * WINNER, SOLD or NON_OFFER for `item`: its line says the close, so a held one is dropped, a
   * later one silent.
   */
  saleHeard(item: string): void {
    const key = item.toLowerCase();
    if (!this.#held.delete(key)) this.#heardBeforeClose.add(key);
  }
}
