/**
 * What the server keeps beside its log, wherever the store keeps the log: the simulated payment
 * gateway's ledger and the archive of closed auctions (in PostgreSQL tables for a PostgresStore,
 * in files of the data folder for a FileStore, in memory when nothing is kept on disk).
 * @module
 */

import { join } from "node:path";
import { Archive, ARCHIVE_FILE, type AuctionArchive } from "./store/archive.ts";
import {
  FileLedger,
  LEDGER_FILE,
  MemoryLedger,
  type PaymentLedger,
} from "./sale/payment_ledger.ts";
import { PostgresArchive } from "./pg/pg_archive.ts";
import { PostgresLedger } from "./pg/pg_ledger.ts";
import { PostgresStore } from "./pg/postgres_store.ts";
import type { Store } from "./store/store.ts";

/** The simulated gateway's ledger: beside the log, wherever the store keeps it. */
export function openLedger(store: Store, onDisk: string | null): Promise<PaymentLedger> {
  if (store instanceof PostgresStore) return PostgresLedger.open(store);
  if (onDisk === null) return Promise.resolve(new MemoryLedger());
  return FileLedger.open(join(onDisk, LEDGER_FILE));
}

/** The archive of closed auctions: beside the log, wherever the store keeps it. */
export function openArchive(store: Store, onDisk: string | null): AuctionArchive {
  if (store instanceof PostgresStore) return new PostgresArchive(store);
  return onDisk === null ? Archive.inMemory() : Archive.atPath(join(onDisk, ARCHIVE_FILE));
}
