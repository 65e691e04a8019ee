/**
 * Time, injected: the server reads a {@linkcode Clock}; tests advance a {@linkcode FakeClock}.
 * @module
 */

/** A handle returned by {@linkcode Clock.setTimer}. */
export type TimerHandle = ReturnType<typeof setTimeout> | number;

/** The source of time and timers for the scheduler, handlers and finalizer. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls `callback` once after `delayMs`. */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
  /** Cancels a timer; unknown handles are ignored. */
  clearTimer(handle: TimerHandle): void;
}

/** The real clock. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, delayMs) => setTimeout(callback, Math.max(0, delayMs)),
  clearTimer: (handle) => clearTimeout(handle as number),
};

/** A clock that moves only when told to; timers fire in due order during {@linkcode advance}. */
export class FakeClock implements Clock {
  #nowMs: number;
  #nextHandle = 1;
  #timers = new Map<TimerHandle, { dueMs: number; callback: () => void }>();

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs;
  }

  now(): number {
    return this.#nowMs;
  }

  setTimer(callback: () => void, delayMs: number): TimerHandle {
    const handle = this.#nextHandle++;
    this.#timers.set(handle, { dueMs: this.#nowMs + Math.max(0, delayMs), callback });
    return handle;
  }

  clearTimer(handle: TimerHandle): void {
    this.#timers.delete(handle);
  }

  /** Timers not yet fired. */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due, earliest first. */
  advance(ms: number): void {
    const targetMs = this.#nowMs + ms;
    while (true) {
      let next: [TimerHandle, { dueMs: number; callback: () => void }] | undefined;
      for (const entry of this.#timers) {
        if (entry[1].dueMs <= targetMs && (!next || entry[1].dueMs < next[1].dueMs)) next = entry;
      }
      if (!next) break;
      this.#timers.delete(next[0]);
      this.#nowMs = Math.max(this.#nowMs, next[1].dueMs);
      next[1].callback();
    }
    this.#nowMs = targetMs;
  }
}
