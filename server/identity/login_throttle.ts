/**
 * LOGIN failures throttled per (name, IP): after a few failures a name is refused from that IP
 * without a password check, for a time that doubles with each further failure. Unknown names
 * are counted exactly like known ones, so the throttle tells nobody which names exist, and one
 * address cannot lock a user out of the others.
 * @module
 */

/** Options of {@linkcode LoginThrottle}. */
export interface LoginThrottleOptions {
  /** Failures allowed before the throttle starts. @default 5 */
  freeFailures?: number;
  /** The first wait after the free failures, doubled with each further failure. @default 30000 */
  baseDelayMs?: number;
  /** The longest wait. @default 900000 (15 minutes) */
  maxDelayMs?: number;
  /** (name, IP) pairs remembered at most; the least recently failed is forgotten. @default 100000 */
  maxEntries?: number;
}

/** Who is trying: the name asked for, and the IP the LOGIN came from. */
export interface LoginAttempt {
  /** The user name (any case). */
  name: string;
  /** The sender's IP address. */
  ip: string;
}

interface Failures {
  count: number;
  lastAtMs: number;
}

/** Counts LOGIN failures per (name, IP) and says when the next attempt may be checked. */
export class LoginThrottle {
  readonly #freeFailures: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #maxEntries: number;
  readonly #failures = new Map<string, Failures>();

  constructor(options: LoginThrottleOptions = {}) {
    this.#freeFailures = options.freeFailures ?? 5;
    this.#baseDelayMs = options.baseDelayMs ?? 30_000;
    this.#maxDelayMs = options.maxDelayMs ?? 900_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
  }

  /** Milliseconds until `attempt.name` may be tried again from `attempt.ip` (0 = now). */
  waitMs(attempt: LoginAttempt, nowMs: number): number {
    const entry = this.#failures.get(pairKey(attempt));
    if (!entry) return 0;
    const excess = entry.count - this.#freeFailures;
    const delayMs = excess < 0
      ? 0
      : Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.min(excess, 30));
    const waitMs = entry.lastAtMs + delayMs - nowMs;
    if (waitMs > 0) return waitMs;
    // A long quiet after the last failure wipes the slate.
    if (nowMs - entry.lastAtMs >= this.#maxDelayMs) this.#failures.delete(pairKey(attempt));
    return 0;
  }

  /** Counts a failed LOGIN. */
  fail(attempt: LoginAttempt, nowMs: number): void {
    const key = pairKey(attempt);
    const entry = this.#failures.get(key) ?? { count: 0, lastAtMs: nowMs };
    entry.count++;
    entry.lastAtMs = nowMs;
    this.#failures.delete(key);
    this.#failures.set(key, entry);
    if (this.#failures.size > this.#maxEntries) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  /** Forgets the failures of a name from an IP after a successful LOGIN. */
  succeed(attempt: LoginAttempt): void {
    this.#failures.delete(pairKey(attempt));
  }
}

function pairKey(attempt: LoginAttempt): string {
  return `${attempt.name.toLowerCase()} ${attempt.ip}`;
}
