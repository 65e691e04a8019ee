/**
 * Time_Left on the wire, and the pushes about an item: announcements and NEGOTIATE_REQ.
 * @module
 */

import { message } from "../protocol/mod.ts";
import type { ServerMessage } from "../protocol/mod.ts";
import type { Item } from "./state.ts";

/** What a push needs: the time, and a way to queue a message to a user's session. */
export interface Pusher {
  /** The time the push is made at. */
  readonly nowMs: number;
  /** Queues a message to a user's session address. */
  push(userKey: string, build: (rq: number) => ServerMessage): void;
}

/** Whole seconds until `endsAtMs`, rounded up, never below 0: the wire's Time_Left. */
export function timeLeftSeconds(endsAtMs: number, nowMs: number): number {
  return Math.max(0, Math.ceil((endsAtMs - nowMs) / 1000));
}

/** Whether the auction of `item` is over at `nowMs` (closed, or its end time has come). */
export function hasEnded(item: Item, nowMs: number): boolean {
  return item.status === "closed" || nowMs >= item.endsAtMs;
}

/** The subscribers of `item` and then its seller, each once. */
export function followersOf(item: Item): string[] {
  // The usual case of a bid (no subscriber): no set and no copies made.
  if (item.subscribers.length === 0) return [item.seller];
  return [...new Set([...item.subscribers, item.seller])];
}

/** Options of {@linkcode pushAnnounce}. */
export interface PushAnnounceOptions {
  /** The Time_Left to announce. @default the seconds left until `item.endsAtMs` */
  timeLeftSeconds?: number;
}

/** The `AUCTION_ANNOUNCE` of `item` with `timeLeft` seconds left, for the RQ# it is given. */
export function announcement(item: Item, timeLeft: number): (rq: number) => ServerMessage {
  return (rq) =>
    message("AUCTION_ANNOUNCE", rq, {
      item: item.name,
      description: item.description,
      currentPrice: item.currentPriceCents,
      timeLeft,
    });
}

/** Pushes `AUCTION_ANNOUNCE` about `item` to its subscribers. */
export function pushAnnounce(
  item: Item,
  transaction: Pusher,
  options: PushAnnounceOptions = {},
): void {
  const timeLeft = options.timeLeftSeconds ?? timeLeftSeconds(item.endsAtMs, transaction.nowMs);
  const build = announcement(item, timeLeft);
  for (const userKey of item.subscribers) transaction.push(userKey, build);
}

/** Pushes `NEGOTIATE_REQ` about `item` to its seller. */
export function pushNegotiateRequest(item: Item, transaction: Pusher): void {
  transaction.push(item.seller, (rq) =>
    message("NEGOTIATE_REQ", rq, {
      item: item.name,
      currentPrice: item.currentPriceCents,
      timeLeft: timeLeftSeconds(item.endsAtMs, transaction.nowMs),
    }));
}
