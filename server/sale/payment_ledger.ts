/**
 * The simulated gateway's own record of what it did, one JSON line per idempotency key: a
 * charge (amounts and last four digits only) or a decline. In a data folder it is the file
 * `payments.jsonl` (0600), appended and `fdatasync`ed before the gateway answers, so a charge
 * the gateway made survives a crash of the server and a repeated key is never charged again.
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

/** Records by key, in memory and (when opened on a file) on disk. */
export class PaymentLedger {
  readonly #records = new Map<string, LedgerRecord>();
  readonly #file: Deno.FsFile | null;
  #writing: Promise<void> = Promise.resolve();

  private constructor(file: Deno.FsFile | null, records: LedgerRecord[]) {
    this.#file = file;
    for (const record of records) this.#records.set(record.key, record);
  }

  /** A ledger that lives only as long as the process (tests, `--data-dir ""`). */
  static inMemory(): PaymentLedger {
    return new PaymentLedger(null, []);
  }

  /**
   * Opens (or creates, 0600) the ledger at `path`. An unterminated last line is a write a
   * crash cut before the gateway answered: it is dropped with a warning and the file truncated.
   * Any other line that does not read refuses to open, naming it.
   */
  static async open(path: string): Promise<PaymentLedger> {
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
    return new PaymentLedger(file, records);
  }

  /** The record of `key`, if the gateway ever decided it. */
  get(key: string): LedgerRecord | undefined {
    return this.#records.get(key);
  }

  /** Every record, in the order they were made. */
  records(): LedgerRecord[] {
    return [...this.#records.values()];
  }

  /** Adds a record; resolves once it is on disk (at once in memory). */
  append(record: LedgerRecord): Promise<void> {
    const file = this.#file;
    const write = async () => {
      if (file) {
        await writeAll(file, new TextEncoder().encode(`${JSON.stringify(record)}\n`));
        await file.syncData();
      }
      this.#records.set(record.key, record);
    };
    const done = this.#writing.then(write);
    this.#writing = done.catch(() => {});
    return done;
  }

  /** Waits for pending writes and closes the file. */
  async close(): Promise<void> {
    await this.#writing;
    this.#file?.close();
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
