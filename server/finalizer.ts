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
import type { Connector } from "./peer_connection.ts";
import { SaleExchange } from "./sale_exchange.ts";
import { needsPaid, needsShippingInfo, resumeNotices } from "./sale_notices.ts";
import {
  type ExchangeContext,
  finishChannel,
  notifyParty,
  recordSellerNotice,
  type SaleStepHook,
  send,
} from "./sale_steps.ts";
import type { Sale } from "./state.ts";

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
  /** Called after each step of each sale (tests and the test-only crash hook). */
  onStep?: SaleStepHook;
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
      onStep: options.onStep,
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
    const task = this.#work(sale)
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
    // A settled sale whose Shipping_Info or PAID a restart cut off: send them again, same RQ#s.
    return resumeNotices(this.#context, sale.itemId);
  }

  /** NON_OFFER to the seller, and nothing more. */
  async #sendNonOffer(sale: Sale): Promise<void> {
    const { itemId } = sale;
    await notifyParty(
      this.#context,
      { itemId, userKey: sale.seller, role: "seller" },
      async (channel) => {
        await send(channel, message("NON_OFFER", sale.rqs.seller, { item: sale.itemName }));
        await recordSellerNotice(this.#context, { itemId, delivered: true });
        await finishChannel(this.#context, channel);
      },
      async (delivered) => {
        if (!this.#core.state.sales[itemId]?.sellerNotice) {
          await recordSellerNotice(this.#context, { itemId, delivered });
        }
      },
    );
  }
}

/** Whether a sale still has something to send: pending, or a notice not yet done. */
export function needsWork(sale: Sale): boolean {
  if (sale.status === "pending") return true;
  if (sale.status === "no_offer") return !sale.sellerNotice;
  return needsShippingInfo(sale) || needsPaid(sale);
}
