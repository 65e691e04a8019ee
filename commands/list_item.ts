import { durationMs, MAX_DURATION_MS, message } from "../protocol/mod.ts";
import { openItemNamed, openListingsOf } from "../auction/indexes.ts";
import { requireOwnName, requireRole } from "./_auction.ts";
import { CommandError, defineCommand } from "./define.ts";

/** Shortest auction accepted, in milliseconds. */
const MIN_DURATION_MS = 1000;

/** LIST_ITEM RQ# Item_Name Item_Desc Start_Price Duration [Seller_Name] */
export default defineCommand({
  name: "LIST_ITEM",
  summary: "A seller puts an item up for auction; it ends Duration after the server saves it",
  handle(request, context) {
    const { user, userKey } = requireRole(context, "seller", "list items");
    requireOwnName(user, request.seller);
    const lengthMs = durationMs(request.duration, context.config.durationUnit);
    if (lengthMs < MIN_DURATION_MS) {
      throw new CommandError("Invalid Duration: an auction lasts at least 1 second");
    }
    if (lengthMs > MAX_DURATION_MS) {
      throw new CommandError("Invalid Duration: an auction lasts at most 30 days");
    }
    const { maxListingsPerSeller } = context.config;
    if (
      maxListingsPerSeller > 0 && openListingsOf(context.state, userKey) >= maxListingsPerSeller
    ) {
      throw new CommandError(
        `Too many open auctions: at most ${maxListingsPerSeller} per seller`,
      );
    }
    if (openItemNamed(context.state, request.item)) {
      throw new CommandError(`Invalid Item_Name: "${request.item}" is already in an open auction`);
    }
    context.emit({
      type: "item_listed",
      atMs: context.nowMs,
      id: context.state.nextItemId,
      name: request.item,
      description: request.description,
      seller: userKey,
      startPriceCents: request.startPrice,
      durationMs: lengthMs,
      endsAtMs: context.nowMs + lengthMs,
    });
    return message("ITEM_LISTED", request.rq, {});
  },
});
