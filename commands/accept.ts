import { formatPrice, message } from "../protocol/mod.ts";
import { followersOf, timeLeftSeconds } from "../auction/time_left.ts";
import { requireOwnOpenItem } from "./_auction.ts";
import { CommandError, defineCommand } from "./define.ts";

/** ACCEPT RQ# Item_Name New_Price */
export default defineCommand({
  name: "ACCEPT",
  summary: "The seller lowers the price of an item with no bid; PRICE_ADJUSTMENT to its followers",
  handle(request, context) {
    const item = requireOwnOpenItem(context, request.item);
    const negotiation = item.negotiation;
    // A repeated ACCEPT of the price already applied: nothing to do, nothing to send.
    if (negotiation?.status === "accepted" && item.currentPriceCents === request.newPrice) {
      return undefined;
    }
    if (negotiation?.status !== "pending") {
      throw new CommandError(`No price negotiation is outstanding for ${item.name}`);
    }
    if (request.newPrice >= item.currentPriceCents) {
      throw new CommandError(
        `Invalid New_Price: must be below the current price ${formatPrice(item.currentPriceCents)}`,
      );
    }
    context.emit({
      type: "negotiation_answered",
      atMs: context.nowMs,
      itemId: item.id,
      newPriceCents: request.newPrice,
    });
    const timeLeft = timeLeftSeconds(item.endsAtMs, context.nowMs);
    const adjustment = (rq: number) =>
      message("PRICE_ADJUSTMENT", rq, { item: item.name, newPrice: request.newPrice, timeLeft });
    for (const follower of followersOf(item)) {
      if (follower !== item.seller) context.push(follower, adjustment);
    }
    // The seller's PRICE_ADJUSTMENT is ACCEPT's answer: sent as the reply, it is what the reply
    // cache repeats when the seller retransmits an ACCEPT whose answer was lost.
    return adjustment(context.nextServerRq());
  },
});
