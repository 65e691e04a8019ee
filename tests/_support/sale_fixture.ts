/**
 * A sale ready to finalize: a seller `sam` and a buyer `bea`, item `Kite` with (or without) a
 * winning bid, as events; and a finalizer over the real core with fake connections.
 * @module
 */

import { FakeClock } from "../../server/clock.ts";
import { DEFAULT_CONFIG, type ServerConfig } from "../../server/config.ts";
import { AuctionCore } from "../../server/core.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { SaleFinalizer } from "../../server/sale/finalizer.ts";
import { type PaymentGateway, SimulatedGateway } from "../../server/sale/payment.ts";
import type { SaleStepHook } from "../../server/sale/steps.ts";
import type { PeerAddress } from "../../auction/state.ts";
import { type FakeChannel, FakeConnector } from "./fake_channel.ts";
import { createStore, type JournalStore, RecordingOutbox } from "./harness.ts";

/** The TCP address the finalizer dials for the buyer `bea`. */
export const BUYER_TCP: PeerAddress = { hostname: "127.0.0.1", port: 6001 };
/** The TCP address the finalizer dials for the seller `sam`. */
export const SELLER_TCP: PeerAddress = { hostname: "127.0.0.1", port: 6002 };
/** A valid card (Visa test number) and one that is a valid number the simulator declines. */
export const GOOD_CARD = "4111111111111111";
/** The seller's card. */
export const SELLER_CARD = "5555555555554444";

/** Options of {@linkcode saleEvents}. */
export interface SaleEventsOptions {
  /** The winning bid; `null` for an auction without a bid. @default 2500 */
  priceCents?: number | null;
  /** The item's id. @default 1 */
  itemId?: number;
  /** The item's name. @default "Kite" */
  itemName?: string;
  /** Whether to include the two users. @default true */
  withUsers?: boolean;
  /** Whether to end with `auction_closed`. @default true */
  closed?: boolean;
  /** Ports of the users' TCP listeners. */
  buyerTcpPort?: number;
  /** Port of the seller's TCP listener. */
  sellerTcpPort?: number;
}

/** The events of a listed, bid-on and closed auction. Server RQ#s are 100 + 4 × id + 1..4. */
export function saleEvents(options: SaleEventsOptions = {}, atMs = Date.UTC(2026, 0, 1)) {
  const itemId = options.itemId ?? 1;
  const priceCents = options.priceCents === undefined ? 2500 : options.priceCents;
  const events: AuctionEvent[] = [];
  if (options.withUsers ?? true) {
    events.push(
      registeredUser("sam", "seller", 40002, options.sellerTcpPort ?? SELLER_TCP.port, atMs),
    );
    events.push(
      registeredUser("bea", "buyer", 40001, options.buyerTcpPort ?? BUYER_TCP.port, atMs),
    );
  }
  events.push({
    type: "item_listed",
    atMs,
    id: itemId,
    name: options.itemName ?? "Kite",
    description: "A red kite",
    seller: "sam",
    startPriceCents: 1,
    durationMs: 5000,
    endsAtMs: atMs + 5000,
  });
  if (priceCents !== null) {
    events.push({
      type: "bid_placed",
      atMs,
      itemId,
      bidder: "bea",
      amountCents: priceCents,
      endsAtMs: atMs + 5000,
    });
  }
  if (options.closed ?? true) {
    const base = 100 + 4 * itemId;
    events.push({
      type: "auction_closed",
      atMs: atMs + 5000,
      itemId,
      rqs: { buyer: base + 1, seller: base + 2, buyerInform: base + 3, sellerInform: base + 4 },
    });
  }
  return events;
}

/** A `user_registered` event for a test user on 127.0.0.1 (session at its UDP port). */
export function registeredUser(
  name: string,
  role: "buyer" | "seller",
  udpPort: number,
  tcpPort: number,
  atMs: number,
) {
  return {
    type: "user_registered" as const,
    atMs,
    name,
    role,
    declaredIp: "127.0.0.1",
    udpPort,
    tcpPort,
    session: { hostname: "127.0.0.1", port: udpPort },
  };
}

/** A finalizer over the real core, a memory store (or the harness factory's), a fake clock and fake connections. */
export interface SaleHarness {
  core: AuctionCore;
  clock: FakeClock;
  store: JournalStore;
  connector: FakeConnector;
  buyer: FakeChannel;
  seller: FakeChannel;
  gateway: PaymentGateway;
  finalizer: SaleFinalizer;
}

/** Builds a {@linkcode SaleHarness} whose store starts with `events`; call `finalizer.start()`. */
export async function createSaleHarness(
  options: {
    events?: AuctionEvent[];
    config?: Partial<ServerConfig>;
    gateway?: PaymentGateway;
    onStep?: SaleStepHook;
  } = {},
): Promise<SaleHarness> {
  const clock = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 10));
  const store = await createStore({ events: options.events, now: () => clock.now() });
  const core = new AuctionCore({
    state: await store.load(),
    store,
    clock,
    config: { ...DEFAULT_CONFIG, ...options.config },
    outbox: new RecordingOutbox(),
  });
  const connector = new FakeConnector();
  const buyer = connector.listen(BUYER_TCP);
  const seller = connector.listen(SELLER_TCP);
  const gateway = options.gateway ?? new SimulatedGateway({ clock });
  const finalizer = new SaleFinalizer(core, { gateway, connector, onStep: options.onStep });
  return { core, clock, store, connector, buyer, seller, gateway, finalizer };
}

/** An INFORM_Res line. */
export function informRes(rq: number, name: string, card: string, expiry = "12/30") {
  return `INFORM_Res ${rq} ${name} ${card} ${expiry} 1 Main Street, Springfield`;
}
