import { type AuctionState, nameKey } from "../auction/state.ts";
import { CommandError, defineCommand } from "./define.ts";

/** DE-REGISTER RQ# Name */
export default defineCommand({
  name: "DE-REGISTER",
  summary: "Remove the sender's own user and its subscriptions (no reply; unknown names ignored)",
  handle(request, context) {
    const key = nameKey(request.name);
    // Only the user's own session may remove it; anything else is ignored, as the table has no reply.
    if (context.userKey !== key) return undefined;
    const stake = stakeOf(context.state, key);
    if (stake) throw new CommandError(`Cannot de-register: ${request.name} ${stake}`);
    context.emit({ type: "user_deregistered", atMs: context.nowMs, name: request.name });
    return undefined;
  },
});

/**
 * What still ties user `key` to an auction: an open item it sells, an open auction it leads, or
 * an unfinished sale. Its name must stay taken until then, or a newcomer registering the freed
 * name would inherit the items, bids and sales.
 */
function stakeOf(state: Readonly<AuctionState>, key: string): string | undefined {
  for (const id of Object.values(state.openItems)) {
    const item = state.items[id];
    if (item?.seller === key) return `sells ${item.name}, whose auction is still open`;
    if (item?.highestBid?.bidder === key) return `leads the auction of ${item.name}`;
  }
  for (const sale of Object.values(state.sales)) {
    const party = sale.buyer === key || sale.seller === key;
    const sellerOwed = sale.seller === key && sale.status !== "cancelled" && !sale.sellerNotice;
    if ((sale.status === "pending" && party) || sellerOwed) {
      return `is a party of the sale of ${sale.itemName}, which is not finished`;
    }
  }
  return undefined;
}
