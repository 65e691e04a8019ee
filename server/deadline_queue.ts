/**
 * A queue of keyed deadlines: setting a key again moves its deadline, so a stale deadline never
 * fires. An indexed binary min-heap on the due time (each entry knows its slot, so moving or
 * deleting a key is O(log n) too): the scheduler keeps a few entries per open item, and with
 * 100,000 open items a scan of every deadline per bid or per timer cost milliseconds.
 * @module
 */

/** One deadline: when it falls due and what it carries. */
export interface Deadline<V, K = string> {
  /** The key it was set under. */
  key: K;
  /** When it falls due, in milliseconds since the epoch. */
  atMs: number;
  /** What to do then. */
  value: V;
}

/** A deadline in the heap, with its slot. */
interface Slot<V, K> extends Deadline<V, K> {
  index: number;
}

/**
 * Keyed deadlines, taken earliest first. Keys are strings or, cheaper to look up than a string
 * built per call, numbers.
 */
export class DeadlineQueue<V, K extends string | number = string> {
  readonly #entries = new Map<K, Slot<V, K>>();
  readonly #heap: Slot<V, K>[] = [];

  /** How many deadlines are queued. */
  get size(): number {
    return this.#entries.size;
  }

  /** Sets (or moves) the deadline of `key`. */
  set(key: K, atMs: number, value: V): void {
    const existing = this.#entries.get(key);
    if (existing) this.#remove(existing);
    const slot: Slot<V, K> = { key, atMs, value, index: this.#heap.length };
    this.#entries.set(key, slot);
    this.#heap.push(slot);
    this.#up(slot.index);
  }

  /** Removes the deadline of `key`, if any. */
  delete(key: K): void {
    const slot = this.#entries.get(key);
    if (!slot) return;
    this.#entries.delete(key);
    this.#remove(slot);
  }

  /** The deadline of `key`, if any. */
  get(key: K): Deadline<V, K> | undefined {
    return this.#entries.get(key);
  }

  /** The earliest due time, or `undefined` when empty. */
  earliestMs(): number | undefined {
    return this.#heap[0]?.atMs;
  }

  /**
   * Removes and returns the deadlines due at `nowMs`, ordered by `order` (default: time): all of
   * them, or the `limit` earliest (the rest stay queued).
   */
  takeDue(
    nowMs: number,
    order: (a: Deadline<V, K>, b: Deadline<V, K>) => number = (a, b) => a.atMs - b.atMs,
    limit = Infinity,
  ): Deadline<V, K>[] {
    const due: Deadline<V, K>[] = [];
    for (
      let top = this.#heap[0];
      top !== undefined && top.atMs <= nowMs && due.length < limit;
      top = this.#heap[0]
    ) {
      this.#entries.delete(top.key);
      this.#remove(top);
      due.push(top);
    }
    return due.sort(order);
  }

  /** Takes `slot` out of the heap (not out of the map). */
  #remove(slot: Slot<V, K>): void {
    const heap = this.#heap;
    const last = heap.pop()!;
    if (last === slot) return;
    heap[slot.index] = last;
    last.index = slot.index;
    if (!this.#up(last.index)) this.#down(last.index);
  }

  /** Moves the entry at `index` towards the root while it is earlier; true when it moved. */
  #up(index: number): boolean {
    const heap = this.#heap;
    const slot = heap[index]!;
    const start = index;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (parent.atMs <= slot.atMs) break;
      heap[index] = parent;
      parent.index = index;
      index = parentIndex;
    }
    heap[index] = slot;
    slot.index = index;
    return index !== start;
  }

  /** Moves the entry at `index` towards the leaves while a child is earlier. */
  #down(index: number): void {
    const heap = this.#heap;
    const slot = heap[index]!;
    const length = heap.length;
    for (;;) {
      let childIndex = 2 * index + 1;
      if (childIndex >= length) break;
      const right = childIndex + 1;
      if (right < length && heap[right]!.atMs < heap[childIndex]!.atMs) childIndex = right;
      const child = heap[childIndex]!;
      if (child.atMs >= slot.atMs) break;
      heap[index] = child;
      child.index = index;
      index = childIndex;
    }
    heap[index] = slot;
    slot.index = index;
  }
}
