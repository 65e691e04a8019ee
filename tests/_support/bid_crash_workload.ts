/**
 * The BID workload of the crash test: a seller lists one item, every client registers as a
 * buyer and subscribes, then each bids a little above the highest price it knows (from its
 * accepted bids, BID_UPDATE pushes, announcements and "too low" refusals), so bids race and
 * some are refused. Every BID_ACCEPTED must survive every kill.
 * @module
 */

import assert from "node:assert/strict";
import type { Message } from "../../protocol/mod.ts";
import type { AuctionState, Item } from "../../auction/state.ts";
import type { Answered, CrashWorkload } from "./crash_driver.ts";

/** The item every client bids on. */
export const BID_ITEM = "Kite";
/** Its start price, in cents. */
export const START_PRICE_CENTS = 1_000;

/** A BID workload with its own record of what each client bid; one per run. */
export interface BidCrashWorkload extends CrashWorkload {
  /** The amount, in cents, of a client's request number `index`. */
  amountOf(client: number, index: number): number;
  /** The highest acknowledged amount, in cents (the start price before any). */
  highestAcknowledged(acknowledged: readonly Answered[]): number;
}

/** A new BID workload: the item lasts `durationSeconds`, far longer than the test. */
export function bidCrashWorkload(durationSeconds = 600): BidCrashWorkload {
  const knownCents: number[] = [];
  const amounts = new Map<string, number>();
  const learn = (client: number, cents: number) => {
    knownCents[client] = Math.max(knownCents[client] ?? START_PRICE_CENTS, cents);
  };
  const amountOf = (client: number, index: number) => {
    const cents = amounts.get(`${client} ${index}`);
    if (cents === undefined) throw new Error(`Client ${client} sent no request ${index}`);
    return cents;
  };
  const highestAcknowledged = (acknowledged: readonly Answered[]) =>
    Math.max(START_PRICE_CENTS, ...acknowledged.map((a) => amountOf(a.client, a.index)));
  return {
    setup: [
      "REGISTER 1 Jas seller 127.0.0.1 6000 6001",
      `LIST_ITEM 2 ${BID_ITEM} it_can_fly ${START_PRICE_CENTS / 100} ${durationSeconds}s`,
    ],
    clientSetup: (client) => [
      `REGISTER 1 b${client} buyer 127.0.0.1 6000 6001`,
      `SUBSCRIBE 2 ${BID_ITEM}`,
    ],
    observe(client, message: Message) {
      if (message.type === "BID_UPDATE") learn(client, message.highestBid);
      if (message.type === "AUCTION_ANNOUNCE") learn(client, message.currentPrice);
      if (message.type === "BID_ACCEPTED" && message.rq >= 1_000) {
        learn(client, amountOf(client, message.rq - 1_000));
      }
      if (message.type === "BID_REJECTED") {
        const price = /current price is (\d+)\.(\d\d)/.exec(message.reason);
        if (price) learn(client, Number(price[1]) * 100 + Number(price[2]));
      }
    },
    request(client, index, rq) {
      // Above the last price this client knows, by 1 to 3 cents, so clients race each other.
      const cents = (knownCents[client] ?? START_PRICE_CENTS) + 1 + (client % 3);
      amounts.set(`${client} ${index}`, cents);
      return `BID ${rq} ${BID_ITEM} ${Math.floor(cents / 100)}.${
        String(cents % 100).padStart(2, "0")
      }`;
    },
    isAcknowledgement: (reply) => reply.type === "BID_ACCEPTED",
    check(state, acknowledged, refused) {
      for (const { reply } of refused) {
        assert.equal(reply.type, "BID_REJECTED", `unexpected reply ${reply.type}`);
        assert.match((reply as { reason: string }).reason, /^Bid too low/);
      }
      const item = biddenItem(state);
      const highest = highestAcknowledged(acknowledged);
      assert.ok(
        item.currentPriceCents >= highest,
        `price ${item.currentPriceCents} is below the acknowledged bid ${highest}`,
      );
      assert.equal(item.highestBid?.amountCents ?? START_PRICE_CENTS, item.currentPriceCents);
      assert.ok(
        item.bidCount >= acknowledged.length,
        `${item.bidCount} bids on record, ${acknowledged.length} acknowledged`,
      );
    },
    amountOf,
    highestAcknowledged,
  };
}

/** The item of the workload in `state`. */
export function biddenItem(state: AuctionState): Item {
  const id = state.openItems[BID_ITEM.toLowerCase()];
  const item = id === undefined ? undefined : state.items[id];
  assert.ok(item, `${BID_ITEM} is open`);
  return item;
}
