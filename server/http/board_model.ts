/**
 * The board's own bounded model of the auctions: built once from a read-only view of the state
 * at start, then kept up to date from committed events only. It holds public data only (names,
 * descriptions, prices, bidder names, times), never addresses, cards or passwords.
 * @module
 */

import type { AuctionEvent } from "../../auction/events.ts";
import { type AuctionState, type Item, nameKey, type Sale } from "../../auction/state.ts";

/** Where an auction stands, as the board shows it. */
export type BoardStatus = "open" | "pending" | "sold" | "no_offer" | "cancelled";

/** One accepted bid, a point of the price history. */
export interface BidPoint {
  kind: "bid";
  /** When the server accepted it. */
  atMs: number;
  /** The bid, in cents. */
  amountCents: number;
  /** The bidder's name as registered. */
  bidder: string;
}

/** The seller lowered the price (ACCEPT of a negotiation), a point of the price history. */
export interface PriceAdjustmentPoint {
  kind: "price_adjusted";
  /** When the server applied it. */
  atMs: number;
  /** The lowered price, in cents. */
  amountCents: number;
}

/** A change of an auction's price: an accepted bid or a price the seller lowered. */
export type PricePoint = BidPoint | PriceAdjustmentPoint;

/** An auction on the board. */
export interface BoardItem {
  /** The server's item id (names are unique among open auctions only). */
  id: number;
  /** The item name. */
  name: string;
  /** The description. */
  description: string;
  /** The seller's name as registered. */
  seller: string;
  /** The start price, in cents. */
  startPriceCents: number;
  /** The current price (the highest bid, the start price, or a price lowered by ACCEPT). */
  priceCents: number;
  /** The leading bidder, if any. */
  leader: string | null;
  /** Accepted bids. */
  bids: number;
  /** When it was listed. */
  listedAtMs: number;
  /** When the auction ends (or ended). */
  endsAtMs: number;
  /** Where it stands. */
  status: BoardStatus;
  /** When it closed. */
  closedAtMs?: number;
  /**
   * The latest price changes (bids and lowered prices), oldest first: at least the model's
   * `historyLimit` (when there were as many), under 1.5 times it.
   */
  history: PricePoint[];
}

/** What a committed event changed on the board, for the live stream. */
export interface BoardChange {
  /** `listed`, `bid`, `price_adjusted`, `closed` (the auction ended) or `outcome` (the sale ended). */
  type: "listed" | "bid" | "price_adjusted" | "closed" | "outcome";
  /** The item after the change. */
  item: BoardItem;
}

/** Options of {@linkcode BoardModel}. */
export interface BoardModelOptions {
  /** How many closed auctions the board keeps, newest first. @default 100 */
  closedLimit?: number;
  /** How many price changes of one auction the board keeps, newest kept. @default 500 */
  historyLimit?: number;
}

const SALE_STATUS: Record<Sale["status"], BoardStatus> = {
  pending: "pending",
  settled: "sold",
  no_offer: "no_offer",
  cancelled: "cancelled",
};

/** The board's model: open auctions, a bounded list of recently closed ones, and user names. */
export class BoardModel {
  readonly #closedLimit: number;
  readonly #historyLimit: number;
  /** Display names by user key (only names: nothing else of a user is kept). */
  readonly #names = new Map<string, string>();
  readonly #open = new Map<number, BoardItem>();
  readonly #openByName = new Map<string, BoardItem>();
  /** Newest first. */
  #closed: BoardItem[] = [];

  constructor(state: Readonly<AuctionState>, options: BoardModelOptions = {}) {
    this.#closedLimit = options.closedLimit ?? 100;
    this.#historyLimit = options.historyLimit ?? 500;
    for (const [key, user] of Object.entries(state.users)) this.#names.set(key, user.name);
    for (const id of Object.values(state.openItems)) {
      const item = state.items[id];
      if (item) this.#addOpen(this.#fromItem(item, "open"));
    }
    const sales = Object.values(state.sales)
      .sort((a, b) => b.closedAtMs - a.closedAtMs || b.itemId - a.itemId)
      .slice(0, this.#closedLimit);
    for (const sale of sales) {
      const item = state.items[sale.itemId];
      if (!item) continue;
      const boardItem = this.#fromItem(item, SALE_STATUS[sale.status]);
      boardItem.closedAtMs = sale.closedAtMs;
      this.#closed.push(boardItem);
    }
  }

  /** How many bids of one auction the board shows. */
  get historyLimit(): number {
    return this.#historyLimit;
  }

  /** Open auctions, soonest to end first. */
  open(): BoardItem[] {
    return [...this.#open.values()].sort((a, b) => a.endsAtMs - b.endsAtMs || a.id - b.id);
  }

  /** How many user names the board keeps (one per account: it must not outlive removed ones). */
  get userNames(): number {
    return this.#names.size;
  }

  /** Recently closed auctions, newest first. */
  closed(): readonly BoardItem[] {
    return this.#closed;
  }

  /** The open auction named `name` (any case), else the most recently closed one. */
  find(name: string): BoardItem | undefined {
    const key = nameKey(name);
    return this.#openByName.get(key) ?? this.#closed.find((item) => nameKey(item.name) === key);
  }

  /** Applies one committed event; returns what the board shows differently, if anything. */
  apply(event: AuctionEvent): BoardChange | undefined {
    switch (event.type) {
      case "user_registered":
        this.#names.set(nameKey(event.name), event.name);
        return;
      case "user_deregistered":
        this.#names.delete(nameKey(event.name));
        return;
      case "accounts_expired":
        for (const name of event.names) this.#names.delete(nameKey(name));
        return;
      case "item_listed": {
        const item: BoardItem = {
          id: event.id,
          name: event.name,
          description: event.description,
          seller: this.#names.get(event.seller) ?? event.seller,
          startPriceCents: event.startPriceCents,
          priceCents: event.startPriceCents,
          leader: null,
          bids: 0,
          listedAtMs: event.atMs,
          endsAtMs: event.endsAtMs,
          status: "open",
          history: [],
        };
        this.#addOpen(item);
        return { type: "listed", item };
      }
      case "bid_placed": {
        const item = this.#open.get(event.itemId);
        if (!item) return;
        const bidder = this.#names.get(event.bidder) ?? event.bidder;
        item.priceCents = event.amountCents;
        item.leader = bidder;
        item.bids++;
        item.endsAtMs = event.endsAtMs;
        this.#record(item, {
          kind: "bid",
          atMs: event.atMs,
          amountCents: event.amountCents,
          bidder,
        });
        return { type: "bid", item };
      }
      case "negotiation_answered": {
        const item = this.#open.get(event.itemId);
        if (!item || event.newPriceCents === undefined) return;
        item.priceCents = event.newPriceCents;
        this.#record(item, {
          kind: "price_adjusted",
          atMs: event.atMs,
          amountCents: event.newPriceCents,
        });
        return { type: "price_adjusted", item };
      }
      case "auction_closed": {
        const item = this.#open.get(event.itemId);
        if (!item) return;
        this.#open.delete(item.id);
        if (this.#openByName.get(nameKey(item.name)) === item) {
          this.#openByName.delete(nameKey(item.name));
        }
        item.status = item.leader === null ? "no_offer" : "pending";
        item.closedAtMs = event.atMs;
        this.#closed.unshift(item);
        if (this.#closed.length > this.#closedLimit) this.#closed.length = this.#closedLimit;
        return { type: "closed", item };
      }
      case "sale_settled":
      case "sale_cancelled": {
        const item = this.#closed.find((closed) => closed.id === event.itemId);
        if (!item) return;
        item.status = event.type === "sale_settled" ? "sold" : "cancelled";
        return { type: "outcome", item };
      }
      default:
        return;
    }
  }

  #record(item: BoardItem, point: PricePoint): void {
    item.history.push(point);
    // Trim in steps, not one shift per bid: the history holds up to 1.5x the limit.
    if (item.history.length >= this.#historyLimit * 1.5) {
      item.history.splice(0, item.history.length - this.#historyLimit);
    }
  }

  #addOpen(item: BoardItem): void {
    this.#open.set(item.id, item);
    this.#openByName.set(nameKey(item.name), item);
  }

  #fromItem(item: Item, status: BoardStatus): BoardItem {
    const leader = item.highestBid
      ? (this.#names.get(item.highestBid.bidder) ?? item.highestBid.bidder)
      : null;
    return {
      id: item.id,
      name: item.name,
      description: item.description,
      seller: item.sellerName,
      startPriceCents: item.startPriceCents,
      priceCents: item.currentPriceCents,
      leader,
      bids: item.bidCount,
      listedAtMs: item.listedAtMs,
      endsAtMs: item.endsAtMs,
      status,
      history: recoveredHistory(item, leader),
    };
  }
}

/**
 * What the state still tells of an item's price history: the lowered price (a negotiation only
 * comes before any bid) and the leading bid; earlier bids of a restarted server are not shown.
 */
function recoveredHistory(item: Item, leader: string | null): PricePoint[] {
  const history: PricePoint[] = [];
  const { negotiation, highestBid } = item;
  if (negotiation?.acceptedAtMs !== undefined && negotiation.acceptedPriceCents !== undefined) {
    history.push({
      kind: "price_adjusted",
      atMs: negotiation.acceptedAtMs,
      amountCents: negotiation.acceptedPriceCents,
    });
  }
  if (highestBid && leader !== null) {
    history.push({
      kind: "bid",
      atMs: highestBid.atMs,
      amountCents: highestBid.amountCents,
      bidder: leader,
    });
  }
  return history;
}
