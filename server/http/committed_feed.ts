/**
 * A {@linkcode CommittedSource} whose batches come from whoever holds the state now: on a node of
 * several (docs/scale-out.md), the log follower while the node follows, then the core once it
 * takes over as the writer. The board and the metrics subscribe once and never notice the switch.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { AuctionState } from "../../auction/state.ts";
import type { CommittedBatch, CommittedListener } from "../core.ts";
import type { CommittedSource } from "./board.ts";

const logger = getLogger(["auction", "http"]);

/** Committed batches relayed in sequence order, from one producer after another. */
export class CommittedFeed implements CommittedSource {
  #state: Readonly<AuctionState>;
  #committedSeq: number;
  #listeners: CommittedListener[] = [];
  readonly #resetListeners: (() => void)[] = [];

  /** A feed whose `state` matches event `committedSeq`. */
  constructor(state: Readonly<AuctionState>, committedSeq: number) {
    this.#state = state;
    this.#committedSeq = committedSeq;
  }

  /** The state the feed started from (or was last reset to), matching it before any batch. */
  get state(): Readonly<AuctionState> {
    return this.#state;
  }

  /** Sequence number of the last event relayed. */
  get committedSeq(): number {
    return this.#committedSeq;
  }

  /** Registers a listener for the batches relayed from now on (until a reset). */
  onCommitted(listener: CommittedListener): void {
    this.#listeners.push(listener);
  }

  /** Registers a listener called after a reset (it subscribes again: see {@linkcode reset}). */
  onReset(listener: () => void): void {
    this.#resetListeners.push(listener);
  }

  /**
   * Relays `batch` to every listener. A batch at or before {@linkcode committedSeq} was relayed
   * already (two producers overlapping at the switch) and is skipped.
   */
  readonly publish = (batch: CommittedBatch): void => {
    if (batch.firstSeq + batch.events.length - 1 <= this.#committedSeq) return;
    if (batch.firstSeq !== this.#committedSeq + 1) {
      logger.error("The board's feed skips from event {from} to {to}", {
        from: this.#committedSeq,
        to: batch.firstSeq,
      });
    }
    this.#committedSeq = batch.firstSeq + batch.events.length - 1;
    for (const listener of this.#listeners) {
      try {
        listener(batch);
      } catch (error) {
        logger.error("A committed-events listener failed: {error}", { error });
      }
    }
  };

  /**
   * Starts again from `state` at event `committedSeq`, when the batches in between cannot be
   * relayed (they were folded into a snapshot): every listener is dropped, since what it built
   * misses them, and the reset listeners subscribe anew.
   */
  reset(state: Readonly<AuctionState>, committedSeq: number): void {
    this.#state = state;
    this.#committedSeq = committedSeq;
    this.#listeners = [];
    for (const listener of this.#resetListeners) listener();
  }
}
