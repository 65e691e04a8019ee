/**
 * The server's whole state: plain JSON data, changed only by {@linkcode applyEvent}.
 * @module
 */

import type { Role } from "../protocol/mod.ts";

/** A UDP or TCP peer address. */
export interface PeerAddress {
  /** IP address literal. */
  hostname: string;
  /** Port number. */
  port: number;
  /**
   * The server node whose socket this address talks to, when several nodes serve one database
   * (`docs/scale-out.md`); absent with one node.
   */
  node?: string;
}

/** A registered user. */
export interface User {
  /** The name as registered (its case kept). */
  name: string;
  /** `buyer` or `seller`. */
  role: Role;
  /** The IP the user declared at REGISTER. */
  declaredIp: string;
  /** The UDP port the user declared at REGISTER. */
  udpPort: number;
  /** The TCP port the server connects to at the close of an auction. */
  tcpPort: number;
  /** Source address of the latest REGISTER or LOGIN; `null` once another user took it. */
  session: PeerAddress | null;
  /** PBKDF2 hash of the password, base64; absent when none was set. */
  passwordHash?: string;
  /** Salt of the password hash, base64. */
  passwordSalt?: string;
  /** PBKDF2 iterations of the password hash; absent for hashes made at 100,000 before 2026-11. */
  passwordIterations?: number;
  /** SHA-256 (hex) of the session key given at the latest REGISTER or LOGIN with a password. */
  sessionKeyHash?: string;
  /**
   * Set while the session's address has not shown that it receives (see the events'
   * `sessionUnproven`); the reply budget does not trust such a session's IP.
   */
  sessionUnproven?: true;
  /**
   * Set until a request from the account's session address first acts for it: a provisional
   * account expires (`accounts_expired`) and counts against the provisional caps
   * (`auction/provisional.ts`). Absent for accounts registered before provisional ones existed.
   */
  provisional?: true;
  /** When the user registered. */
  registeredAtMs: number;
  /** Source IP of the REGISTER (`--max-users-per-ip`); absent in states saved before it. */
  registeredFromIp?: string;
}

/** The accepted bid that leads an auction. */
export interface Bid {
  /** Key of the bidder in `users`. */
  bidder: string;
  /** The bid, in cents. */
  amountCents: number;
  /** When the server accepted it. */
  atMs: number;
}

/** An item put up for auction. */
export interface Item {
  /** Server-assigned id; item names are unique only among open auctions. */
  id: number;
  /** The item name as listed. */
  name: string;
  /** Free-text description. */
  description: string;
  /** Key of the seller in `users`. */
  seller: string;
  /** Seller's name as registered, kept for messages after a de-registration. */
  sellerName: string;
  /** Starting price, in cents. */
  startPriceCents: number;
  /** Current price: the highest bid, the start price, or a price lowered by ACCEPT. */
  currentPriceCents: number;
  /** When the item was listed. */
  listedAtMs: number;
  /** The auction's duration as listed. */
  durationMs: number;
  /** When the auction ends (absolute server time; soft close may move it). */
  endsAtMs: number;
  /** `open` until the end time, then `closed`. */
  status: "open" | "closed";
  /** Keys of subscribed users, in subscription order. */
  subscribers: string[];
  /** The leading bid, if any. */
  highestBid?: Bid;
  /** Accepted bids so far. */
  bidCount: number;
  /** Negotiation with the seller, once half the duration passed with no bid. */
  negotiation?: Negotiation;
}

/** The price negotiation of an item with no bid at half time. */
export interface Negotiation {
  /** `pending` until the seller answers; at most one per item. */
  status: "pending" | "accepted" | "refused" | "expired";
  /** When the first NEGOTIATE_REQ was sent. */
  startedAtMs: number;
  /** When the seller lowered the price (ACCEPT), for the board's price history. */
  acceptedAtMs?: number;
  /** The price the seller lowered it to, in cents. */
  acceptedPriceCents?: number;
}

/** The sale (or non-sale) of an item after its auction closed. */
export interface Sale {
  /** The item's id. */
  itemId: number;
  /** The item's name. */
  itemName: string;
  /** Key of the seller. */
  seller: string;
  /** Seller's name as registered. */
  sellerName: string;
  /** Key of the winner; absent when no bid came. */
  buyer?: string;
  /** Winner's name as registered. */
  buyerName?: string;
  /** Final price in cents (0 with no bid). */
  finalPriceCents: number;
  /** Where the sale stands. */
  status: "pending" | "settled" | "cancelled" | "no_offer";
  /** Server RQ#s of the closing messages, fixed at close so a resend after a restart repeats them. */
  rqs: { buyer: number; seller: number; buyerInform: number; sellerInform: number };
  /** When the auction closed. */
  closedAtMs: number;
  /** When the sale was settled or cancelled. */
  endedAtMs?: number;
  /** Why it was cancelled. */
  reason?: string;
  /** The server's 10% fee, in cents. */
  feeCents?: number;
  /** What the seller was credited, in cents. */
  payoutCents?: number;
  /** Last four digits of the buyer's card; the rest is never kept. */
  buyerCardLast4?: string;
  /** Last four digits of the seller's card. */
  sellerCardLast4?: string;
  /** Server RQ# of the Shipping_Info, fixed when the payment is recorded. */
  shippingRq?: number;
  /** Buyer's name and address for Shipping_Info; dropped once the seller's notice is done. */
  shipTo?: { name: string; address: string };
  /** The seller's last message (NON_OFFER or Shipping_Info) is done; absent until then. */
  sellerNotice?: { atMs: number; delivered: boolean };
  /**
   * The payment asked of the gateway (`payment_started`): its key, and what settling it after a
   * crash needs; `shipTo` is dropped once the sale is settled or cancelled.
   */
  payment?: {
    idempotencyKey: string;
    startedAtMs: number;
    buyerCardLast4: string;
    sellerCardLast4: string;
    shipTo?: { name: string; address: string };
  };
  /** Server RQ# of the PAID to the buyer, fixed when the payment is recorded. */
  paidRq?: number;
  /** The buyer's PAID is done; absent until then. */
  buyerNotice?: { atMs: number; delivered: boolean };
}

/** A reply kept so that a retransmitted request gets it again without being redone. */
export interface CachedReply {
  /** The request's RQ#. */
  rq: number;
  /** Digest of the request's exact bytes (the text itself may hold a password). */
  requestDigest: string;
  /** The reply line sent, or `null` when the request has no reply. */
  reply: string | null;
  /** When it was answered. */
  atMs: number;
  /**
   * The user the request acted for (the session of its address then), `null` for none: the reply
   * answers a repeat only while the address is still that user's session (a stale binding never
   * answers a new peer). Absent for the requests any address may send (REGISTER, LOGIN, PING),
   * and in replies kept before this field existed: those answer a repeat whoever has the address.
   */
  user?: string | null;
}

/** Everything the server knows. */
export interface AuctionState {
  /** Format version of this structure. */
  version: 1;
  /** Users by lower-case name. */
  users: Record<string, User>;
  /** Key of the user whose session each `host:port` is. */
  sessions: Record<string, string>;
  /** Items by id. */
  items: Record<string, Item>;
  /** Ids of open items by lower-case item name. */
  openItems: Record<string, number>;
  /** The id the next listed item gets. */
  nextItemId: number;
  /** Sales by item id. */
  sales: Record<string, Sale>;
  /** Server RQ#s below this may have been used; a restarted server starts here. */
  serverRqLeased: number;
  /** Replies to state-changing requests, by `host:port` of their source. */
  replies: Record<string, CachedReply[]>;
  /** How many items and sales left for the archive file (absent until the first did). */
  archived?: { items: number; sales: number };
}

/** A new, empty state. */
export function emptyState(): AuctionState {
  return {
    version: 1,
    users: {},
    sessions: {},
    items: {},
    openItems: {},
    nextItemId: 1,
    sales: {},
    serverRqLeased: 1,
    replies: {},
  };
}

/** The key of a user or item name: names are unique regardless of case. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}

/** `host:port` of an address (`[v6]:port` for IPv6), used as a map key. */
export function addressKey(address: PeerAddress): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}

/** Whether two addresses are the same. */
export function sameAddress(a: PeerAddress | null, b: PeerAddress | null): boolean {
  return a !== null && b !== null && a.hostname === b.hostname && a.port === b.port;
}

/** The user whose session is `address`, if any. */
export function userAt(state: AuctionState, address: PeerAddress): User | undefined {
  const key = state.sessions[addressKey(address)];
  return key === undefined ? undefined : state.users[key];
}
