import { getLogger } from "@logtape/logtape";
import { formatPrice, type MessageOf } from "../protocol/mod.ts";
import { followersOf, timeLeftSeconds } from "../auction/time_left.ts";
import { requireOpenItem, requireRole } from "./_auction.ts";
import { CommandError, defineCommand } from "./define.ts";
import { logLevelOn } from "./_log.ts";

const LOG_CATEGORY = ["auction", "bid"];
const logger = getLogger(LOG_CATEGORY);

/** BID RQ# Item_Name Bid_Amount */
export default defineCommand({
  name: "BID",
  summary: "A buyer bids above the current price; BID_UPDATE goes to subscribers and the seller",
  handle(request, context) {
    const { user, userKey } = requireRole(context, "buyer", "bid");
    const item = requireOpenItem(context, request.item);
    const { minIncrementCents, softCloseSeconds } = context.config;
    const minimumCents = item.currentPriceCents + minIncrementCents;
    if (request.amount < minimumCents) {
      const current = `Bid too low: current price is ${formatPrice(item.currentPriceCents)}`;
      throw new CommandError(
        minIncrementCents > 1
          ? `${current}, the lowest bid is ${formatPrice(minimumCents)}`
          : current,
      );
    }
    // Soft close: a bid in the last softCloseSeconds pushes the end to now + softCloseSeconds.
    const endsAtMs = softCloseSeconds > 0
      ? Math.max(item.endsAtMs, context.nowMs + softCloseSeconds * 1000)
      : item.endsAtMs;
    context.emit({
      type: "bid_placed",
      atMs: context.nowMs,
      itemId: item.id,
      bidder: userKey,
      amountCents: request.amount,
      endsAtMs,
    });
    // Logged (and its record built) only when the level is on: this is the hot path.
    if (logLevelOn(LOG_CATEGORY, "info")) {
      logger.info("Accepted bid of {price} from {bidder} on {item}", () => ({
        price: formatPrice(request.amount),
        bidder: user.name,
        item: item.name,
        endsAtMs,
      }));
    }
    const timeLeft = timeLeftSeconds(endsAtMs, context.nowMs);
    for (const follower of followersOf(item)) {
      // Literals rather than `message()`, whose spread copies each one: this runs per bid.
      context.push(follower, (rq): MessageOf<"BID_UPDATE"> => ({
        type: "BID_UPDATE",
        rq,
        item: item.name,
        highestBid: request.amount,
        bidder: user.name,
        timeLeft,
      }));
    }
    return { type: "BID_ACCEPTED", rq: request.rq } satisfies MessageOf<"BID_ACCEPTED">;
  },
});
