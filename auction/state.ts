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

/** How many existing accounts were registered from `ip` (from an index: no walk over the users). */
export function usersFromIp(state: AuctionState, ip: string): number {
  return ipIndex(state).get(ip) ?? 0;
}

/** The IP an account counts against: where it registered (its session's, in older states). */
function ipOf(user: User): string | undefined {
  return user.registeredFromIp ?? user.session?.hostname;
}

/**
 * Accounts per IP, derived from `users` (not saved), built by one walk at the first lookup and
 * kept in step by `applyEvent`; dropped (rebuilt at the next lookup) when the session of an
 * account from an older state moves, since such an account counts against its session's IP.
 */
const ipIndexes = new WeakMap<AuctionState, Map<string, number>>();

function ipIndex(state: AuctionState): Map<string, number> {
  let index = ipIndexes.get(state);
  if (index) return index;
  index = new Map();
  for (const user of Object.values(state.users)) {
    const ip = ipOf(user);
    if (ip !== undefined) bump(index, ip, 1);
  }
  ipIndexes.set(state, index);
  return index;
}

/** Before `user` is added to (`+1`) or removed from (`-1`) `users`. */
export function noteUserCounted(state: AuctionState, user: User, delta: number): void {
  const index = ipIndexes.get(state);
  const ip = ipOf(user);
  if (index && ip !== undefined) bump(index, ip, delta);
}

/** Before the sessions of `users` change: those that count by their session drop the index. */
export function noteSessionsMoving(state: AuctionState, ...users: (User | undefined)[]): void {
  if (users.some((user) => user !== undefined && user.registeredFromIp === undefined)) {
    ipIndexes.delete(state);
  }
}

/** How many open auctions seller `userKey` has (from an index: no walk over the items). */
export function openListingsOf(state: AuctionState, userKey: string): number {
  return openCounts(state).listings.get(userKey) ?? 0;
}

/** How many open auctions user `userKey` follows (from an index: no walk over the items). */
export function openSubscriptionsOf(state: AuctionState, userKey: string): number {
  return openCounts(state).subscriptions.get(userKey) ?? 0;
}

/**
 * Per user, how many of the items in `openItems` it sells and follows: derived from the state
 * like the closed-name index below (not saved), built by one walk at the first lookup, then kept
 * in step by `applyEvent` through the `note...` functions.
 */
interface OpenCounts {
  listings: Map<string, number>;
  subscriptions: Map<string, number>;
}

const openCountIndexes = new WeakMap<AuctionState, OpenCounts>();

function openCounts(state: AuctionState): OpenCounts {
  let counts = openCountIndexes.get(state);
  if (counts) return counts;
  counts = { listings: new Map(), subscriptions: new Map() };
  for (const id of Object.values(state.openItems)) {
    const item = state.items[id];
    if (!item) continue;
    bump(counts.listings, item.seller, 1);
    for (const user of item.subscribers) bump(counts.subscriptions, user, 1);
  }
  openCountIndexes.set(state, counts);
  return counts;
}

function bump(counts: Map<string, number>, key: string, delta: number): void {
  const count = (counts.get(key) ?? 0) + delta;
  if (count === 0) counts.delete(key);
  else counts.set(key, count);
}

/** Whether `item` is the one `openItems` holds for its name (what the counts count). */
function isIndexedOpen(state: AuctionState, item: Item): boolean {
  return state.openItems[nameKey(item.name)] === item.id;
}

/** Before `item` is made the open item of its name: counts it (or drops the index if it replaces one). */
export function noteItemListed(state: AuctionState, item: Item): void {
  const counts = openCountIndexes.get(state);
  if (!counts) return;
  const replaced = state.openItems[nameKey(item.name)];
  if (replaced !== undefined && replaced !== item.id) openCountIndexes.delete(state);
  else if (replaced === undefined) bump(counts.listings, item.seller, 1);
}

/** Before an open `item` leaves `openItems`: its seller and subscribers count one less. */
export function noteOpenItemClosing(state: AuctionState, item: Item): void {
  const counts = openCountIndexes.get(state);
  if (!counts || !isIndexedOpen(state, item)) return;
  bump(counts.listings, item.seller, -1);
  for (const user of item.subscribers) bump(counts.subscriptions, user, -1);
}

/** After `user` was added to (`+1`) or removed from (`-1`) the subscribers of `item`. */
export function noteSubscription(state: AuctionState, item: Item, user: string, delta: number) {
  const counts = openCountIndexes.get(state);
  if (counts && isIndexedOpen(state, item)) bump(counts.subscriptions, user, delta);
}

/** After user `key` was removed from every open item's subscribers. */
export function noteSubscriberGone(state: AuctionState, key: string): void {
  openCountIndexes.get(state)?.subscriptions.delete(key);
}

/** The open item named `name` (any case), if any. */
export function openItemNamed(state: AuctionState, name: string): Item | undefined {
  const id = state.openItems[nameKey(name)];
  return id === undefined ? undefined : state.items[id];
}

/**
 * The latest closed item of each lower-case name, by state: derived from `items`, so it is not
 * part of the saved state; built on the first lookup (after a load) and kept up to date by
 * {@linkcode noteItemClosed} and {@linkcode noteItemDropped}, which `applyEvent` calls.
 */
const closedIndexes = new WeakMap<AuctionState, Map<string, number>>();

function closedIndex(state: AuctionState): Map<string, number> {
  let index = closedIndexes.get(state);
  if (index) return index;
  index = new Map();
  for (const item of Object.values(state.items)) {
    if (item.status !== "closed") continue;
    const key = nameKey(item.name);
    const latest = index.get(key);
    if (latest === undefined || item.id > latest) index.set(key, item.id);
  }
  closedIndexes.set(state, index);
  return index;
}

/** Keeps the closed-name index of `state` (if built) in step with `item` closing. */
export function noteItemClosed(state: AuctionState, item: Item): void {
  const index = closedIndexes.get(state);
  if (!index) return;
  const key = nameKey(item.name);
  const latest = index.get(key);
  if (latest === undefined || item.id > latest) index.set(key, item.id);
}

/** Keeps the closed-name index of `state` (if built) in step with `item` leaving the state. */
export function noteItemDropped(state: AuctionState, item: Item): void {
  const index = closedIndexes.get(state);
  if (!index || index.get(nameKey(item.name)) !== item.id) return;
  // An older closed item of that name may still be in the state: rebuild on the next lookup.
  closedIndexes.delete(state);
}

/** The open item named `name`, else the latest closed one of that name still in the state. */
export function itemNamed(state: AuctionState, name: string): Item | undefined {
  const open = openItemNamed(state, name);
  if (open) return open;
  const id = closedIndex(state).get(nameKey(name));
  return id === undefined ? undefined : state.items[id];
}
