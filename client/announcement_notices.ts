/**
 * How the shell shows AUCTION_ANNOUNCE, which the server repeats every `--announce-interval`
 * seconds for every followed item: the first one in full, then only when something changed
 * (a price no line showed yet) or the end comes near (1 h, 10 min, 5 min and 1 min left). The
 * closing announcement is always shown. The scripted mode prints every message regardless.
 * Pure: no clock, no output.
 * @module
 */

import type { Message, MessageOf } from "../protocol/mod.ts";

/** Times left (seconds) worth a line even when nothing else changed. */
export const NOTABLE_SECONDS_LEFT = [3600, 600, 300, 60] as const;

interface Shown {
  priceCents: number;
  timeLeftSeconds: number;
}

/** What the shell last showed about each followed item. */
export class AnnouncementNotices {
  readonly #shown = new Map<string, Shown>();

  /** Whether to print `announce`; remembers it when so. */
  shouldShow(announce: MessageOf<"AUCTION_ANNOUNCE">): boolean {
    const key = announce.item.toLowerCase();
    const last = this.#shown.get(key);
    const now = { priceCents: announce.currentPrice, timeLeftSeconds: announce.timeLeft };
    const show = last === undefined || announce.timeLeft === 0 ||
      last.priceCents !== announce.currentPrice ||
      NOTABLE_SECONDS_LEFT.some((mark) => last.timeLeftSeconds > mark && announce.timeLeft <= mark);
    if (show) this.#shown.set(key, now);
    return show;
  }

  /** Notes a price shown by another line (a bid, a price adjustment). */
  observe(received: Message): void {
    if (received.type !== "BID_UPDATE" && received.type !== "PRICE_ADJUSTMENT") return;
    const priceCents = received.type === "BID_UPDATE" ? received.highestBid : received.newPrice;
    this.#shown.set(received.item.toLowerCase(), {
      priceCents,
      timeLeftSeconds: received.timeLeft,
    });
  }

  /** Forgets an item (a new subscription): its next announcement is shown in full. */
  forget(item: string): void {
    this.#shown.delete(item.toLowerCase());
  }
}
