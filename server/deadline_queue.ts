/**
 * A queue of keyed deadlines: setting a key again moves its deadline, so a stale deadline never
 * fires. Small and allocation-light; the scheduler keeps at most a few entries per open item.
 * @module
 */

/** One deadline: when it falls due and what it carries. */
export interface Deadline<V> {
  /** The key it was set under. */
  key: string;
  /** When it falls due, in milliseconds since the epoch. */
  atMs: number;
  /** What to do then. */
  value: V;
}

/** Keyed deadlines, taken earliest first. */
export class DeadlineQueue<V> {
  readonly #entries = new Map<string, Deadline<V>>();

  /** How many deadlines are queued. */
  get size(): number {
    return this.#entries.size;
  }

  /** Sets (or moves) the deadline of `key`. */
  set(key: string, atMs: number, value: V): void {
    this.#entries.set(key, { key, atMs, value });
  }

  /** Removes the deadline of `key`, if any. */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** The deadline of `key`, if any. */
  get(key: string): Deadline<V> | undefined {
    return this.#entries.get(key);
  }

  /** The earliest due time, or `undefined` when empty. */
  earliestMs(): number | undefined {
    let earliest: number | undefined;
    for (const entry of this.#entries.values()) {
      if (earliest === undefined || entry.atMs < earliest) earliest = entry.atMs;
    }
    return earliest;
  }

  /** Removes and returns every deadline due at `nowMs`, ordered by `order` (default: time). */
  takeDue(
    nowMs: number,
    order: (a: Deadline<V>, b: Deadline<V>) => number = (a, b) => a.atMs - b.atMs,
  ): Deadline<V>[] {
    const due: Deadline<V>[] = [];
    for (const entry of this.#entries.values()) {
      if (entry.atMs <= nowMs) due.push(entry);
    }
    for (const entry of due) this.#entries.delete(entry.key);
    return due.sort(order);
  }
}
