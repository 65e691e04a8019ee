/**
 * The finalizer: after each `auction_closed` is durable it starts that sale's exchange
 * (NON_OFFER to the seller without a bid; the payment exchange with one). At start it resumes
 * every sale a restart cut short. Exchanges run concurrently, one per item, off the UDP loop.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { message } from "../protocol/mod.ts";
import type { AuctionCore } from "./core.ts";
import type { PaymentGateway } from "./payment.ts";
import type { LineChannel } from "./line_channel.ts";
import type { Connector } from "./peer_connection.ts";
import { SaleExchange } from "./sale_exchange.ts";
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
import { traceSale, tracingEnabled } from "./tracing.ts";

const logger = getLogger(["auction", "sale"]);

/** Options of {@linkcode SaleFinalizer}. */
export interface SaleFinalizerOptions {
  /** Pays sales. */
  gateway: PaymentGateway;
  /** Opens connections to buyers and sellers. */
  connector: Connector;
  /** The seller's grace to close its connection after Shipping_Info. @default 10000 */
  sellerGraceMs?: number;
  /** How long a peer may take to close after the server's last line. @default 2000 */
  closeGraceMs?: number;
}

/** Starts, resumes and tracks the closing exchange of every sale. */
export class SaleFinalizer {
  readonly #core: AuctionCore;
  readonly #context: ExchangeContext;
  readonly #shutdown = new AbortController();
  readonly #running = new Map<number, Promise<void>>();
  #idle = Promise.withResolvers<void>();

  constructor(core: AuctionCore, options: SaleFinalizerOptions) {
    this.#core = core;
    this.#context = {
      core,
      gateway: options.gateway,
      connector: options.connector,
      sellerGraceMs: options.sellerGraceMs ?? 10_000,
      closeGraceMs: options.closeGraceMs ?? 2_000,
      shutdown: this.#shutdown.signal,
    };
    this.#idle.resolve();
  }

  /** Listens for closed auctions and resumes every unfinished sale. Call once. */
  start(): void {
    this.#core.onEvent((event) => {
      if (event.type !== "auction_closed") return;
      // The listener runs inside the transaction: begin once its events are on disk.
      Promise.resolve()
        .then(() => this.#core.store.flush())
        .then(() => this.#begin(event.itemId), () => {});
    });
    for (const sale of Object.values(this.#core.state.sales)) {
      if (needsWork(sale)) {
        logger.info("Resuming the sale of item {item} ({status})", {
          item: sale.itemId,
          status: sale.status,
        });
        this.#begin(sale.itemId);
      }
    }
  }

  /** Resolves when no exchange is running (for tests and shutdown). */
  idle(): Promise<void> {
    return this.#idle.promise;
  }

  /** How many exchanges are running. */
  get running(): number {
    return this.#running.size;
  }

  /** Stops every exchange; unfinished sales stay pending on disk and resume at the next start. */
  async close(): Promise<void> {
    this.#shutdown.abort();
    await Promise.allSettled([...this.#running.values()]);
  }

  #begin(itemId: number): void {
    if (this.#running.has(itemId) || this.#shutdown.signal.aborted) return;
    const sale = this.#core.state.sales[itemId];
    if (!sale || !needsWork(sale)) return;
    if (this.#running.size === 0) this.#idle = Promise.withResolvers<void>();
    const work = tracingEnabled
      ? traceSale({
        id: itemId,
        name: sale.itemName,
        status: () => this.#core.state.sales[itemId]?.status,
      }, () => this.#work(sale))
      : this.#work(sale);
    const task = work
      .catch((error) => {
        logger.error("Finalizing the sale of item {item} failed: {error}", {
          item: itemId,
          error,
        });
      })
      .finally(() => {
        this.#running.delete(itemId);
        if (this.#running.size === 0) this.#idle.resolve();
      });
    this.#running.set(itemId, task);
  }

  #work(sale: Sale): Promise<void> {
    if (sale.status === "pending") return new SaleExchange(this.#context, sale).run();
    if (sale.status === "no_offer") return this.#sendNonOffer(sale);
    return this.#resendShippingInfo(sale);
  }

  /** NON_OFFER to the seller, and nothing more. */
  async #sendNonOffer(sale: Sale): Promise<void> {
    await this.#notifySeller(sale, async (channel) => {
      await send(channel, message("NON_OFFER", sale.rqs.seller, { item: sale.itemName }));
      await recordSellerNotice(this.#context, { itemId: sale.itemId, delivered: true });
      await finishChannel(this.#context, channel);
    });
  }

  /** A settled sale whose Shipping_Info a restart cut off: send it again, same RQ#. */
  async #resendShippingInfo(sale: Sale): Promise<void> {
    const exchange = new SaleExchange(this.#context, sale);
    await this.#notifySeller(sale, (channel) => exchange.deliverShippingInfo(channel));
  }

  async #notifySeller(
    sale: Sale,
    deliver: (channel: LineChannel) => Promise<void>,
  ): Promise<void> {
    let channel;
    try {
      channel = await connectToUser(this.#context, sale.seller);
    } catch (error) {
      if (error instanceof ShutdownError) return;
      logger.warn("Seller of item {item} unreachable: {reason}", {
        item: sale.itemId,
        reason: describe(error),
      });
      return await recordSellerNotice(this.#context, { itemId: sale.itemId, delivered: false });
    }
    try {
      await deliver(channel);
    } catch (error) {
      channel.close();
      if (this.#shutdown.signal.aborted) return;
      logger.warn("Notice to the seller of item {item} failed: {reason}", {
        item: sale.itemId,
        reason: describe(error),
      });
      if (!this.#core.state.sales[sale.itemId]?.sellerNotice) {
        await recordSellerNotice(this.#context, { itemId: sale.itemId, delivered: false });
      }
    }
  }
}

/** Whether a sale still has something to send: pending, or a seller notice not yet done. */
export function needsWork(sale: Sale): boolean {
  if (sale.status === "pending") return true;
  if (sale.sellerNotice) return false;
  return sale.status === "no_offer" || (sale.status === "settled" && sale.shipTo !== undefined);
}
