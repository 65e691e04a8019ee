/**
 * Provisional accounts: registered, but no later request from the registered address has shown
 * that it receives what the server sends (a REGISTER can come from a forged source address). They
 * expire after the server's `--provisional-seconds` and are capped in number, in all and per
 * network (`docs/security/limits.md`, "Provisional accounts"). This module keeps the index of them,
 * oldest first, derived from the state (not saved) like the other indexes, and kept in step by
 * `applyEvent`.
 * @module
 */

import type { AuctionState, User } from "./state.ts";

/** The provisional accounts of one state: oldest first, and by network. */
interface ProvisionalIndex {
  /** Registration time of each provisional account's key, in registration order. */
  byAge: Map<string, number>;
  /** Keys of the provisional accounts of each network, in registration order. */
  byNetwork: Map<string, Set<string>>;
}

const indexes = new WeakMap<AuctionState, ProvisionalIndex>();

/**
 * The network an IP counts in for the provisional caps: its /24 for IPv4 (`10.1.2.0/24`), its /64
 * for IPv6 (`2001:db8:0:1::/64`); an IPv4-mapped IPv6 address counts as its IPv4 address.
 */
export function networkOf(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  const v4 = mapped ? mapped[1]! : ip;
  if (!v4.includes(":")) {
    const parts = v4.split(".");
    return `${parts.slice(0, 3).join(".")}.0/24`;
  }
  const [head = "", tail] = ip.toLowerCase().split("::");
  const headGroups = head === "" ? [] : head.split(":");
  const tailGroups = tail === undefined || tail === "" ? [] : tail.split(":");
  const zeros = Math.max(0, 8 - headGroups.length - tailGroups.length);
  const groups = [...headGroups, ...new Array<string>(zeros).fill("0"), ...tailGroups];
  return `${groups.slice(0, 4).map((group) => group.replace(/^0+(?=.)/, "")).join(":")}::/64`;
}

/** The IP a provisional account counts against: where it registered from. */
function ipOf(user: User): string {
  return user.registeredFromIp ?? user.session?.hostname ?? "";
}

function index(state: AuctionState): ProvisionalIndex {
  let built = indexes.get(state);
  if (built) return built;
  built = { byAge: new Map(), byNetwork: new Map() };
  const provisional = Object.entries(state.users).filter(([, user]) => user.provisional);
  provisional.sort(([, a], [, b]) => a.registeredAtMs - b.registeredAtMs);
  for (const [key, user] of provisional) add(built, key, user);
  indexes.set(state, built);
  return built;
}

function add(built: ProvisionalIndex, key: string, user: User): void {
  built.byAge.set(key, user.registeredAtMs);
  const network = networkOf(ipOf(user));
  let keys = built.byNetwork.get(network);
  if (!keys) built.byNetwork.set(network, keys = new Set());
  keys.add(key);
}

/** After provisional `user` (key `key`) was added to `users`. */
export function noteProvisionalAdded(state: AuctionState, key: string, user: User): void {
  const built = indexes.get(state);
  if (built) add(built, key, user);
}

/** Before `user` stops being provisional (shown) or leaves `users`. */
export function noteProvisionalGone(state: AuctionState, key: string, user: User): void {
  const built = indexes.get(state);
  if (!built || !built.byAge.delete(key)) return;
  const network = networkOf(ipOf(user));
  const keys = built.byNetwork.get(network);
  keys?.delete(key);
  if (keys?.size === 0) built.byNetwork.delete(network);
}

/** How many provisional accounts there are. */
export function provisionalCount(state: AuctionState): number {
  return index(state).byAge.size;
}

/** How many provisional accounts registered from `ip`'s network ({@linkcode networkOf}). */
export function provisionalInNetwork(state: AuctionState, ip: string): number {
  return index(state).byNetwork.get(networkOf(ip))?.size ?? 0;
}

/**
 * The key of the oldest provisional account (of `ip`'s network when given) that is not in
 * `except`.
 */
export function oldestProvisional(
  state: AuctionState,
  options: { ip?: string; except?: ReadonlySet<string> } = {},
): string | undefined {
  const built = index(state);
  const keys = options.ip === undefined
    ? built.byAge.keys()
    : built.byNetwork.get(networkOf(options.ip))?.keys() ?? [];
  for (const key of keys) if (!options.except?.has(key)) return key;
  return undefined;
}

/** Keys of the provisional accounts registered at or before `cutoffMs`, oldest first, at most `limit`. */
export function provisionalRegisteredBy(
  state: AuctionState,
  cutoffMs: number,
  limit: number,
): string[] {
  const keys: string[] = [];
  for (const [key, atMs] of index(state).byAge) {
    if (atMs > cutoffMs || keys.length >= limit) break;
    keys.push(key);
  }
  return keys;
}
