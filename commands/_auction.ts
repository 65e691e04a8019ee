/**
 * The refusals shared by the auction commands: role, the seed's trailing user name, and an item
 * open to bids. The reads behind them are in `auction/lookup.ts`. Private to `commands/` (not a
 * command, so not registered).
 * @module
 */

import type { Role } from "../protocol/mod.ts";
import type { Item, User } from "../auction/state.ts";
import { findOpenItem, isNameOf } from "../auction/lookup.ts";
import { type CommandContext, CommandError, requireUser } from "./define.ts";

/** The sender's user, refused unless it has `role`; `doing` completes "Only buyers can ...". */
export function requireRole(
  context: CommandContext,
  role: Role,
  doing: string,
): { user: User; userKey: string } {
  const sender = requireUser(context);
  if (sender.user.role !== role) throw new CommandError(`Only ${role}s can ${doing}`);
  return sender;
}

/**
 * Refuses a trailing `Buyer_Name` or `Seller_Name` (the seed's variant) that is not `user`, the
 * sender's own user.
 */
export function requireOwnName(user: User, claimed: string | undefined): void {
  if (claimed !== undefined && !isNameOf(user, claimed)) {
    const field = user.role === "buyer" ? "Buyer_Name" : "Seller_Name";
    throw new CommandError(`${field} "${claimed}" is not the user of this address (${user.name})`);
  }
}

/** The item named `name` whose auction is still running, or a refusal that says why not. */
export function requireOpenItem(context: CommandContext, name: string): Item {
  const found = findOpenItem(context.state, name, context.nowMs);
  if (found.item) return found.item;
  throw new CommandError(found.missing === "unknown" ? "Item not found" : "Auction closed");
}

/** The open item named `name` whose seller is the sender, for ACCEPT and REFUSE. */
export function requireOwnOpenItem(context: CommandContext, name: string): Item {
  const { userKey } = requireRole(context, "seller", "answer a negotiation");
  const item = requireOpenItem(context, name);
  if (item.seller !== userKey) {
    throw new CommandError(`Only the seller of ${item.name} can answer its negotiation`);
  }
  return item;
}
