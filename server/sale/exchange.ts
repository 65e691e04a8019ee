/**
 * One sale's work at the close of its auction, in one object: NON_OFFER to the seller when no one
 * bid; otherwise the exchange with its buyer and seller over TCP: WINNER and SOLD, INFORM_Req to both,
 * one INFORM_Res from each before the deadline, the payment intent made durable, payment
 * through the gateway, then Shipping_Info to the seller and PAID to the buyer, or CANCEL to
 * both on whatever connections are up. A sale whose payment was started before a crash is
 * settled from the gateway's own record of that key, never paid again; a settled sale whose
 * notices a restart cut off sends them again. The finalizer only schedules these.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { cardLastFour, message, redactSecrets } from "../../protocol/mod.ts";
import { type BothAnswers, type InformFailure, readBothInforms } from "./inform.ts";
import type { PaymentRequest, PaymentResult } from "./payment.ts";
import type { LineChannel } from "./line_channel.ts";
import { OutOfDescriptorsError, PeerUnreachableError } from "./peer_connection.ts";
import {
  connectToUser,
  describe,
  type ExchangeContext,
  finishChannel,
  send,
  ShutdownError,
} from "./steps.ts";
import { deliverNonOffer, deliverPaid, deliverShippingInfo, resumeNotices } from "./notices.ts";
import type { Sale } from "../../auction/state.ts";

const logger = getLogger(["auction", "sale"]);

/** The closing work of one sale: one object per running sale, one method per step. */
export class SaleExchange {
  /** The sale as it stood when the exchange began (its RQ#s, parties and price are fixed). */
  readonly sale: Sale;
  readonly #context: ExchangeContext;

  constructor(context: ExchangeContext, sale: Sale) {
    this.#context = context;
    this.sale = sale;
  }

  /**
   * Does what the sale still needs: NON_OFFER without a bid, the exchange of a pending sale to
   * settled or cancelled, or the notices of a settled sale again (same RQ#s).
   */
  run(): Promise<void> {
    if (this.sale.status === "no_offer") return deliverNonOffer(this.#context, this.sale);
    if (this.sale.status !== "pending") return resumeNotices(this.#context, this.sale.itemId);
    return this.#runPending();
  }

  async #runPending(): Promise<void> {
    const { sale } = this;
    if (sale.buyer === undefined) return;
    if (sale.payment && await this.#settleFromGateway(sale.payment.idempotencyKey)) return;
    const open: LineChannel[] = [];
    try {
      const [buyer, seller] = await Promise.allSettled([
        connectToUser(this.#context, sale.buyer),
        connectToUser(this.#context, sale.seller),
      ]);
      if (buyer.status === "fulfilled") open.push(buyer.value);
      if (seller.status === "fulfilled") open.push(seller.value);
      this.#step("connected");
      if (buyer.status === "rejected" || seller.status === "rejected") {
        const failed = buyer.status === "rejected" ? buyer : seller as PromiseRejectedResult;
        if (failed.reason instanceof ShutdownError) throw failed.reason;
        // Out of file descriptors: the finalizer retries the sale later; nothing was sent.
        if (failed.reason instanceof OutOfDescriptorsError) throw failed.reason;
        const who = buyer.status === "rejected" ? "Buyer" : "Seller";
        // The address, the port and the system's error are for the log, never for the other party.
        logger.warn("The {role} of item {item} is unreachable: {reason}", {
          role: who.toLowerCase(),
          item: sale.itemId,
          reason: describe(failed.reason),
        });
        const why = failed.reason instanceof PeerUnreachableError
          ? failed.reason.publicReason
          : "could not connect";
        return await this.#cancel(open, `${who} unreachable: ${why}`);
      }
      const result = await this.#exchange(buyer.value, seller.value);
      if (!result.ok) return await this.#cancel(open, result.reason);
    } catch (error) {
      for (const channel of open) channel.close();
      if (error instanceof ShutdownError) return;
      throw error;
    }
  }

  /** The part after both connections are up; resolves once the sale is settled, or a reason. */
  async #exchange(
    buyer: LineChannel,
    seller: LineChannel,
  ): Promise<{ ok: true } | InformFailure> {
    try {
      await this.#requestInform(buyer, seller);
      this.#step("inform_requested");
    } catch (error) {
      logger.warn("Connection lost while informing the parties of item {item}: {reason}", {
        item: this.sale.itemId,
        reason: describe(error),
      });
      return { ok: false, reason: "Connection lost while informing the parties" };
    }
    const { core, shutdown } = this.#context;
    const answers = await readBothInforms({ buyer, seller }, {
      clock: core.clock,
      timeoutSeconds: core.config.informTimeoutSeconds,
      shutdown,
    });
    if (shutdown.aborted) throw new ShutdownError();
    if (!answers.ok) return answers;
    this.#step("informs_read");
    if (core.state.sales[this.sale.itemId]?.status !== "pending") {
      return { ok: false, reason: "Sale is no longer pending" };
    }
    const paid = await this.#pay(answers);
    if (paid.status !== "settled") return { ok: false, reason: paid.reason };
    await this.#settle(paid);
    const { itemId } = this.sale;
    await Promise.all([
      deliverShippingInfo(this.#context, itemId, seller),
      deliverPaid(this.#context, itemId, buyer),
    ]);
    return { ok: true };
  }

  /**
   * Makes the intent durable (`payment_started`: key, last four digits, ship-to), then asks the
   * gateway. When the gateway cannot be reached the outcome is unknown, so it is looked up by
   * key before the sale is cancelled.
   */
  async #pay(
    answers: BothAnswers,
  ): Promise<PaymentResult | { status: "failed"; reason: string }> {
    const { itemId, finalPriceCents } = this.sale;
    const idempotencyKey = `sale-${itemId}`;
    await this.#context.core.run((transaction) => {
      transaction.emit({
        type: "payment_started",
        atMs: transaction.nowMs,
        itemId,
        idempotencyKey,
        buyerCardLast4: cardLastFour(answers.buyer.card.number),
        sellerCardLast4: cardLastFour(answers.seller.card.number),
        shipTo: { name: answers.buyer.name, address: answers.buyer.address },
      });
    });
    this.#step("payment_started");
    const request: PaymentRequest = {
      idempotencyKey,
      amountCents: finalPriceCents,
      buyerCard: answers.buyer.card,
      sellerCard: answers.seller.card,
    };
    let paid: PaymentResult;
    try {
      paid = await this.#context.gateway.pay(request);
    } catch (error) {
      const known = await this.#context.gateway.lookup(idempotencyKey).catch(() => undefined);
      if (!known) {
        logger.warn("The payment of item {item} failed: {reason}", {
          item: itemId,
          reason: describe(error),
        });
        return {
          status: "failed",
          reason: "Payment failed: the payment service could not be reached",
        };
      }
      paid = known;
    }
    this.#step("charged");
    return paid.status === "declined"
      ? { status: "declined", reason: `Payment declined: ${paid.reason}` }
      : paid;
  }

  /**
   * After a restart, a pending sale whose payment was started: asks the gateway what it did
   * with the key. Charged: settle from the recorded intent and send the notices. Declined:
   * cancel. Unknown to the gateway (the crash came before the charge): `false`, run it again.
   */
  async #settleFromGateway(idempotencyKey: string): Promise<boolean> {
    const known = await this.#context.gateway.lookup(idempotencyKey);
    if (!known) return false;
    logger.info("The payment of item {item} was {status} before a restart", {
      item: this.sale.itemId,
      status: known.status,
    });
    if (known.status === "settled") {
      await this.#settle(known);
      await resumeNotices(this.#context, this.sale.itemId);
      return true;
    }
    const open: LineChannel[] = [];
    const parties = [this.sale.buyer!, this.sale.seller];
    const connected = await Promise.allSettled(
      parties.map((user) => connectToUser(this.#context, user)),
    );
    for (const result of connected) if (result.status === "fulfilled") open.push(result.value);
    try {
      await this.#cancel(open, `Payment declined: ${known.reason}`);
    } catch (error) {
      for (const channel of open) channel.close();
      if (!(error instanceof ShutdownError)) throw error;
    }
    return true;
  }

  #step(step: Parameters<NonNullable<ExchangeContext["onStep"]>>[0]): void {
    this.#context.onStep?.(step, this.sale.itemId);
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

  /**
   * Makes `sale_settled` durable (last four digits and ship-to from the `payment_started`
   * intent, the Shipping_Info and PAID RQ#s).
   */
  async #settle(paid: { feeCents: number; payoutCents: number }) {
    const { itemId, finalPriceCents } = this.sale;
    const intent = this.#context.core.state.sales[itemId]?.payment;
    const buyerCardLast4 = intent?.buyerCardLast4 ?? "0000";
    const sellerCardLast4 = intent?.sellerCardLast4 ?? "0000";
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
        ...(intent?.shipTo ? { shipTo: { ...intent.shipTo } } : {}),
        paidRq: transaction.nextServerRq(),
      });
    });
    this.#step("settled");
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
    const safeReason = redactSecrets(reason);
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
