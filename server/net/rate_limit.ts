/**
 * `--rate-limit N`: a token bucket per source IP (every port of one address shares it), N
 * datagrams a second with bursts of up to N. The UDP transport asks it before decoding, so
 * undecodable datagrams and retransmissions count like any other.
 * @module
 */

/** Most addresses tracked at once; the least recently seen is forgotten first. */
const MAX_TRACKED_ADDRESSES = 50_000;

/** What to do with a datagram: serve it, refuse it (once a second per IP), or drop it. */
export type RateVerdict = "allow" | "refuse" | "drop";

interface Bucket {
  tokens: number;
  atMs: number;
  /** When this IP was last sent a rate-limit refusal. */
  refusedAtMs: number;
}

/** Counts datagrams per IP. */
export class RateLimiter {
  readonly #perSecond: number;
  readonly #buckets = new Map<string, Bucket>();

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
  }

  /** Whether a datagram from `ip` at `nowMs` is within the limit (0 = no limit). */
  allow(ip: string, nowMs: number): boolean {
    return this.check(ip, nowMs) === "allow";
  }

  /**
   * Counts a datagram from `ip`. Past the limit the first datagram in each second is
   * `"refuse"`d (the sender learns why) and the rest `"drop"`ped, so a flood is not answered.
   */
  check(ip: string, nowMs: number): RateVerdict {
    if (this.#perSecond <= 0) return "allow";
    const bucket = this.#buckets.get(ip) ??
      { tokens: this.#perSecond, atMs: nowMs, refusedAtMs: -Infinity };
    bucket.tokens = Math.min(
      this.#perSecond,
      bucket.tokens + (Math.max(0, nowMs - bucket.atMs) / 1000) * this.#perSecond,
    );
    bucket.atMs = nowMs;
    this.#buckets.delete(ip);
    this.#buckets.set(ip, bucket);
    if (this.#buckets.size > MAX_TRACKED_ADDRESSES) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return "allow";
    }
    if (nowMs - bucket.refusedAtMs >= 1000) {
      bucket.refusedAtMs = nowMs;
      return "refuse";
    }
    return "drop";
  }
}
