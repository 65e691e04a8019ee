/**
 * The last messages of a sale: NON_OFFER to the seller of an auction without a bid; for a
 * settled sale Shipping_Info to the seller and PAID to the buyer, each with the RQ# fixed in
 * `sale_settled`. Each is recorded once sent (`seller_notified`, `buyer_notified`), and sent
 * again after a restart that cut it off.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { message } from "../../protocol/mod.ts";
import type { LineChannel } from "./line_channel.ts";
import {
  describe,
  type ExchangeContext,
  finishChannel,
  notifyParty,
  recordBuyerNotice,
  recordSellerNotice,
  send,
} from "./steps.ts";
import type { Sale } from "../../auction/state.ts";

const logger = getLogger(["auction", "sale"]);

/** Whether a sale still has something to send: pending, or a notice not yet done. */
export function needsWork(sale: Sale): boolean {
  if (sale.status === "pending") return true;
  if (sale.status === "no_offer") return !sale.sellerNotice;
  return needsShippingInfo(sale) || needsPaid(sale);
}

/** NON_OFFER to the seller of an auction that closed without a bid, and nothing more. */
export async function deliverNonOffer(context: ExchangeContext, sale: Sale): Promise<void> {
  const { itemId, seller, rqs, itemName } = sale;
  await notifyParty(
    context,
    { itemId, userKey: seller, role: "seller" },
    async (channel) => {
      await send(channel, message("NON_OFFER", rqs.seller, { item: itemName }));
      await recordSellerNotice(context, { itemId, delivered: true });
      await finishChannel(context, channel);
    },
    async (delivered) => {
      if (!context.core.state.sales[itemId]?.sellerNotice) {
        await recordSellerNotice(context, { itemId, delivered });
      }
    },
  );
}

/** Whether a settled sale's Shipping_Info is still to send. */
export function needsShippingInfo(sale: Sale): boolean {
  return sale.status === "settled" && sale.shipTo !== undefined && !sale.sellerNotice;
}

/** Whether a settled sale's PAID is still to send (sales settled before PAID existed: never). */
export function needsPaid(sale: Sale): boolean {
  return sale.status === "settled" && sale.paidRq !== undefined && !sale.buyerNotice;
}

/**
 * Sends what a restart cut off of a settled sale: Shipping_Info to the seller and PAID to the
 * buyer, each on a new connection, with the RQ#s fixed at settlement.
 */
export async function resumeNotices(context: ExchangeContext, itemId: number): Promise<void> {
  const current = () => context.core.state.sales[itemId];
  const sale = current();
  if (!sale || sale.status !== "settled") return;
  await Promise.all([
    needsShippingInfo(sale) &&
    notifyParty(
      context,
      { itemId, userKey: sale.seller, role: "seller" },
      (channel) => deliverShippingInfo(context, itemId, channel),
      async (delivered) => {
        if (!current()?.sellerNotice) await recordSellerNotice(context, { itemId, delivered });
      },
    ),
    needsPaid(sale) && sale.buyer !== undefined &&
    notifyParty(
      context,
      { itemId, userKey: sale.buyer, role: "buyer" },
      (channel) => deliverPaid(context, itemId, channel),
      async (delivered) => {
        if (!current()?.buyerNotice) await recordBuyerNotice(context, { itemId, delivered });
      },
    ),
  ]);
}

/**
 * Sends `PAID RQ# Item_Name Final_Price Card_Last4` of the settled sale on `buyer` (RQ# fixed
 * at settlement), records the notice, then closes the buyer's connection.
 */
export async function deliverPaid(
  context: ExchangeContext,
  itemId: number,
  buyer: LineChannel,
): Promise<void> {
  const settled = context.core.state.sales[itemId];
  if (settled?.paidRq === undefined) return finishChannel(context, buyer);
  let delivered = true;
  try {
    await send(
      buyer,
      message("PAID", settled.paidRq, {
        item: settled.itemName,
        finalPrice: settled.finalPriceCents,
        cardLast4: settled.buyerCardLast4 ?? "0000",
      }),
    );
    context.onStep?.("paid_sent", itemId);
  } catch (error) {
    delivered = false;
    logger.warn("PAID for item {item} not delivered: {reason}", {
      item: itemId,
      reason: describe(error),
    });
  }
  await recordBuyerNotice(context, { itemId, delivered });
  await finishChannel(context, buyer);
}

/**
 * Sends the Shipping_Info of the settled sale on `seller` (with the RQ# fixed at settlement),
 * records the notice, then gives the seller its grace.
 */
export async function deliverShippingInfo(
  context: ExchangeContext,
  itemId: number,
  seller: LineChannel,
): Promise<void> {
  const settled = context.core.state.sales[itemId];
  if (!settled?.shipTo) return finishChannel(context, seller);
  let delivered = true;
  try {
    await send(seller, message("Shipping_Info", settled.shippingRq ?? 0, settled.shipTo));
    context.onStep?.("shipping_sent", itemId);
  } catch (error) {
    delivered = false;
    logger.warn("Shipping_Info for item {item} not delivered: {reason}", {
      item: itemId,
      reason: describe(error),
    });
  }
  await recordSellerNotice(context, { itemId, delivered });
  await finishChannel(context, seller, { graceMs: context.sellerGraceMs, halfClose: false });
}
