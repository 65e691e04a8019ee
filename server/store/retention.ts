/**
 * Retention: a closed item whose sale is finished (nothing left to send) leaves the live state
 * `--retention` seconds after it finished, so the state does not grow with every auction ever
 * held. The item and its sale are first appended to the archive file (synced), then dropped by an
 * `items_archived` event, so the state recovered from disk agrees with the live one; `inspect`
 * still counts them (`state.archived`).
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { ArchiveRecord, AuctionArchive } from "./archive.ts";
import type { TimerHandle } from "../clock.ts";
import type { CoreView, TransactionRunner } from "../core.ts";
import { needsWork } from "../sale/notices.ts";
import type { Sale } from "../../auction/state.ts";

const logger = getLogger(["auction", "retention"]);

/** Options of {@linkcode Retention}. */
export interface RetentionOptions {
  /** Where archived auctions go first. */
  archive: AuctionArchive;
  /** How often to look. @default 60000, or the retention when shorter */
  intervalMs?: number;
  /** Most auctions archived by one sweep (one transaction); the rest wait for the next. @default 10000 */
  maxPerSweep?: number;
}

/** When a finished sale last changed: its close, its end, or its last notice. */
export function saleFinishedAtMs(sale: Sale): number {
  return Math.max(
    sale.closedAtMs,
    sale.endedAtMs ?? 0,
    sale.sellerNotice?.atMs ?? 0,
    sale.buyerNotice?.atMs ?? 0,
  );
}

/** What retention needs of the core: the state, time and settings, and transactions. */
export type RetentionCore = CoreView & TransactionRunner;

/** The periodic sweep that archives old closed auctions. Off when the retention is 0. */
export class Retention {
  readonly #core: RetentionCore;
  readonly #archive: AuctionArchive;
  readonly #intervalMs: number;
  readonly #maxPerSweep: number;
  #timer: TimerHandle | undefined;
  #sweeping: Promise<number> = Promise.resolve(0);

  constructor(core: RetentionCore, options: RetentionOptions) {
    this.#core = core;
    this.#archive = options.archive;
    const retentionMs = core.config.retentionSeconds * 1000;
    this.#intervalMs = options.intervalMs ?? Math.max(1000, Math.min(60_000, retentionMs));
    this.#maxPerSweep = options.maxPerSweep ?? 10_000;
  }

  /** Starts sweeping every interval (a no-op when the retention is 0). */
  start(): void {
    if (!(this.#core.config.retentionSeconds > 0)) return;
    this.#timer = this.#core.clock.setTimer(() => {
      this.#timer = undefined;
      this.#sweeping = this.sweep().catch((error) => {
        logger.error("Archiving old auctions failed: {error}", { error });
        return 0;
      }).finally(() => this.start());
    }, this.#intervalMs);
  }

  /** Stops sweeping; resolves once a sweep under way is saved. */
  async stop(): Promise<void> {
    if (this.#timer !== undefined) this.#core.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    await this.#sweeping;
    if (this.#timer !== undefined) this.#core.clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  /** Archives every auction due now (up to the cap): archive file first, then the event. */
  async sweep(): Promise<number> {
    const retentionMs = this.#core.config.retentionSeconds * 1000;
    if (!(retentionMs > 0)) return 0;
    const state = this.#core.state;
    const nowMs = this.#core.clock.now();
    const records: ArchiveRecord[] = [];
    for (const sale of Object.values(state.sales)) {
      if (records.length >= this.#maxPerSweep) break;
      const item = state.items[sale.itemId];
      if (!item || item.status !== "closed" || needsWork(sale)) continue;
      if (saleFinishedAtMs(sale) + retentionMs > nowMs) continue;
      records.push({ archivedAtMs: nowMs, item, sale });
    }
    if (records.length === 0) return 0;
    await this.#archive.append(records);
    await this.#core.run((transaction) => {
      transaction.emit({
        type: "items_archived",
        atMs: transaction.nowMs,
        itemIds: records.map((record) => record.item.id),
      });
    });
    logger.info("Archived {count} closed auctions", { count: records.length });
    return records.length;
  }
}
