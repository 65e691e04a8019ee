/**
 * The finalizer schedules sales: after each `auction_closed` is durable it puts that sale in
 * line, and each runs as one {@linkcode SaleExchange} (NON_OFFER without a bid, the payment
 * exchange with one, the notices again after a restart). At start it resumes
 * every sale a restart cut short. Exchanges run concurrently, one per item, off the UDP loop,
 * at most `--max-sales-in-flight` at once (see {@linkcode SaleQueue}); a sale whose connection
 * failed for want of file descriptors waits and tries again.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { CommittedListener, CoreView, TransactionRunner } from "../core.ts";
import type { PaymentGateway } from "./payment.ts";
import { type Connector, OutOfDescriptorsError } from "./peer_connection.ts";
import { SaleQueue } from "./queue.ts";
import type { TimerHandle } from "../clock.ts";
import { SaleExchange } from "./exchange.ts";
import { needsWork } from "./notices.ts";
import type { ExchangeContext, SaleStepHook } from "./steps.ts";
import type { Sale } from "../../auction/state.ts";
import { traceSale, tracingEnabled } from "../tracing.ts";

const logger = getLogger(["auction", "sale"]);
/** Wait before a sale that ran out of file descriptors goes back in line. */
const DESCRIPTOR_RETRY_MS = 1000;
/** After running out, fewer sales run at once (those still running) for this long. */
const DESCRIPTOR_THROTTLE_MS = 5000;

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

/** What the finalizer needs of the core (`AuctionCore` is one). */
export interface FinalizerCore extends CoreView, TransactionRunner {
  /** Hears each transaction's events once they are durable. */
  onCommitted(listener: CommittedListener): void;
}

/** Starts, resumes and tracks the closing exchange of every sale. */
export class SaleFinalizer {
  readonly #core: FinalizerCore;
  readonly #context: ExchangeContext;
  readonly #shutdown = new AbortController();
  readonly #running = new Map<number, Promise<void>>();
  readonly #queue: SaleQueue;
  /** Sales waiting to go back in line after running out of file descriptors. */
  readonly #retries = new Map<number, TimerHandle>();
  #unthrottle: TimerHandle | undefined;
  #idle = Promise.withResolvers<void>();
  #isIdle = true;

  constructor(core: FinalizerCore, options: SaleFinalizerOptions) {
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
    this.#queue = new SaleQueue({ maxInFlight: core.config.maxSalesInFlight });
    this.#idle.resolve();
  }

  /** Listens for closed auctions and resumes every unfinished sale. Call once. */
  start(): void {
    // A sale begins once its auction_closed is on disk (never for one whose append failed).
    this.#core.onCommitted(({ events }) => {
      for (const event of events) {
        if (event.type === "auction_closed") this.#begin(event.itemId);
      }
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

  /** How many sales wait for a slot (`--max-sales-in-flight`) or to try again. */
  get waiting(): number {
    return this.#queue.waiting + this.#retries.size;
  }

  /** Stops every exchange; unfinished sales stay pending on disk and resume at the next start. */
  async close(): Promise<void> {
    this.#shutdown.abort();
    for (const timer of this.#retries.values()) this.#core.clock.clearTimer(timer);
    this.#retries.clear();
    if (this.#unthrottle !== undefined) this.#core.clock.clearTimer(this.#unthrottle);
    await Promise.allSettled([...this.#running.values()]);
  }

  /** Puts a sale in line; it starts when a slot is free and its parties' turn comes. */
  #begin(itemId: number): void {
    if (this.#queue.has(itemId) || this.#shutdown.signal.aborted) return;
    if (this.#retries.has(itemId)) return;
    const sale = this.#core.state.sales[itemId];
    if (!sale || !needsWork(sale)) return;
    if (this.#isIdle) {
      this.#idle = Promise.withResolvers<void>();
      this.#isIdle = false;
    }
    this.#queue.enqueue(itemId, this.#partiesKey(sale));
    this.#startWaiting();
  }

  /** Starts waiting sales while slots are free. */
  #startWaiting(): void {
    for (let itemId = this.#queue.next(); itemId !== undefined; itemId = this.#queue.next()) {
      this.#launch(itemId);
    }
    if (this.#running.size === 0 && this.waiting === 0 && !this.#isIdle) {
      this.#isIdle = true;
      this.#idle.resolve();
    }
  }

  #launch(itemId: number): void {
    const sale = this.#core.state.sales[itemId];
    const work = sale && needsWork(sale) && !this.#shutdown.signal.aborted
      ? (tracingEnabled
        ? traceSale({
          id: itemId,
          name: sale.itemName,
          status: () => this.#core.state.sales[itemId]?.status,
        }, () => this.#work(sale))
        : this.#work(sale))
      : Promise.resolve();
    const task = work
      .catch((error) => {
        if (error instanceof OutOfDescriptorsError && !this.#shutdown.signal.aborted) {
          return this.#retryLater(itemId, error);
        }
        logger.error("Finalizing the sale of item {item} failed: {error}", {
          item: itemId,
          error,
        });
      })
      .finally(() => {
        this.#running.delete(itemId);
        this.#queue.done(itemId);
        this.#startWaiting();
      });
    this.#running.set(itemId, task);
  }

  /**
   * The sale could not connect for want of file descriptors: for a while no more sales run at
   * once than are running now, and this one goes back in line after a wait (round-robin, so
   * no one address's sales take every descriptor that frees up).
   */
  #retryLater(itemId: number, error: OutOfDescriptorsError): void {
    logger.warn("Sale of item {item} waits its turn again: {reason}", {
      item: itemId,
      reason: error.message,
    });
    this.#queue.throttle(this.#running.size - 1);
    if (this.#unthrottle !== undefined) this.#core.clock.clearTimer(this.#unthrottle);
    this.#unthrottle = this.#core.clock.setTimer(() => {
      this.#unthrottle = undefined;
      this.#queue.unthrottle();
      this.#startWaiting();
    }, DESCRIPTOR_THROTTLE_MS);
    this.#retries.set(
      itemId,
      this.#core.clock.setTimer(() => {
        this.#retries.delete(itemId);
        this.#begin(itemId);
      }, DESCRIPTOR_RETRY_MS),
    );
  }

  /** The round-robin key of a sale: the IP addresses of its seller and buyer. */
  #partiesKey(sale: Sale): string {
    const ipOf = (userKey: string | undefined) =>
      userKey === undefined ? "-" : this.#core.state.users[userKey]?.session?.hostname ?? "?";
    return `${ipOf(sale.seller)} ${ipOf(sale.buyer)}`;
  }

  #work(sale: Sale): Promise<void> {
    return new SaleExchange(this.#context, sale).run();
  }
}
