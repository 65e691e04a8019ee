/**
 * Checks shared by the auction commands: role, the seed's trailing user name, and finding an
 * item by name. Private to `commands/` (not a command, so not registered).
 * @module
 */

import type { Role } from "../protocol/mod.ts";
import { type AuctionState, type Item, nameKey, openItemNamed } from "../server/state.ts";
import { type CommandContext, CommandError, requireUser } from "./define.ts";
import type { User } from "../server/state.ts";

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

/** Refuses a trailing user name (the seed's variant) that is not the sender's own user. */
export function requireOwnName(
  claimed: string | undefined,
  user: User,
  field: string,
): void {
  if (claimed !== undefined && nameKey(claimed) !== nameKey(user.name)) {
    throw new CommandError(
      `${field} "${claimed}" is not the user of this address (${user.name})`,
    );
  }
}

/** The open item named `name`, else the latest closed one of that name, else `undefined`. */
export function itemNamed(state: Readonly<AuctionState>, name: string): Item | undefined {
  const open = openItemNamed(state, name);
  if (open) return open;
  let latest: Item | undefined;
  for (const item of Object.values(state.items)) {
    if (nameKey(item.name) === nameKey(name) && (!latest || item.id > latest.id)) latest = item;
  }
  return latest;
}

/** The item named `name` whose auction is still running, or a refusal that says why not. */
export function requireOpenItem(context: CommandContext, name: string): Item {
  const item = itemNamed(context.state, name);
  if (!item) throw new CommandError("Item not found");
  if (item.status === "closed" || context.nowMs >= item.endsAtMs) {
    throw new CommandError("Auction closed");
  }
  return item;
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
