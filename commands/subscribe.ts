import { message } from "../protocol/mod.ts";
import { openSubscriptionsOf } from "../auction/indexes.ts";
import { announcement, timeLeftSeconds } from "../auction/time_left.ts";
import { requireOpenItem, requireOwnName, requireRole } from "./_auction.ts";
import { CommandError, defineCommand } from "./define.ts";

/** SUBSCRIBE RQ# Item_Name [Buyer_Name] */
export default defineCommand({
  name: "SUBSCRIBE",
  summary: "A buyer follows an open auction: SUBSCRIBED, then an AUCTION_ANNOUNCE",
  handle(request, context) {
    const { user, userKey } = requireRole(context, "buyer", "subscribe");
    requireOwnName(user, request.buyer);
    const item = requireOpenItem(context, request.item);
    if (!item.subscribers.includes(userKey)) {
      const { maxSubscriptionsPerUser } = context.config;
      if (
        maxSubscriptionsPerUser > 0 &&
        openSubscriptionsOf(context.state, userKey) >= maxSubscriptionsPerUser
      ) {
        throw new CommandError(
          `Too many subscriptions: at most ${maxSubscriptionsPerUser} open auctions per buyer`,
        );
      }
      context.emit({ type: "subscribed", atMs: context.nowMs, itemId: item.id, user: userKey });
    }
    // Right after SUBSCRIBED, with it: never behind other pushes waiting for the socket.
    context.followUp(announcement(item, timeLeftSeconds(item.endsAtMs, context.nowMs)));
    return message("SUBSCRIBED", request.rq, {});
  },
});
