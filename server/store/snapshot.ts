/**
 * Snapshots: the whole state as human-readable JSON (`state.json`) with the journal position it
 * covers. The snapshot before it is kept as `state.previous.json`, with the journal between the
 * two, so that `inspect --verify` can replay one from the other.
 * @module
 */

import { createHash } from "node:crypto";
import { join } from "node:path";
import { getLogger } from "@logtape/logtape";
import { pruneReplies } from "../../auction/replies.ts";
import { writeAtomically } from "./atomic_file.ts";
import type { AuctionState } from "../../auction/state.ts";

/** Name of the newest snapshot. */
export const SNAPSHOT_FILE = "state.json";
/** Name of the snapshot before it. */
export const PREVIOUS_SNAPSHOT_FILE = "state.previous.json";
/** The value of a snapshot's `format` field. */
export const SNAPSHOT_FORMAT = "auction-snapshot";

/** A snapshot as stored. */
export interface Snapshot {
  /** Always {@linkcode SNAPSHOT_FORMAT}. */
  format: typeof SNAPSHOT_FORMAT;
  /** The journal records up to and including this sequence number are in `state`. */
  coversSeq: number;
  /** When it was taken; replies older than their lifetime at this time were left out. */
  takenAtMs: number;
  /**
   * `sha256:<hex>` of `JSON.stringify(state)`, checked at load: a snapshot changed after it was
   * written (damaged, or edited by hand) is refused. Absent in snapshots of older versions.
   */
  checksum?: string;
  /** The state. */
  state: AuctionState;
}

/** A snapshot whose checksum does not match its state: refuse to start, change nothing. */
export class SnapshotCorruptError extends SyntaxError {
  constructor(path: string, why: string) {
    super(
      `Cannot load snapshot ${path}: ${why}; refusing to start, nothing changed ` +
        "(restore the file from a backup, or move it away to recover from the previous snapshot " +
        "and the journal)",
    );
    this.name = "SnapshotCorruptError";
  }
}

/** The checksum of a state as a snapshot stores it. */
export function stateChecksum(state: AuctionState): string {
  return `sha256:${createHash("sha256").update(JSON.stringify(state)).digest("hex")}`;
}

/**
 * Serializes `state` as a snapshot covering `coversSeq`, without the cached replies expired at
 * `nowMs` (the live state is not changed).
 */
export function serializeSnapshot(state: AuctionState, coversSeq: number, nowMs: number): string {
  const view: AuctionState = { ...state, replies: { ...state.replies } };
  pruneReplies(view, nowMs);
  const snapshot: Snapshot = {
    format: SNAPSHOT_FORMAT,
    coversSeq,
    takenAtMs: nowMs,
    checksum: stateChecksum(view),
    state: view,
  };
  return JSON.stringify(snapshot, null, 1);
}

/** Options of {@linkcode readSnapshot}. */
export interface ReadSnapshotOptions {
  /** Refuse a snapshot whose checksum does not match (`inspect` reports it instead). @default true */
  verifyChecksum?: boolean;
}

/** Reads `dir/name`: the snapshot, or `null` if there is no such file. Throws if it is bad. */
export async function readSnapshot(
  dir: string,
  name: string,
  options: ReadSnapshotOptions = {},
): Promise<Snapshot | null> {
  const path = join(dir, name);
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  let parsed: Partial<Snapshot> & { version?: number };
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SyntaxError(`Cannot read snapshot ${path}: ${error}; refusing to start`);
  }
  if (parsed.format === SNAPSHOT_FORMAT && Number.isSafeInteger(parsed.coversSeq) && parsed.state) {
    if (parsed.checksum === undefined) {
      getLogger(["auction", "store"]).warn(
        "Snapshot {path} has no checksum (written by an older version); the next one will",
        { path },
      );
    } else if (
      (options.verifyChecksum ?? true) && parsed.checksum !== stateChecksum(parsed.state)
    ) {
      throw new SnapshotCorruptError(path, "its checksum does not match its contents");
    }
    return parsed as Snapshot;
  }
  if (parsed.version === 1 && "users" in parsed) {
    // A snapshot of the first store (the bare state, no journal): it covers nothing.
    return { format: SNAPSHOT_FORMAT, coversSeq: 0, takenAtMs: 0, state: parsed as AuctionState };
  }
  throw new SyntaxError(`Cannot read snapshot ${path}: not an auction snapshot; refusing to start`);
}

/**
 * Makes `text` the newest snapshot: the current one becomes the previous one, then the new one
 * is written atomically. A crash in between leaves the previous one, which recovery falls back
 * to (the journal after it is still there).
 */
export async function installSnapshot(dir: string, text: string): Promise<void> {
  try {
    await Deno.rename(join(dir, SNAPSHOT_FILE), join(dir, PREVIOUS_SNAPSHOT_FILE));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  await writeAtomically(dir, SNAPSHOT_FILE, text);
}
