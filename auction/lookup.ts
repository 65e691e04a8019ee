/**
 * Read helpers the commands ask before they act: is an item open to bids, does a name name a user.
 * Pure reads of the state; the refusals built from them live in `commands/`.
 * @module
 */

import { type AuctionState, type Item, nameKey, type User } from "./state.ts";
import { itemNamed } from "./indexes.ts";
import { hasEnded } from "./time_left.ts";

/** What {@linkcode findOpenItem} found: the open item, or why there is none. */
export type OpenItemLookup =
  | { item: Item; missing?: undefined }
  | { item?: undefined; missing: "unknown" | "ended" };

/**
 * The item named `name` (any case) whose auction is still running at `nowMs`; else `unknown` when
 * no item has that name, `ended` when the latest of that name is over (closed or past its end).
 */
export function findOpenItem(
  state: Readonly<AuctionState>,
  name: string,
  nowMs: number,
): OpenItemLookup {
  const item = itemNamed(state, name);
  if (!item) return { missing: "unknown" };
  if (hasEnded(item, nowMs)) return { missing: "ended" };
  return { item };
}

/** Whether `name` is the name of `user`, in any case. */
export function isNameOf(user: User, name: string): boolean {
  return nameKey(name) === nameKey(user.name);
}
