/**
 * The persistence contract: where events go to become durable, and where state comes from at
 * start. Implementations: {@linkcode MemoryStore} here, the on-disk store in `file_store.ts`.
 * @module
 */

import type { AuctionEvent } from "../../auction/events.ts";
import { applyEvent } from "../../auction/apply.ts";
import { type AuctionState, emptyState } from "../../auction/state.ts";

/** Where events become durable. */
export interface Store {
  /** Loads the state as last saved (an empty state for a new store). */
  load(): Promise<AuctionState>;
  /**
   * Takes events already applied to `state` (the object `load` returned, kept live by the
   * caller). Resolves once they are durable; rejects if they cannot be (the server then stops).
   */
  append(events: readonly AuctionEvent[]): Promise<void>;
  /** Resolves once everything appended so far is durable. */
  flush(): Promise<void>;
  /**
   * Sequence number of the last event appended (durable or not; 0 for none). Each appended
   * event takes the next number, synchronously in `append`, and numbers survive a reopen.
   */
  readonly lastSeq: number;
  /** Flushes and releases files. */
  close(): Promise<void>;
}

/** A store that keeps events in memory: for tests, and for `--data-dir` none. */
export class MemoryStore implements Store {
  /** Every event appended, in order. */
  readonly events: AuctionEvent[] = [];
  #initial: AuctionEvent[];

  constructor(initialEvents: AuctionEvent[] = []) {
    this.#initial = initialEvents;
  }

  load(): Promise<AuctionState> {
    const state = emptyState();
    for (const event of this.#initial) applyEvent(state, event);
    this.events.push(...this.#initial);
    return Promise.resolve(state);
  }

  append(events: readonly AuctionEvent[]): Promise<void> {
    this.events.push(...events);
    return Promise.resolve();
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  get lastSeq(): number {
    return this.events.length;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
