/**
 * Indexes over the live state, kept in step by `applyEvent`: accounts per IP, open listings and
 * subscriptions per user, the open and latest closed item of each name. Each index is built on
 * first use and lives beside the state (a WeakMap), so the state itself stays plain JSON.
 * @module
 */

import { type AuctionState, type Item, nameKey, type User } from "./state.ts";

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
