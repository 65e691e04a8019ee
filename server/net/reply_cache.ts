/**
 * Exactly-once replies: a repeated request (same source, RQ# and bytes, a trailing `key=` field
 * left out) gets the reply it got the first time and is not done again. Replies to
 * state-changing requests live in the state (journaled with their event, so they survive a
 * restart); refusals live in memory. The lifetime and limits are `auction/replies.ts`'s.
 * @module
 */

import { withoutSessionKey } from "../../protocol/mod.ts";
import { keepReply, replyFor } from "../../auction/replies.ts";
import type { AuctionState, CachedReply } from "../../auction/state.ts";
import { hex32 } from "../hex32.ts";

/** Most addresses whose refusals are remembered in memory. */
const MAX_MEMORY_SOURCES = 10_000;
const UTF8 = new TextEncoder();

/** Looks up and remembers replies. */
export class ReplyCache {
  readonly #state: AuctionState;
  readonly #refusals = new Map<string, CachedReply[]>();

  constructor(state: AuctionState) {
    this.#state = state;
  }

  /**
   * The earlier reply to this exact request, if it is still remembered and was for the user whose
   * session the address is now (a REGISTER or LOGIN may have bound it to another since).
   */
  lookup(source: string, rq: number, digest: string, nowMs: number): CachedReply | undefined {
    // A source on the TCP port ("tcp ...") is nobody's session: null.
    const boundTo = this.#state.sessions[source] ?? null;
    return replyFor(this.#state.replies[source], rq, digest, nowMs, boundTo) ??
      replyFor(this.#refusals.get(source), rq, digest, nowMs, boundTo);
  }

  /** Remembers a reply that changed nothing (it is not journaled). */
  rememberRefusal(source: string, entry: CachedReply): void {
    let entries = this.#refusals.get(source);
    if (!entries) {
      if (this.#refusals.size >= MAX_MEMORY_SOURCES) {
        const oldest = this.#refusals.keys().next().value;
        if (oldest !== undefined) this.#refusals.delete(oldest);
      }
      entries = [];
      this.#refusals.set(source, entries);
    }
    keepReply(entries, entry);
  }

  /** Forgets a refusal kept in memory (its reply was dropped: a repeat is evaluated again). */
  forgetRefusal(source: string, rq: number, digest: string): void {
    const entries = this.#refusals.get(source);
    if (!entries) return;
    const kept = entries.filter((entry) => entry.rq !== rq || entry.requestDigest !== digest);
    if (kept.length > 0) this.#refusals.set(source, kept);
    else this.#refusals.delete(source);
  }
}

/**
 * The digest a repeat is recognised by: the request line without its trailing `key=` field
 * (PROTOCOL.md, "Reliability"), so a client that moved to a new key resends the same request.
 */
export function repeatDigest(line: string): string {
  const bare = withoutSessionKey(line);
  let low = FNV_LOW_START;
  let high = FNV_HIGH_START;
  for (let index = 0; index < bare.length; index++) {
    const code = bare.charCodeAt(index);
    // An ASCII line's char codes are its UTF-8 bytes: hashed as they are, with no encoding.
    if (code >= 0x80) return requestDigest(UTF8.encode(bare));
    low = Math.imul(low ^ code, 0x01000193) >>> 0;
    high = Math.imul(high ^ code, 0x01000193) >>> 0;
    high = (high ^ (low >>> 7)) >>> 0;
  }
  return digestHex(high, low);
}

const FNV_LOW_START = 0x811c9dc5;
const FNV_HIGH_START = 0x050c5d1f;

/** A 64-bit digest of a request's bytes (two FNV-1a hashes), as 16 hex digits. */
export function requestDigest(bytes: Uint8Array): string {
  let low = FNV_LOW_START;
  let high = FNV_HIGH_START;
  for (let index = 0; index < bytes.length; index++) {
    const byte = bytes[index]!;
    low = Math.imul(low ^ byte, 0x01000193) >>> 0;
    high = Math.imul(high ^ byte, 0x01000193) >>> 0;
    high = (high ^ (low >>> 7)) >>> 0;
  }
  return digestHex(high, low);
}

function digestHex(high: number, low: number): string {
  return hex32(high) + hex32(low);
}
