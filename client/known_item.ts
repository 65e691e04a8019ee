/**
 * One item as the client knows it, what a seller's listing says, and the time left counted down
 * from the last Time_Left heard: the data of the item book (`items.ts`). Pure.
 * @module
 */

import type { Duration, DurationUnit } from "../protocol/mod.ts";

/** One item as this client knows it. */
export interface KnownItem {
  item: string;
  description?: string;
  priceCents?: number;
  leader?: string;
  /** Time_Left heard last, in seconds, and when it was heard. */
  timeLeftSeconds?: number;
  heardAtMs: number;
  /** The auction is over (Time_Left 0, or a sale message). */
  closed: boolean;
  /** A NEGOTIATE_REQ waits for this seller's answer. */
  negotiating: boolean;
  /** Sale status from the TCP exchange, if any: "won 25.00", "sold to scott", ... */
  outcome?: string;
  /** This client listed the auction (ITEM_LISTED). */
  listedHere?: boolean;
  /** `item` is the server's spelling (from a push or a listing), not as typed in a command. */
  spelledByServer?: boolean;
  /** The server told this client it won (WINNER) or sold (SOLD) the item. */
  saleSide?: "buyer" | "seller";
}

/** What the seller listed, as ITEM_LISTED confirmed it. */
export interface Listing {
  item: string;
  description: string;
  startPriceCents: number;
  duration: Duration;
  /** The server's unit of a bare duration (its `--duration-unit`). */
  durationUnit: DurationUnit;
}

/** Seconds left at `nowMs`, counting down from the last Time_Left heard. */
export function timeLeftAt(entry: KnownItem, nowMs: number): number | undefined {
  if (entry.timeLeftSeconds === undefined) return undefined;
  if (entry.closed) return 0;
  const elapsed = Math.floor((nowMs - entry.heardAtMs) / 1000);
  return Math.max(0, entry.timeLeftSeconds - elapsed);
}
