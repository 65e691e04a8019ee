/**
 * A small seeded pseudo-random generator for hand-written property tests: the same seed gives
 * the same cases, so a failure can be replayed from the seed printed with it.
 * @module
 */

/** A seeded generator (mulberry32) with helpers for building random cases. */
export class Random {
  #state: number;

  constructor(readonly seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer from `min` to `max`, both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  /** True with probability `p`. */
  chance(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A string of `length` characters drawn from `alphabet` (code points). */
  string(alphabet: readonly string[], minLength: number, maxLength: number): string {
    const length = this.int(minLength, maxLength);
    let text = "";
    for (let index = 0; index < length; index++) text += this.pick(alphabet);
    return text;
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const bytes = new Uint8Array(length);
    for (let index = 0; index < length; index++) bytes[index] = this.int(0, 255);
    return bytes;
  }
}
