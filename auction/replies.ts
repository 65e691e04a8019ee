/**
 * Exactly-once replies, as the state keeps them: how long a cached reply answers repeats, how
 * many are kept per source, which one answers a repeat, and the clean-up. The dispatcher's
 * cache (`server/net/reply_cache.ts`), the sweep (`reply_expiry.ts`), snapshots and `inspect`
 * all use these, so the rule has one owner.
 * @module
 */

import type { AuctionState, CachedReply } from "./state.ts";

/** How long a cached reply answers retransmissions: the CoAP exchange lifetime. */
export const REPLY_LIFETIME_MS = 247_000;
/** How many cached replies are kept per source address. */
export const REPLIES_PER_ADDRESS = 64;

/**
 * A cached reply for `user` (see `CachedReply.user`): with no `user` key at all when it is
 * undefined, so that the state equals what the journal reads back (JSON leaves undefined out).
 */
export function cachedReply(
  rq: number,
  requestDigest: string,
  reply: string | null,
  atMs: number,
  user: string | null | undefined,
): CachedReply {
  const entry: CachedReply = { rq, requestDigest, reply, atMs };
  if (user !== undefined) entry.user = user;
  return entry;
}

/** Appends `entry` to the replies of `source`, keeping the newest {@linkcode REPLIES_PER_ADDRESS}. */
export function keepReply(entries: CachedReply[], entry: CachedReply): void {
  entries.push(entry);
  // One at a time in the usual case: `shift` allocates nothing, `splice` a new array each call.
  while (entries.length > REPLIES_PER_ADDRESS) entries.shift();
}

/**
 * The latest of `entries` that answers request `rq` with `digest`, is still fresh at `nowMs`,
 * and was for `boundTo`, the user whose session the address is now (`null`: none; see
 * `CachedReply.user`).
 */
export function replyFor(
  entries: readonly CachedReply[] | undefined,
  rq: number,
  digest: string,
  nowMs: number,
  boundTo: string | null,
): CachedReply | undefined {
  if (!entries) return undefined;
  // A plain loop: this runs for every request, and `findLast` makes a closure each time.
  for (let index = entries.length - 1; index >= 0; index--) {
    const entry = entries[index]!;
    if (
      entry.rq === rq && entry.requestDigest === digest &&
      nowMs - entry.atMs < REPLY_LIFETIME_MS &&
      (entry.user === undefined || entry.user === boundTo)
    ) {
      return entry;
    }
  }
  return undefined;
}

/** Drops cached replies older than the reply lifetime at `nowMs` (live, and in snapshots). */
export function pruneReplies(state: AuctionState, nowMs: number): void {
  for (const [source, entries] of Object.entries(state.replies)) {
    const kept = entries.filter((entry) => nowMs - entry.atMs < REPLY_LIFETIME_MS);
    if (kept.length === 0) delete state.replies[source];
    else state.replies[source] = kept;
  }
}

/** Whether any cached reply is older than the reply lifetime at `nowMs`. */
export function hasExpiredReplies(state: Readonly<AuctionState>, nowMs: number): boolean {
  for (const entries of Object.values(state.replies)) {
    // Entries of one source are in answer order: the first is the oldest.
    if (entries[0] !== undefined && nowMs - entries[0].atMs >= REPLY_LIFETIME_MS) return true;
  }
  return false;
}
