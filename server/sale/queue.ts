/**
 * `--max-sales-in-flight`: at most N sale exchanges run at once (each holds up to two TCP
 * connections); the rest wait. Waiting sales are served round-robin by the IP addresses of
 * their parties, and one pair of addresses never holds more than half the slots, so one
 * address's silent sales cannot hold everyone else's.
 * @module
 */

/** Options of {@linkcode SaleQueue}. */
export interface SaleQueueOptions {
  /** Most exchanges at once; 0 = no cap. */
  maxInFlight: number;
  /** Most exchanges at once for one key. @default half of maxInFlight, at least 1 */
  maxPerKey?: number;
}

/** Which sale runs next. Pure bookkeeping: the finalizer starts and ends the exchanges. */
export class SaleQueue {
  readonly #maxInFlight: number;
  readonly #maxPerKey: number;
  /** Waiting item ids by key; a key's place in the map is its turn. */
  readonly #waiting = new Map<string, number[]>();
  readonly #queued = new Set<number>();
  /** Key of each running item. */
  readonly #running = new Map<number, string>();
  readonly #runningPerKey = new Map<string, number>();
  /** A lower ceiling while the process is out of file descriptors. */
  #ceiling: number | undefined;

  constructor(options: SaleQueueOptions) {
    this.#maxInFlight = options.maxInFlight;
    this.#maxPerKey = options.maxPerKey ??
      (options.maxInFlight > 0 ? Math.max(1, Math.floor(options.maxInFlight / 2)) : 0);
  }

  /** How many sales wait for a slot. */
  get waiting(): number {
    return this.#queued.size;
  }

  /** How many sales hold a slot. */
  get running(): number {
    return this.#running.size;
  }

  /** Whether `itemId` waits or runs. */
  has(itemId: number): boolean {
    return this.#queued.has(itemId) || this.#running.has(itemId);
  }

  /** Puts `itemId` in line under `key` (its parties' addresses); ignored if already there. */
  enqueue(itemId: number, key: string): void {
    if (this.has(itemId)) return;
    this.#queued.add(itemId);
    const line = this.#waiting.get(key);
    if (line) line.push(itemId);
    else this.#waiting.set(key, [itemId]);
  }

  /** Runs at most `limit` (at least 1) sales until {@linkcode unthrottle}: descriptors ran out. */
  throttle(limit: number): void {
    this.#ceiling = Math.max(1, Math.min(limit, this.#ceiling ?? Infinity));
  }

  /** Lifts the ceiling of {@linkcode throttle}. */
  unthrottle(): void {
    this.#ceiling = undefined;
  }

  /** Takes the next sale that may start now and marks it running; `undefined` if none may. */
  next(): number | undefined {
    if (this.#maxInFlight > 0 && this.#running.size >= this.#maxInFlight) return undefined;
    if (this.#ceiling !== undefined && this.#running.size >= this.#ceiling) return undefined;
    for (const [key, line] of this.#waiting) {
      if (this.#maxPerKey > 0 && (this.#runningPerKey.get(key) ?? 0) >= this.#maxPerKey) continue;
      const itemId = line.shift()!;
      // Round-robin: the key goes to the back of the line (or leaves it when empty).
      this.#waiting.delete(key);
      if (line.length > 0) this.#waiting.set(key, line);
      this.#queued.delete(itemId);
      this.#running.set(itemId, key);
      this.#runningPerKey.set(key, (this.#runningPerKey.get(key) ?? 0) + 1);
      return itemId;
    }
    return undefined;
  }

  /** A running sale's exchange ended: its slot is free. */
  done(itemId: number): void {
    const key = this.#running.get(itemId);
    if (key === undefined) return;
    this.#running.delete(itemId);
    const left = (this.#runningPerKey.get(key) ?? 1) - 1;
    if (left > 0) this.#runningPerKey.set(key, left);
    else this.#runningPerKey.delete(key);
  }
}
