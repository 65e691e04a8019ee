/**
 * The board: its model, fed by the core's committed events only, and the live event stream
 * that tells browsers what changed. It never reads files and never runs on the UDP path: the
 * core calls it once per durable transaction, after the replies went out.
 * @module
 */

import { formatPrice } from "../../protocol/mod.ts";
import type { CommittedListener } from "../core.ts";
import type { AuctionState } from "../../auction/state.ts";
import {
  type BidPoint,
  type BoardChange,
  type BoardItem,
  BoardModel,
  type BoardModelOptions,
  type PricePoint,
} from "./board_model.ts";
import { EventHub, type EventHubOptions, type HubEvent } from "./sse.ts";

/** What the board reads: a read-only view of the state at start, then committed events. */
export interface CommittedSource {
  /** The state; read once, at start, when it matches {@linkcode committedSeq}. */
  readonly state: Readonly<AuctionState>;
  /** Sequence number of the last durable event. */
  readonly committedSeq: number;
  /** Registers a listener for durable events. */
  onCommitted(listener: CommittedListener): void;
}

/** Options of {@linkcode Board}. */
export interface BoardOptions extends BoardModelOptions, Omit<EventHubOptions, "startSeq"> {
  /** Called with each change (metrics). */
  onChange?: (change: BoardChange) => void;
}

/** How many prices of an item the board list's small chart shows (the start price, then changes). */
const TREND_POINTS = 30;

/** The board's model and stream, kept up to date by the core. */
export class Board {
  readonly model: BoardModel;
  readonly hub: EventHub;

  constructor(source: CommittedSource, options: BoardOptions = {}) {
    this.model = new BoardModel(source.state, options);
    this.hub = new EventHub({ ...options, startSeq: source.committedSeq });
    const onChange = options.onChange ?? (() => {});
    source.onCommitted((batch) => {
      for (let index = 0; index < batch.events.length; index++) {
        const change = this.model.apply(batch.events[index]!);
        if (!change) continue;
        onChange(change);
        this.hub.publish(hubEvent(batch.firstSeq + index, change));
      }
    });
  }

  /** Sequence number the board has shown everything up to. */
  get seq(): number {
    return this.hub.lastSeq;
  }

  /** Ends the event streams. */
  close(): void {
    this.hub.close();
  }
}

/** An item as the JSON API and the event stream show it. */
export function itemJson(item: BoardItem): Record<string, unknown> {
  const recent = item.history.slice(-(TREND_POINTS - 1)).map((point) =>
    formatPrice(point.amountCents)
  );
  return {
    id: item.id,
    name: item.name,
    description: item.description,
    seller: item.seller,
    price: formatPrice(item.priceCents),
    startPrice: formatPrice(item.startPriceCents),
    leader: item.leader,
    bids: item.bids,
    listedAt: new Date(item.listedAtMs).toISOString(),
    endsAt: new Date(item.endsAtMs).toISOString(),
    status: item.status,
    ...(item.closedAtMs === undefined ? {} : { closedAt: new Date(item.closedAtMs).toISOString() }),
    trend: [formatPrice(item.startPriceCents), ...recent],
  };
}

/** An item with its latest `historyLimit` price changes (bids, lowered prices), oldest first. */
export function itemDetailJson(item: BoardItem, historyLimit: number): Record<string, unknown> {
  return { ...itemJson(item), history: item.history.slice(-historyLimit).map(pricePointJson) };
}

/** A bid as `{kind: "bid", at, amount, bidder}`, a lowered price as `{kind: "price_adjusted", at, amount}`. */
function pricePointJson(point: PricePoint): Record<string, unknown> {
  const json = {
    kind: point.kind,
    at: new Date(point.atMs).toISOString(),
    amount: formatPrice(point.amountCents),
  };
  return point.kind === "bid" ? { ...json, bidder: point.bidder } : json;
}

/**
 * What an event says: the whole item when it appears or ends, only what moved otherwise. Bids
 * are the hot case: their values are kept now and formatted only if a client needs them.
 */
function hubEvent(seq: number, change: BoardChange): HubEvent {
  const { item } = change;
  const { id, name, priceCents, status } = item;
  if (change.type === "bid") return new BidEvent(seq, item, item.bids, item.endsAtMs);
  if (change.type === "price_adjusted") {
    const adjustment = pricePointJson(item.history.at(-1)!);
    return {
      id: seq,
      type: change.type,
      data: () => ({ id, item: name, price: formatPrice(priceCents), status, adjustment }),
    };
  }
  const json = { ...itemJson(item), item: name };
  return { id: seq, type: change.type, data: () => json };
}

/**
 * An accepted bid on the stream: one object per bid, no closure. A bid's price and leader are
 * its own amount and bidder, its item is open, and an item's id and name never change, so only
 * the count and the end time are copied; the bid itself is the history's entry.
 */
class BidEvent implements HubEvent {
  readonly #item: BoardItem;
  readonly #bids: number;
  readonly #endsAtMs: number;
  readonly #bid: BidPoint;

  constructor(readonly id: number, item: BoardItem, bids: number, endsAtMs: number) {
    this.#item = item;
    this.#bids = bids;
    this.#endsAtMs = endsAtMs;
    // The model has just recorded this bid as the history's last point.
    this.#bid = item.history.at(-1) as BidPoint;
  }

  get type(): string {
    return "bid";
  }

  data(): unknown {
    const bid = this.#bid;
    return {
      id: this.#item.id,
      item: this.#item.name,
      price: formatPrice(bid.amountCents),
      leader: bid.bidder,
      bids: this.#bids,
      endsAt: new Date(this.#endsAtMs).toISOString(),
      status: "open",
      bid: {
        kind: "bid",
        at: new Date(bid.atMs).toISOString(),
        amount: formatPrice(bid.amountCents),
        bidder: bid.bidder,
      },
    };
  }
}
