/**
 * One sale's exchange with its buyer and seller over TCP: WINNER and SOLD, INFORM_Req to both,
 * one INFORM_Res from each before the deadline, payment through the gateway, then
 * Shipping_Info to the seller, or CANCEL to both on whatever connections are up.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { cardLastFour, message } from "../protocol/mod.ts";
import { type InformAnswer, type InformFailure, type Party, readInform } from "./inform.ts";
import type { PaymentResult } from "./payment.ts";
import type { LineChannel } from "./line_channel.ts";
import { redactLine } from "./redact.ts";
import {
  connectToUser,
  describe,
  type ExchangeContext,
  finishChannel,
  recordSellerNotice,
  send,
  ShutdownError,
} from "./sale_steps.ts";
import type { Sale } from "./state.ts";

const logger = getLogger(["auction", "sale"]);

/** Runs the exchange of a pending sale to settled or cancelled. */
export async function runSaleExchange(context: ExchangeContext, itemId: number): Promise<void> {
  const { core } = context;
  const sale = core.state.sales[itemId];
  if (!sale || sale.status !== "pending" || sale.buyer === undefined) return;
  const open: LineChannel[] = [];
  try {
    const [buyer, seller] = await Promise.allSettled([
      connectToUser(context, sale.buyer),
      connectToUser(context, sale.seller),
    ]);
    if (buyer.status === "fulfilled") open.push(buyer.value);
    if (seller.status === "fulfilled") open.push(seller.value);
    if (buyer.status === "rejected" || seller.status === "rejected") {
      const failed = buyer.status === "rejected" ? buyer : seller as PromiseRejectedResult;
      if (failed.reason instanceof ShutdownError) throw failed.reason;
      const who = buyer.status === "rejected" ? "Buyer" : "Seller";
      return await cancel(context, sale, open, `${who} unreachable: ${describe(failed.reason)}`);
    }
    const result = await exchange(context, sale, buyer.value, seller.value);
    if (!result.ok) return await cancel(context, sale, open, result.reason);
  } catch (error) {
    for (const channel of open) channel.close();
    if (error instanceof ShutdownError) return;
    throw error;
  }
}

/** The part after both connections are up; resolves once the sale is settled, or a reason. */
async function exchange(
  context: ExchangeContext,
  sale: Sale,
  buyer: LineChannel,
  seller: LineChannel,
): Promise<{ ok: true } | InformFailure> {
  const { core } = context;
  const price = sale.finalPriceCents;
  try {
    await send(
      buyer,
      message("WINNER", sale.rqs.buyer, {
        item: sale.itemName,
        finalPrice: price,
        seller: sale.sellerName,
      }),
    );
    await send(
      seller,
      message("SOLD", sale.rqs.seller, {
        item: sale.itemName,
        finalPrice: price,
        buyer: sale.buyerName ?? sale.buyer ?? "",
      }),
    );
    await send(
      buyer,
      message("INFORM_Req", sale.rqs.buyerInform, {
        item: sale.itemName,
        finalPrice: price,
      }),
    );
    await send(
      seller,
      message("INFORM_Req", sale.rqs.sellerInform, {
        item: sale.itemName,
        finalPrice: price,
      }),
    );
  } catch (error) {
    return { ok: false, reason: `Connection lost while informing the parties: ${describe(error)}` };
  }
  const answers = await readBoth(context, buyer, seller);
  if (context.shutdown.aborted) throw new ShutdownError();
  if (!answers.ok) return answers;
  if (core.state.sales[sale.itemId]?.status !== "pending") {
    return { ok: false, reason: "Sale is no longer pending" };
  }
  let paid: PaymentResult;
  try {
    paid = await context.gateway.pay({
      idempotencyKey: `sale-${sale.itemId}`,
      amountCents: price,
      buyerCard: answers.buyer.card,
      sellerCard: answers.seller.card,
    });
  } catch (error) {
    return { ok: false, reason: `Payment failed: ${describe(error)}` };
  }
  if (paid.status === "declined") return { ok: false, reason: `Payment declined: ${paid.reason}` };
  await core.run((transaction) => {
    transaction.emit({
      type: "sale_settled",
      atMs: transaction.nowMs,
      itemId: sale.itemId,
      feeCents: paid.feeCents,
      payoutCents: paid.payoutCents,
      buyerCardLast4: cardLastFour(answers.buyer.card.number),
      sellerCardLast4: cardLastFour(answers.seller.card.number),
      shippingRq: transaction.nextServerRq(),
      shipTo: { name: answers.buyer.name, address: answers.buyer.address },
    });
  });
  logger.info("Sale of item {item} settled: {price} cents, fee {fee}, payout {payout}", {
    item: sale.itemId,
    price,
    fee: paid.feeCents,
    payout: paid.payoutCents,
    buyerCard: cardLastFour(answers.buyer.card.number),
    sellerCard: cardLastFour(answers.seller.card.number),
  });
  await Promise.all([
    deliverShippingInfo(context, sale.itemId, seller),
    finishChannel(context, buyer),
  ]);
  return { ok: true };
}

/**
 * Sends the Shipping_Info of settled sale `itemId` on `seller` (with the RQ# fixed at settlement),
 * records the notice, then gives the seller its grace.
 */
export async function deliverShippingInfo(
  context: ExchangeContext,
  itemId: number,
  seller: LineChannel,
): Promise<void> {
  const sale = context.core.state.sales[itemId];
  if (!sale?.shipTo) return finishChannel(context, seller);
  let delivered = true;
  try {
    await send(seller, message("Shipping_Info", sale.shippingRq ?? 0, sale.shipTo));
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

/** Both INFORM_Res, or the first failure (without waiting for the other party). */
async function readBoth(
  context: ExchangeContext,
  buyer: LineChannel,
  seller: LineChannel,
): Promise<{ ok: true; buyer: InformAnswer; seller: InformAnswer } | InformFailure> {
  const { core } = context;
  const timeoutSeconds = core.config.informTimeoutSeconds;
  const deadline = new AbortController();
  const timer = core.clock.setTimer(() => deadline.abort(), timeoutSeconds * 1000);
  const signal = AbortSignal.any([deadline.signal, context.shutdown]);
  const options = { signal, nowMs: () => core.clock.now(), timeoutSeconds };
  let firstFailure: InformFailure | undefined;
  const read = (channel: LineChannel, party: Party) =>
    readInform(channel, party, options).then((answer) => {
      if (!answer.ok) {
        firstFailure ??= answer;
        deadline.abort(); // Stop waiting for the other party.
      }
      return answer;
    });
  try {
    const [buyerAnswer, sellerAnswer] = await Promise.all([
      read(buyer, "buyer"),
      read(seller, "seller"),
    ]);
    if (firstFailure || !buyerAnswer.ok || !sellerAnswer.ok) {
      return firstFailure ?? { ok: false, reason: "No INFORM_Res" };
    }
    return { ok: true, buyer: buyerAnswer, seller: sellerAnswer };
  } finally {
    core.clock.clearTimer(timer);
  }
}

/** Records the cancellation, then sends CANCEL on every open connection and closes them. */
async function cancel(
  context: ExchangeContext,
  sale: Sale,
  open: LineChannel[],
  reason: string,
): Promise<void> {
  if (context.shutdown.aborted) throw new ShutdownError();
  const safeReason = redactLine(reason);
  const rqs = await context.core.run((transaction) => {
    transaction.emit({
      type: "sale_cancelled",
      atMs: transaction.nowMs,
      itemId: sale.itemId,
      reason: safeReason,
    });
    return open.map(() => transaction.nextServerRq());
  });
  logger.info("Sale of item {item} cancelled: {reason}", { item: sale.itemId, reason: safeReason });
  await Promise.all(open.map(async (channel, index) => {
    await send(channel, message("CANCEL", rqs[index]!, { reason: safeReason })).catch(() => {});
    await finishChannel(context, channel);
  }));
}
