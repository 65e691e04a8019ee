/**
 * A closed auction whose sale is finished, written straight into a server's core: seller sam,
 * item 1 Kite closed at `closedAtMs` with no bid and NON_OFFER sent. With a short
 * `--retention` the next sweep archives it.
 * @module
 */

import type { TransactionRunner } from "../../server/core.ts";

/** Journals the auction through `core`. */
export async function seedClosedAuction(
  core: TransactionRunner,
  closedAtMs: number,
): Promise<void> {
  await core.run((transaction) => {
    transaction.emit({
      type: "user_registered",
      atMs: closedAtMs,
      name: "sam",
      role: "seller",
      declaredIp: "127.0.0.1",
      udpPort: 6000,
      tcpPort: 6001,
      session: { hostname: "127.0.0.1", port: 6000 },
    });
    transaction.emit({
      type: "item_listed",
      atMs: closedAtMs - 60_000,
      id: 1,
      name: "Kite",
      description: "d",
      seller: "sam",
      startPriceCents: 100,
      durationMs: 60_000,
      endsAtMs: closedAtMs,
    });
    transaction.emit({
      type: "auction_closed",
      atMs: closedAtMs,
      itemId: 1,
      rqs: { buyer: 1, seller: 2, buyerInform: 3, sellerInform: 4 },
    });
    transaction.emit({ type: "seller_notified", atMs: closedAtMs, itemId: 1, delivered: false });
  });
}
