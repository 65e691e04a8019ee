/**
 * The simulated gateway's own record of what it did, one record per idempotency key: a charge
 * (amounts and last four digits only) or a decline. In a data folder it is the file
 * `payments.jsonl` (0600), appended and `fdatasync`ed before the gateway answers; with
 * `--database-url` it is the `payment_ledger` table (`server/pg/pg_ledger.ts`). Either way a
 * charge the gateway made survives a crash of the server and a repeated key is never charged
 * again.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import { writeAll } from "../store/atomic_file.ts";
import { PRIVATE_FILE_MODE } from "../store/data_dir.ts";

const logger = getLogger(["auction", "payment"]);

/** The ledger's file name in the data folder. */
export const LEDGER_FILE = "payments.jsonl";

/** What the gateway decided for one idempotency key; card numbers reduced to last four. */
export type LedgerRecord =
  | {
    key: string;
    status: "settled";
    chargedCents: number;
    feeCents: number;
    payoutCents: number;
    buyerCardLast4: string;
    sellerCardLast4: string;
    atMs: number;
  }
  | { key: string; status: "declined"; reason: string; atMs: number };

/** A ledger file whose closed lines do not read: refuse rather than risk charging twice. */
export class LedgerCorruptError extends Error {
  constructor(path: string, line: number, why: string) {
    super(`Cannot read the payment ledger: ${path} line ${line}: ${why}; refusing to start`);
    this.name = "LedgerCorruptError";
  }
}

/**
 * Where the simulated gateway keeps its decisions. Every implementation runs the contract suite
 * of `tests/server/sale/_ledger_contract.ts`: {@linkcode MemoryLedger}, {@linkcode FileLedger}
 * and the PostgreSQL one (`server/pg/pg_ledger.ts`).
 */
export interface PaymentLedger {
  /** The record of `key`, if the gateway ever decided it (as far as this process knows). */
  get(key: string): LedgerRecord | undefined;
  /** Every record, in the order they were made. */
  records(): LedgerRecord[];
  /**
   * Keeps `record` unless its key has one already, and resolves with the record the ledger
   * holds for that key once it is durable: the first one, also when two calls race.
   */
  append(record: LedgerRecord): Promise<LedgerRecord>;
  /** Waits for pending writes and lets go of what it holds; a second call does nothing more. */
  close(): Promise<void>;
}

/** A ledger that lives only as long as the process (tests, `--data-dir ""`). */
export class MemoryLedger implements PaymentLedger {
  readonly #records = new Map<string, LedgerRecord>();
  #writing: Promise<unknown> = Promise.resolve();

  constructor(records: readonly LedgerRecord[] = []) {
    for (const record of records) this.#records.set(record.key, record);
  }

  get(key: string): LedgerRecord | undefined {
    return this.#records.get(key);
  }

  records(): LedgerRecord[] {
    return [...this.#records.values()];
  }

  append(record: LedgerRecord): Promise<LedgerRecord> {
    // One write at a time, so a second call with a key sees the first one's record.
    const done = this.#writing.then(async () => {
      const known = this.#records.get(record.key);
      if (known) return known;
      await this.persist(record);
      this.#records.set(record.key, record);
      return record;
    });
    this.#writing = done.catch(() => {});
    return done;
  }

  /** Makes `record` durable before it counts (nothing to do in memory). */
  protected persist(_record: LedgerRecord): Promise<void> {
    return Promise.resolve();
  }

  async close(): Promise<void> {
    await this.#writing;
  }
}

/** The ledger file of a data folder: one JSON line per record, synced before it counts. */
export class FileLedger extends MemoryLedger {
  readonly #file: Deno.FsFile;
  #closed = false;

  private constructor(file: Deno.FsFile, records: LedgerRecord[]) {
    super(records);
    this.#file = file;
  }

  /**
   * Opens (or creates, 0600) the ledger at `path`. An unterminated last line is a write a
   * crash cut before the gateway answered: it is dropped with a warning and the file truncated.
   * Any other line that does not read refuses to open, naming it.
   */
  static async open(path: string): Promise<FileLedger> {
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const lines = text.split("\n");
    const tail = lines.pop() ?? "";
    const records = lines.map((line, index) => parseRecord(line, path, index + 1));
    const file = await Deno.open(path, { read: true, write: true, create: true, mode: 0o600 });
    await Deno.chmod(path, PRIVATE_FILE_MODE);
    if (tail !== "") {
      logger.warn("Dropping an unfinished last line of {path} (line {line})", {
        path,
        line: lines.length + 1,
      });
      await file.truncate(new TextEncoder().encode(text).length - utf8Length(tail));
      await file.syncData();
    }
    await file.seek(0, Deno.SeekMode.End);
    return new FileLedger(file, records);
  }

  protected override async persist(record: LedgerRecord): Promise<void> {
    await writeAll(this.#file, new TextEncoder().encode(`${JSON.stringify(record)}\n`));
    await this.#file.syncData();
  }

  /** Waits for pending writes and closes the file (once). */
  override async close(): Promise<void> {
    await super.close();
    if (this.#closed) return;
    this.#closed = true;
    this.#file.close();
  }
}

function parseRecord(line: string, path: string, lineNumber: number): LedgerRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new LedgerCorruptError(path, lineNumber, "not JSON");
  }
  const record = value as Partial<LedgerRecord> | null;
  const valid = typeof record === "object" && record !== null && typeof record.key === "string" &&
    (record.status === "settled" || record.status === "declined");
  if (!valid) throw new LedgerCorruptError(path, lineNumber, "not a payment record");
  return record as LedgerRecord;
}

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
