/**
 * What the client has heard about items: price, leader and time left, from the pushes and
 * replies it received. The time left counts down from the last Time_Left heard.
 * @module
 */

import { durationMs, formatPrice, type Message } from "../protocol/mod.ts";
import { type KnownItem, type Listing, timeLeftAt } from "./known_item.ts";

export { type KnownItem, type Listing, timeLeftAt } from "./known_item.ts";

/** Options of {@linkcode ItemBook}. */
export interface ItemBookOptions {
  /** This client's user name, once known: WINNER makes it the item's leader. */
  self?: () => string | undefined;
}

/** The items this client has heard of. */
export class ItemBook {
  readonly #items = new Map<string, KnownItem>();
  readonly #self: () => string | undefined;
  /** Lower-case names of the items this client subscribed to and did not unsubscribe from. */
  readonly #following = new Set<string>();
  /** Lower-case names this client unsubscribed from (and did not subscribe to again). */
  readonly #unsubscribed = new Set<string>();

  constructor(options: ItemBookOptions = {}) {
    this.#self = options.self ?? (() => undefined);
  }

  /** The item named `item`, if heard of (case-insensitive). */
  get(item: string): KnownItem | undefined {
    return this.#items.get(item.toLowerCase());
  }

  /**
   * Records what `message` says about its item; returns the updated entry. CANCEL and
   * Shipping_Info name no item: `saleItem` is the item of the connection they came on.
   */
  record(
    message: Message,
    nowMs: number,
    options: { saleItem?: string } = {},
  ): KnownItem | undefined {
    if (!("item" in message)) {
      const entry = options.saleItem === undefined ? undefined : this.get(options.saleItem);
      if (entry && message.type === "CANCEL") entry.outcome = "sale cancelled";
      if (entry && message.type === "Shipping_Info") {
        entry.outcome = `${entry.outcome ?? "sold"}, paid`;
      }
      return entry;
    }
    // A push sent before the server heard the unsubscribe: the item left the book.
    if (this.#unsubscribed.has(message.item.toLowerCase()) && !this.get(message.item)) return;
    const entry = this.touch(message.item, nowMs);
    // Names match case-insensitively; the lines use the server's spelling once one carries it.
    if (!entry.spelledByServer) {
      entry.item = message.item;
      entry.spelledByServer = true;
    }
    // A push with time left about an item whose auction closed: the name was listed again.
    if (entry.closed && "timeLeft" in message && message.timeLeft > 0) this.#reopen(entry);
    switch (message.type) {
      case "AUCTION_ANNOUNCE":
        entry.description = message.description;
        entry.priceCents = message.currentPrice;
        this.#setTimeLeft(entry, message.timeLeft, nowMs);
        break;
      case "BID_UPDATE":
        entry.priceCents = message.highestBid;
        entry.leader = message.bidder;
        // A bid ends the negotiation: the server asks the seller no more.
        entry.negotiating = false;
        this.#setTimeLeft(entry, message.timeLeft, nowMs);
        break;
      case "NEGOTIATE_REQ":
        entry.priceCents = message.currentPrice;
        entry.negotiating = message.timeLeft > 0;
        this.#setTimeLeft(entry, message.timeLeft, nowMs);
        break;
      case "PRICE_ADJUSTMENT":
        entry.priceCents = message.newPrice;
        entry.negotiating = false;
        this.#setTimeLeft(entry, message.timeLeft, nowMs);
        break;
      case "WINNER":
        this.#close(entry, `won at ${formatPrice(message.finalPrice)} from ${message.seller}`);
        entry.saleSide = "buyer";
        entry.priceCents = message.finalPrice;
        // WINNER goes to the highest bidder: this client, subscribed or not.
        entry.leader = this.#self() ?? entry.leader;
        break;
      case "SOLD":
        this.#close(entry, `sold to ${message.buyer} at ${formatPrice(message.finalPrice)}`);
        entry.saleSide = "seller";
        entry.priceCents = message.finalPrice;
        entry.leader = message.buyer;
        break;
      case "NON_OFFER":
        this.#close(entry, "no bid");
        break;
      case "PAID":
        entry.outcome = `won at ${formatPrice(message.finalPrice)}, paid`;
        break;
      default:
        break;
    }
    return entry;
  }

  /** The entry for `item`, created when new. */
  touch(item: string, nowMs: number): KnownItem {
    const key = item.toLowerCase();
    let entry = this.#items.get(key);
    if (!entry) {
      entry = { item, heardAtMs: nowMs, closed: false, negotiating: false };
      this.#items.set(key, entry);
    }
    return entry;
  }

  /**
   * A listing the server accepted: a new auction under that name, whose end this seller knows
   * from its duration (no push tells a seller the time left until a bid or a negotiation).
   */
  listed(listing: Listing, nowMs: number): KnownItem {
    const entry = this.touch(listing.item, nowMs);
    this.#reopen(entry);
    entry.listedHere = true;
    entry.item = listing.item;
    entry.spelledByServer = true;
    entry.description = listing.description;
    entry.priceCents = listing.startPriceCents;
    this.#setTimeLeft(
      entry,
      Math.round(durationMs(listing.duration, listing.durationUnit) / 1000),
      nowMs,
    );
    return entry;
  }

  /**
   * The server accepted this client's bid of `amountCents`: it leads at that price, subscribed
   * or not (no push may tell it). A higher price heard meanwhile is a later bid, and stands.
   */
  bidAccepted(item: string, amountCents: number, nowMs: number): KnownItem {
    const entry = this.touch(item, nowMs);
    if (entry.priceCents === undefined || amountCents > entry.priceCents) {
      entry.priceCents = amountCents;
      entry.leader = this.#self() ?? entry.leader;
      entry.negotiating = false;
    }
    return entry;
  }

  /** Whether this client subscribed to `item` and did not unsubscribe. */
  isFollowing(item: string): boolean {
    return this.#following.has(item.toLowerCase());
  }

  /** The server confirmed a subscription: the item's auction is open (maybe listed again). */
  subscribed(item: string, nowMs: number): void {
    const entry = this.touch(item, nowMs);
    if (entry.closed) this.#reopen(entry);
    this.#following.add(item.toLowerCase());
    this.#unsubscribed.delete(item.toLowerCase());
  }

  /**
   * The client unsubscribed from `item`: it leaves the book, unless this client listed or leads
   * it (its sale may still be this client's).
   */
  unsubscribed(item: string): void {
    const key = item.toLowerCase();
    this.#following.delete(key);
    this.#unsubscribed.add(key);
    const entry = this.#items.get(key);
    if (entry && !this.#soldOrLed().includes(entry)) this.#items.delete(key);
  }

  /** Whether the client unsubscribed from `item` and did not subscribe to it again. */
  wasUnsubscribed(item: string): boolean {
    return this.#unsubscribed.has(item.toLowerCase());
  }

  /** A node refused to subscribe to `item` again (its auction closed): it is no longer followed. */
  stopFollowing(item: string): void {
    this.#following.delete(item.toLowerCase());
  }

  /** The items subscribed to whose auction is not heard closed (to subscribe again elsewhere). */
  following(): string[] {
    return [...this.#following].flatMap((key) => {
      const entry = this.#items.get(key);
      return entry && !entry.closed ? [entry.item] : [];
    });
  }

  /**
   * The items whose sale may concern this client and of which no sale message came yet: their
   * auction is over by its clock (within a second: Time_Left is whole seconds), and it listed
   * them or led them. A CANCEL that opens a connection (a party could not be reached) names no
   * item; when only one item fits, it is that one's.
   */
  awaitingSale(nowMs: number): KnownItem[] {
    return this.#soldOrLed().filter((entry) => {
      const seconds = timeLeftAt(entry, nowMs);
      return entry.outcome === undefined && seconds !== undefined && seconds <= 1;
    });
  }

  /**
   * The open auctions (by the client's clock) this client listed or leads: at their end the
   * server connects to this client for the sale. One led with no time left heard yet (a bid
   * accepted before any push) counts as open.
   */
  sellingOrLeading(nowMs: number): KnownItem[] {
    return this.#soldOrLed().filter((entry) => {
      if (entry.closed || entry.outcome !== undefined) return false;
      const seconds = timeLeftAt(entry, nowMs);
      return seconds === undefined || seconds > 0;
    });
  }

  /**
   * Whether an INFORM_Req for `item` may be answered: its auction is over (within a second, by
   * this client's clock) and this client listed it, led it, or was sent WINNER or SOLD for it.
   */
  isOwnEndedSale(item: string, nowMs: number): boolean {
    const entry = this.get(item);
    if (!entry) return false;
    const self = this.#self();
    const own = entry.listedHere === true || entry.saleSide !== undefined ||
      (self !== undefined && entry.leader === self);
    const seconds = timeLeftAt(entry, nowMs);
    return own && (entry.closed || (seconds !== undefined && seconds <= 1));
  }

  /** The items this client listed or leads: their sale is this client's. */
  #soldOrLed(): KnownItem[] {
    const self = this.#self();
    return this.all().filter((entry) =>
      entry.listedHere === true || (self !== undefined && entry.leader === self)
    );
  }

  /** Every item, in the order first heard. */
  all(): KnownItem[] {
    return [...this.#items.values()];
  }

  #setTimeLeft(entry: KnownItem, seconds: number, nowMs: number): void {
    entry.timeLeftSeconds = seconds;
    entry.heardAtMs = nowMs;
    if (seconds === 0) {
      entry.closed = true;
      entry.negotiating = false;
    }
  }

  /** Forgets the closed auction of an entry: what follows is about a new one. */
  #reopen(entry: KnownItem): void {
    entry.closed = false;
    entry.negotiating = false;
    entry.outcome = undefined;
    entry.listedHere = false;
    entry.saleSide = undefined;
    entry.leader = undefined;
    entry.timeLeftSeconds = undefined;
    entry.priceCents = undefined;
  }

  #close(entry: KnownItem, outcome: string): void {
    entry.closed = true;
    entry.negotiating = false;
    entry.timeLeftSeconds = 0;
    entry.outcome = outcome;
  }
}
