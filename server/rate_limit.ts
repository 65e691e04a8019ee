/**
 * A token bucket per source address: `--rate-limit N` lets N requests a second through, with
 * bursts of up to N.
 * @module
 */

/** Counts requests per address. */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  /** Whether a request from `source` at `nowMs` is within the limit (0 = no limit). */
  allow(source: string, nowMs: number): boolean {
    if (this.#perSecond <= 0) return true;
    const bucket = this.#buckets.get(source) ?? { tokens: this.#perSecond, atMs: nowMs };
    bucket.tokens = Math.min(
      this.#perSecond,
      bucket.tokens + ((nowMs - bucket.atMs) / 1000) * this.#perSecond,
    );
    bucket.atMs = nowMs;
    const allowed = bucket.tokens >= 1;
    if (allowed) bucket.tokens -= 1;
    this.#buckets.delete(source);
    this.#buckets.set(source, bucket);
    if (this.#buckets.size > 50_000) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    return allowed;
  }
}
