/**
 * How the shell shows NEGOTIATE_REQ, which the server resends with backoff (2, 4, 8, 16 s)
 * until the seller answers: the first in full, a repeat as a short reminder, and a repeat
 * that comes within a few seconds of the last line shown, at the same price, not at all.
 * The scripted mode prints every message regardless. Pure: the caller gives the time.
 * @module
 */

import { formatPrice, type Message, type MessageOf } from "../protocol/mod.ts";
import { describeMessage, formatTimeLeft } from "./format.ts";

/** A repeat this soon after the last line shown for its item prints nothing. */
export const NEGOTIATION_QUIET_MS = 5_000;

interface Shown {
  priceCents: number;
  shownAtMs: number;
}

/** The negotiations a seller has been asked about and not yet seen end. */
export class NegotiationNotices {
  readonly #shown = new Map<string, Shown>();
  readonly #quietMs: number;

  constructor(quietMs = NEGOTIATION_QUIET_MS) {
    this.#quietMs = quietMs;
  }

  /** The line to print for `request` at `nowMs`, or undefined to print nothing. */
  describe(request: MessageOf<"NEGOTIATE_REQ">, nowMs: number): string | undefined {
    const key = request.item.toLowerCase();
    const last = this.#shown.get(key);
    if (last === undefined || last.priceCents !== request.currentPrice) {
      this.#shown.set(key, { priceCents: request.currentPrice, shownAtMs: nowMs });
      return describeMessage(request);
    }
    if (nowMs - last.shownAtMs < this.#quietMs) return undefined;
    last.shownAtMs = nowMs;
    const left = request.timeLeft > 0 ? `, ${formatTimeLeft(request.timeLeft)} left` : "";
    return `[${request.item}] Still no bid at ${formatPrice(request.currentPrice)}${left}: ` +
      `"accept ${request.item} PRICE" or "refuse ${request.item}".`;
  }

  /**
   * Forgets an item's negotiation once a message shows it is over (a price adjustment, a bid,
   * the close), so a later NEGOTIATE_REQ for it is shown in full again.
   */
  observe(received: Message): void {
    const over = received.type === "PRICE_ADJUSTMENT" || received.type === "BID_UPDATE" ||
      received.type === "WINNER" || received.type === "SOLD" || received.type === "NON_OFFER" ||
      (received.type === "AUCTION_ANNOUNCE" && received.timeLeft === 0);
    if (over) this.#shown.delete(received.item.toLowerCase());
  }
}
