import { openItemNamed } from "../auction/indexes.ts";
import { requireOwnName, requireRole } from "./_auction.ts";
import { defineCommand } from "./define.ts";

/** DE-SUBSCRIBE RQ# Item_Name [Buyer_Name] */
export default defineCommand({
  name: "DE-SUBSCRIBE",
  summary: "A buyer stops following an auction; no reply, ignored when not subscribed",
  handle(request, context) {
    const { user, userKey } = requireRole(context, "buyer", "unsubscribe");
    requireOwnName(user, request.buyer);
    const item = openItemNamed(context.state, request.item);
    if (item?.subscribers.includes(userKey)) {
      context.emit({ type: "unsubscribed", atMs: context.nowMs, itemId: item.id, user: userKey });
    }
    return undefined;
  },
});
