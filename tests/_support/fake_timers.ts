/**
 * Fake timers for the client's {@linkcode Timers} seam: time moves only when a test calls
 * `advance(ms)`, which fires the timers that fall due, in order.
 * @module
 */

import type { Timers } from "../../client/timers.ts";

interface Entry {
  handle: number;
  atMs: number;
  callback: () => void;
}

/** Timers driven by the test. */
export class FakeTimers implements Timers {
  #nowMs: number;
  #next = 1;
  #entries: Entry[] = [];

  constructor(startMs = 1_700_000_000_000) {
    this.#nowMs = startMs;
  }

  nowMs(): number {
    return this.#nowMs;
  }

  setTimeout(callback: () => void, delayMs: number): number {
    const handle = this.#next++;
    this.#entries.push({ handle, atMs: this.#nowMs + delayMs, callback });
    return handle;
  }

  clear(handle: unknown): void {
    this.#entries = this.#entries.filter((entry) => entry.handle !== handle);
  }

  /** Timers still waiting. */
  get pendingCount(): number {
    return this.#entries.length;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way. */
  advance(ms: number): void {
    const endMs = this.#nowMs + ms;
    while (true) {
      const due = this.#entries
        .filter((entry) => entry.atMs <= endMs)
        .sort((a, b) => a.atMs - b.atMs)[0];
      if (!due) break;
      this.#entries = this.#entries.filter((entry) => entry !== due);
      this.#nowMs = due.atMs;
      due.callback();
    }
    this.#nowMs = endMs;
  }
}
