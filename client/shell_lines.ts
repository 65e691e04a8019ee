/**
 * Which line the shell prints for each server message and client event, if any: a resent
 * NEGOTIATE_REQ as a reminder, a periodic announcement only when it says something new, a sale
 * worded for its side, a server restart mid-sale as one line, the buyer's PAID with who ships
 * where, the seller's Shipping_Info with what is credited to which card, the close of this
 * client's own sale (won or listed) in one line. The scripted mode prints everything as it came. No terminal, no clock of its own.
 * @module
 */

import { formatPrice, type Message, REFUSAL_TYPES } from "../protocol/mod.ts";
import type { ClientCommand } from "./commands.ts";
import { AnnouncementNotices } from "./announcement_notices.ts";
import { describeEvent, describeMessage } from "./format.ts";
import { describePaid, describeShipping } from "./sale_wording.ts";
import { NegotiationNotices } from "./negotiation_notices.ts";
import type { KnownItem } from "./items.ts";
import type { ClientEvent } from "./output.ts";
import { SaleNotices } from "./sale_notices.ts";
import { CloseNotices, type CloseNoticesOptions } from "./close_notices.ts";
import { itemNotFoundHint } from "./suggest.ts";

/** What the shell knows beyond a message, to word it. */
export interface MessageContext {
  /** The item of the TCP connection it came on (CANCEL and Shipping_Info name none). */
  saleItem?: string;
  /** This client's user name. */
  self?: string;
  /** The leader heard last for an item. */
  leaderOf(item: string): string | undefined;
  /** Whether this client listed the item's auction. */
  listedHere?(item: string): boolean;
  /** The names of the items this client has heard of, for "did you mean". */
  itemNames?(): string[];
}

/** The shell's wording, with what it remembers of what it printed. */
export class ShellLines {
  readonly #negotiations = new NegotiationNotices();
  readonly #announcements = new AnnouncementNotices();
  readonly #sales = new SaleNotices();
  readonly #nowMs: () => number;
  readonly #closes: CloseNotices;
  /** The items named by the commands waiting for their answer (a refusal names none). */
  readonly #asked: string[] = [];

  /**
   * `nowMs`: the clock that spaces repeated NEGOTIATE_REQ lines. `closes`: the timers and the
   * printer of a close whose WINNER, SOLD or NON_OFFER is late (see {@linkcode CloseNotices}).
   */
  constructor(nowMs: () => number, closes: CloseNoticesOptions) {
    this.#nowMs = nowMs;
    this.#closes = new CloseNotices(closes);
  }

  /** The line for `received`, or undefined to print nothing. */
  message(received: Message, context: MessageContext): string | undefined {
    if (received.type === "NEGOTIATE_REQ") {
      // Resent until answered: the first in full, then a reminder, or nothing soon after.
      return this.#negotiations.describe(received, this.#nowMs());
    }
    this.#negotiations.observe(received);
    this.#announcements.observe(received);
    // The payment event that follows (details needed, or sent from the profile) says it all.
    if (received.type === "INFORM_Req") return undefined;
    if (received.type === "AUCTION_ANNOUNCE" && !this.#announcements.shouldShow(received)) {
      return undefined;
    }
    if (
      received.type === "AUCTION_ANNOUNCE" &&
      !this.#closes.announced(received.item, received.timeLeft)
    ) return undefined;
    if (this.#sales.open(received) === "restarted" && "item" in received) {
      // The server restarted mid-sale and asks again: the questions already answered stand.
      return `[${received.item}] The server restarted; the sale goes on.`;
    }
    const { saleItem } = context;
    const item = "item" in received ? received.item : saleItem;
    const sale = item === undefined ? undefined : this.#sales.get(item);
    if (received.type === "PAID") {
      return describePaid(received, { seller: sale?.counterpart, address: sale?.address });
    }
    const prefix = !("item" in received) && saleItem !== undefined ? `[${saleItem}] ` : "";
    if (received.type === "Shipping_Info") {
      return prefix +
        describeShipping(received, { finalPrice: sale?.finalPrice, card: sale?.card });
    }
    if (
      received.type === "WINNER" || received.type === "SOLD" || received.type === "NON_OFFER"
    ) this.#closes.saleHeard(received.item);
    const leader = item === undefined ? undefined : context.leaderOf(item);
    const line = prefix +
      describeMessage(received, { self: context.self, leader, side: sale?.side }) +
      (isItemNotFound(received) ? itemNotFoundHint(this.#asked, context.itemNames?.() ?? []) : "");
    if (
      received.type === "AUCTION_ANNOUNCE" && received.timeLeft === 0 &&
      ((leader !== undefined && leader === context.self) ||
        context.listedHere?.(received.item) === true)
    ) {
      // WINNER (with the seller), or SOLD (with the buyer) or NON_OFFER, follows: its line says
      // the close too.
      this.#closes.hold(received.item, line);
      return undefined;
    }
    return line;
  }

  /**
   * The line for `event`, or undefined to print nothing. `address`: the shipping address this
   * client gave for the event's item, for the buyer's PAID line.
   */
  event(event: ClientEvent, context: { address?: string } = {}): string | undefined {
    // Said by the command's own line once it is done (see `sending`); a de-registration here.
    if (event.type === "sent") return event.request === "DE-REGISTER" ? "Deregistered." : undefined;
    if (event.type === "payment" && event.action === "needed") {
      // A repeat after a server restart: the line and the questions already started stand.
      return this.#sales.needed(event.item, event.rq) ? describeEvent(event) : undefined;
    }
    if (event.type === "payment" && event.action === "sent") {
      const details = { address: context.address, card: event.card };
      if (!this.#sales.sent(event.item, event.rq, details)) return undefined;
    }
    return describeEvent(event);
  }

  /**
   * Called as `command` is sent; returns the line to print once it is done, if any. The server
   * sends no reply when UNSUBSCRIBE or REFUSE succeed: the client counts them done when no
   * refusal came within the first retransmission delay, so their line waits for that, and a
   * refusal is never preceded by a line that claims success. A subscription makes the item's
   * next announcement show in full.
   */
  sending(
    command: ClientCommand,
    lookup: (item: string) => KnownItem | undefined,
  ): string | undefined {
    // The item as the server spells it, once heard; as typed otherwise.
    const typed = "item" in command ? command.item ?? "" : "";
    const item = lookup(typed)?.item ?? typed;
    if (typed !== "") this.#asked.push(typed);
    switch (command.kind) {
      case "unsubscribe":
        // The server ignores, silently, an unsubscribe from an item it has no subscription
        // for: of an item never heard of here, only the sending is known.
        return lookup(command.item) === undefined
          ? `[${item}] Unsubscribe sent, but this client never heard of ${item}: ` +
            "there may have been no subscription to end."
          : `[${item}] Unsubscribed.`;
      case "refuse": {
        const price = lookup(command.item)?.priceCents;
        return `[${item}] Price kept${price === undefined ? "" : ` at ${formatPrice(price)}`}.`;
      }
      case "subscribe":
        this.#announcements.forget(command.item);
        return undefined;
      default:
        return undefined;
    }
  }

  /** Called once `command` (given to {@linkcode sending}) is done: answered or given up. */
  answered(command: ClientCommand): void {
    const index = "item" in command ? this.#asked.indexOf(command.item ?? "") : -1;
    if (index >= 0) this.#asked.splice(index, 1);
  }
}

/** A refusal because the server knows no such item. */
function isItemNotFound(received: Message): boolean {
  return "reason" in received && REFUSAL_TYPES.has(received.type) &&
    /^Item not found\b/i.test(received.reason);
}
