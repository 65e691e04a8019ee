/**
 * One sale's exchange with its buyer and seller over TCP: WINNER and SOLD, INFORM_Req to both,
 * one INFORM_Res from each before the deadline, payment through the gateway, then
 * Shipping_Info to the seller, or CANCEL to both on whatever connections are up.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { cardLastFour, message } from "../protocol/mod.ts";
import { type BothAnswers, type InformFailure, readBothInforms } from "./inform.ts";
import type { PaymentResult } from "./payment.ts";
import type { LineChannel } from "./line_channel.ts";
import { OutOfDescriptorsError } from "./peer_connection.ts";
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

/** The closing exchange of one sale: one object per running sale, one method per step. */
export class SaleExchange {
  /** The sale as it stood when the exchange began (its RQ#s, parties and price are fixed). */
  readonly sale: Sale;
  readonly #context: ExchangeContext;

  constructor(context: ExchangeContext, sale: Sale) {
    this.#context = context;
    this.sale = sale;
  }

  /** Runs a pending sale to settled or cancelled; does nothing for any other sale. */
  async run(): Promise<void> {
    const { sale } = this;
    if (sale.status !== "pending" || sale.buyer === undefined) return;
    const open: LineChannel[] = [];
    try {
      const [buyer, seller] = await Promise.allSettled([
        connectToUser(this.#context, sale.buyer),
        connectToUser(this.#context, sale.seller),
      ]);
      if (buyer.status === "fulfilled") open.push(buyer.value);
      if (seller.status === "fulfilled") open.push(seller.value);
      if (buyer.status === "rejected" || seller.status === "rejected") {
        const failed = buyer.status === "rejected" ? buyer : seller as PromiseRejectedResult;
        if (failed.reason instanceof ShutdownError) throw failed.reason;
        // Out of file descriptors: the finalizer retries the sale later; nothing was sent.
        if (failed.reason instanceof OutOfDescriptorsError) throw failed.reason;
        const who = buyer.status === "rejected" ? "Buyer" : "Seller";
        return await this.#cancel(open, `${who} unreachable: ${describe(failed.reason)}`);
      }
      const result = await this.#exchange(buyer.value, seller.value);
      if (!result.ok) return await this.#cancel(open, result.reason);
    } catch (error) {
      for (const channel of open) channel.close();
      if (error instanceof ShutdownError) return;
      throw error;
    }
  }

  /**
   * Sends the Shipping_Info of the settled sale on `seller` (with the RQ# fixed at settlement),
   * records the notice, then gives the seller its grace.
   */
  async deliverShippingInfo(seller: LineChannel): Promise<void> {
    const { itemId } = this.sale;
    const settled = this.#context.core.state.sales[itemId];
    if (!settled?.shipTo) return finishChannel(this.#context, seller);
    let delivered = true;
    try {
      await send(seller, message("Shipping_Info", settled.shippingRq ?? 0, settled.shipTo));
    } catch (error) {
      delivered = false;
      logger.warn("Shipping_Info for item {item} not delivered: {reason}", {
        item: itemId,
        reason: describe(error),
      });
    }
    await recordSellerNotice(this.#context, { itemId, delivered });
    await finishChannel(this.#context, seller, {
      graceMs: this.#context.sellerGraceMs,
      halfClose: false,
    });
  }

  /** The part after both connections are up; resolves once the sale is settled, or a reason. */
  async #exchange(
    buyer: LineChannel,
    seller: LineChannel,
  ): Promise<{ ok: true } | InformFailure> {
    try {
      await this.#requestInform(buyer, seller);
    } catch (error) {
      return {
        ok: false,
        reason: `Connection lost while informing the parties: ${describe(error)}`,
      };
    }
    const { core, shutdown } = this.#context;
    const answers = await readBothInforms({ buyer, seller }, {
      clock: core.clock,
      timeoutSeconds: core.config.informTimeoutSeconds,
      shutdown,
    });
    if (shutdown.aborted) throw new ShutdownError();
    if (!answers.ok) return answers;
    if (core.state.sales[this.sale.itemId]?.status !== "pending") {
      return { ok: false, reason: "Sale is no longer pending" };
    }
    let paid: PaymentResult;
    try {
      paid = await this.#context.gateway.pay({
        idempotencyKey: `sale-${this.sale.itemId}`,
        amountCents: this.sale.finalPriceCents,
        buyerCard: answers.buyer.card,
        sellerCard: answers.seller.card,
      });
    } catch (error) {
      return { ok: false, reason: `Payment failed: ${describe(error)}` };
    }
    if (paid.status === "declined") {
      return { ok: false, reason: `Payment declined: ${paid.reason}` };
    }
    await this.#settle(answers, paid);
    await Promise.all([
      this.deliverShippingInfo(seller),
      finishChannel(this.#context, buyer),
    ]);
    return { ok: true };
  }

  /** WINNER to the buyer and SOLD to the seller, then INFORM_Req to both. */
  async #requestInform(buyer: LineChannel, seller: LineChannel): Promise<void> {
    const { sale } = this;
    const item = sale.itemName;
    const finalPrice = sale.finalPriceCents;
    await send(
      buyer,
      message("WINNER", sale.rqs.buyer, { item, finalPrice, seller: sale.sellerName }),
    );
    await send(
      seller,
      message("SOLD", sale.rqs.seller, {
        item,
        finalPrice,
        buyer: sale.buyerName ?? sale.buyer ?? "",
      }),
    );
    await send(buyer, message("INFORM_Req", sale.rqs.buyerInform, { item, finalPrice }));
    await send(seller, message("INFORM_Req", sale.rqs.sellerInform, { item, finalPrice }));
  }

  /** Makes `sale_settled` durable (last four digits only, Shipping_Info RQ#, ship-to). */
  async #settle(answers: BothAnswers, paid: { feeCents: number; payoutCents: number }) {
    const { itemId, finalPriceCents } = this.sale;
    const buyerCardLast4 = cardLastFour(answers.buyer.card.number);
    const sellerCardLast4 = cardLastFour(answers.seller.card.number);
    await this.#context.core.run((transaction) => {
      transaction.emit({
        type: "sale_settled",
        atMs: transaction.nowMs,
        itemId,
        feeCents: paid.feeCents,
        payoutCents: paid.payoutCents,
        buyerCardLast4,
        sellerCardLast4,
        shippingRq: transaction.nextServerRq(),
        shipTo: { name: answers.buyer.name, address: answers.buyer.address },
      });
    });
    logger.info("Sale of item {item} settled: {price} cents, fee {fee}, payout {payout}", {
      item: itemId,
      price: finalPriceCents,
      fee: paid.feeCents,
      payout: paid.payoutCents,
      buyerCard: buyerCardLast4,
      sellerCard: sellerCardLast4,
    });
  }

  /** Records the cancellation, then sends CANCEL on every open connection and closes them. */
  async #cancel(open: LineChannel[], reason: string): Promise<void> {
    if (this.#context.shutdown.aborted) throw new ShutdownError();
    const { itemId } = this.sale;
    const safeReason = redactLine(reason);
    const rqs = await this.#context.core.run((transaction) => {
      transaction.emit({
        type: "sale_cancelled",
        atMs: transaction.nowMs,
        itemId,
        reason: safeReason,
      });
      return open.map(() => transaction.nextServerRq());
    });
    logger.info("Sale of item {item} cancelled: {reason}", { item: itemId, reason: safeReason });
    await Promise.all(open.map(async (channel, index) => {
      await send(channel, message("CANCEL", rqs[index]!, { reason: safeReason })).catch(() => {});
      await finishChannel(this.#context, channel);
    }));
  }
}
