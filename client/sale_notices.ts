/**
 * What the shell remembers of each sale over TCP, to word its lines: which side this client
 * is on, who the other party is, and which RQ#s it has seen. A server that restarts mid-sale
 * connects again and resends WINNER or SOLD and INFORM_Req with the same RQ#s (they are
 * durable): those repeats are told apart from a new sale of a name listed again, so the shell
 * says once that the sale goes on instead of starting over. Pure.
 * @module
 */

import type { Message } from "../protocol/mod.ts";

/** One sale as the shell knows it. */
export interface SaleView {
  item: string;
  side: "buyer" | "seller";
  /** The other party: the seller (for a buyer) or the buyer. */
  counterpart: string;
  /** RQ# of the WINNER or SOLD that opened it. */
  openedRq: number;
  /** The final price, in cents. */
  finalPrice: number;
  /** RQ# of the INFORM_Req already announced, and of the one already answered. */
  neededRq?: number;
  sentRq?: number;
  /** The shipping address this client gave (a buyer's). */
  address?: string;
  /** The card this client gave, masked but for its last four digits. */
  card?: string;
}

/** What this client gave in answer to an INFORM_Req. */
export interface SentDetails {
  address?: string;
  card?: string;
}

/** The sales of one shell, by item. */
export class SaleNotices {
  readonly #sales = new Map<string, SaleView>();

  /** The sale of `item`, if one was opened. */
  get(item: string): SaleView | undefined {
    return this.#sales.get(item.toLowerCase());
  }

  /**
   * Records WINNER or SOLD; returns "restarted" when it repeats the one that opened the
   * running sale of its item (the server restarted), "new" otherwise.
   */
  open(received: Message): "new" | "restarted" | undefined {
    if (received.type !== "WINNER" && received.type !== "SOLD") return undefined;
    const known = this.get(received.item);
    if (known?.openedRq === received.rq) return "restarted";
    this.#sales.set(received.item.toLowerCase(), {
      item: received.item,
      side: received.type === "WINNER" ? "buyer" : "seller",
      counterpart: received.type === "WINNER" ? received.seller : received.buyer,
      openedRq: received.rq,
      finalPrice: received.finalPrice,
    });
    return "new";
  }

  /** Whether the INFORM_Req `rq` of `item` is news (not a repeat after a restart); notes it. */
  needed(item: string, rq: number): boolean {
    const sale = this.get(item);
    if (sale === undefined) return true;
    if (sale.neededRq === rq) return false;
    sale.neededRq = rq;
    return true;
  }

  /** Whether answering INFORM_Req `rq` of `item` is news; notes the address and card given. */
  sent(item: string, rq: number, details: SentDetails = {}): boolean {
    const sale = this.get(item);
    if (sale === undefined) return true;
    if (details.address !== undefined) sale.address = details.address;
    if (details.card !== undefined) sale.card = details.card;
    if (sale.sentRq === rq) return false;
    sale.sentRq = rq;
    return true;
  }
}
