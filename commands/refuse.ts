import { requireOwnOpenItem } from "./_auction.ts";
import { CommandError, defineCommand } from "./define.ts";

/** REFUSE RQ# Item_Name REJECT */
export default defineCommand({
  name: "REFUSE",
  summary: "The seller keeps the price of an item with no bid; no reply",
  handle(request, context) {
    const item = requireOwnOpenItem(context, request.item);
    const negotiation = item.negotiation;
    // A repeated REFUSE: the price is already kept.
    if (negotiation?.status === "refused") return undefined;
    if (negotiation?.status !== "pending") {
      throw new CommandError(`No price negotiation is outstanding for ${item.name}`);
    }
    context.emit({ type: "negotiation_answered", atMs: context.nowMs, itemId: item.id });
    return undefined;
  },
});
