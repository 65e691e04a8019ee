/**
 * The archive of the data folder: closed items and finished sales that left the live state
 * after `--retention` (`server/retention.ts`), one JSON line each, appended to `archive.jsonl`
 * (0600) and `fdatasync`ed before the `items_archived` event that drops them is journaled. A
 * crash between the two archives them again at the next sweep: readers keep the last line of
 * each item id.
 * @module
 */

import { writeAll } from "./atomic_file.ts";
import { PRIVATE_FILE_MODE } from "./data_dir.ts";
import type { Item, Sale } from "../../auction/state.ts";

/** The archive's file name in the data folder. */
export const ARCHIVE_FILE = "archive.jsonl";

/** One archived auction: the item as it closed and its sale as it finished. */
export interface ArchiveRecord {
  /** When it left the live state. */
  archivedAtMs: number;
  /** The closed item. */
  item: Item;
  /** Its sale, if the state held one. */
  sale?: Sale;
}

/** Where {@linkcode Retention} puts auctions before they leave the live state. */
export interface AuctionArchive {
  /** Appends `records`; resolves once they are durable (at once in memory). */
  append(records: readonly ArchiveRecord[]): Promise<void>;
}

/** Where archived auctions go: a file in a data folder, or memory (tests, `--data-dir ""`). */
export class Archive implements AuctionArchive {
  readonly #path: string | null;
  /** What was appended, when in memory. */
  readonly records: ArchiveRecord[] = [];
  #writing: Promise<void> = Promise.resolve();

  private constructor(path: string | null) {
    this.#path = path;
  }

  /** An archive kept in memory only. */
  static inMemory(): Archive {
    return new Archive(null);
  }

  /** The archive file at `path` (created 0600 at the first append). */
  static atPath(path: string): Archive {
    return new Archive(path);
  }

  /** Appends `records`; resolves once they are on disk (at once in memory). */
  append(records: readonly ArchiveRecord[]): Promise<void> {
    const path = this.#path;
    const write = async () => {
      if (path === null) {
        this.records.push(...records);
        return;
      }
      const text = records.map((record) => `${JSON.stringify(record)}\n`).join("");
      const file = await Deno.open(path, { append: true, create: true, mode: PRIVATE_FILE_MODE });
      try {
        await Deno.chmod(path, PRIVATE_FILE_MODE);
        await writeAll(file, new TextEncoder().encode(text));
        await file.syncData();
      } finally {
        file.close();
      }
    };
    const done = this.#writing.then(write);
    this.#writing = done.catch(() => {});
    return done;
  }
}

/** Reads the archive file at `path`: every record, oldest first (none if there is no file). */
export async function readArchive(path: string): Promise<ArchiveRecord[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
  return text.split("\n").filter((line) => line !== "").map((line) => JSON.parse(line));
}
