/**
 * Time as a seam: the client's timers and clock, injected so retransmission and countdowns
 * are testable without sleeping.
 * @module
 */

/** Timers and a clock. */
export interface Timers {
  /** Milliseconds since the epoch. */
  nowMs(): number;
  /** Calls `callback` after `delayMs`; returns a handle for {@linkcode Timers.clear}. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  /** Cancels a timer; unknown handles are ignored. */
  clear(handle: unknown): void;
}

/** The real timers. */
export const systemTimers: Timers = {
  nowMs: () => Date.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as number),
};
