/**
 * The close of an auction at its end time, run by the scheduler.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { formatPrice } from "../protocol/mod.ts";
import type { Transaction } from "./core.ts";
import type { Item } from "../auction/state.ts";
import { pushAnnounce } from "../auction/time_left.ts";

const logger = getLogger(["auction", "scheduler"]);

/**
 * Closes the auction of `item`: a last AUCTION_ANNOUNCE with Time_Left 0 to its subscribers,
 * then `auction_closed` with the server RQ#s of the closing messages. The finalizer listens for
 * that event and reads `state.sales`.
 */
export function closeAuction(item: Item, transaction: Transaction): void {
  pushAnnounce(item, transaction, { timeLeftSeconds: 0 });
  transaction.emit({
    type: "auction_closed",
    atMs: transaction.nowMs,
    itemId: item.id,
    rqs: {
      buyer: transaction.nextServerRq(),
      seller: transaction.nextServerRq(),
      buyerInform: transaction.nextServerRq(),
      sellerInform: transaction.nextServerRq(),
    },
  });
  const sale = transaction.state.sales[item.id];
  if (sale?.buyerName !== undefined) {
    logger.info("Auction of {item} closed: {buyer} wins at {price}", {
      item: item.name,
      buyer: sale.buyerName,
      price: formatPrice(sale.finalPriceCents),
      seller: sale.sellerName,
    });
  } else {
    logger.info("Auction of {item} closed with no bid", {
      item: item.name,
      seller: item.sellerName,
    });
  }
}
