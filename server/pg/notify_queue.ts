/**
 * The queue behind each direction of the node link (`node_link.ts`): items for `NOTIFY` channels,
 * sent in order, everything queued while a send runs going into the next one (as many
 * notifications as the payload limit needs), the way group commit batches writes. It holds a
 * bounded number of items while the database does not answer, and can drop those that waited too
 * long (a request its client has sent again or given up meanwhile).
 * @module
 */

import { getLogger } from "@logtape/logtape";

const logger = getLogger(["auction", "link"]);

/** A notification's payload must stay under PostgreSQL's 8000 bytes. */
const MAX_PAYLOAD_CHARS = 7_000;

/** Sends one notification (`pg_notify(channel, payload)`), resolving once it is committed. */
export type Notify = (channel: string, payload: string) => PromiseLike<unknown>;

/** Options of {@linkcode NotifyQueue}. */
export interface NotifyQueueOptions {
  /**
   * Items held while a send runs (the database slow or not answering), past which new ones are
   * dropped: a client retransmits a request or reply lost this way, as one lost on the network.
   * @default 10000
   */
  maxQueued?: number;
  /**
   * Items that waited longer than this (the link stalled) are dropped when the next send takes
   * them: their client has retransmitted them by then, or moved to another node.
   * @default Infinity
   */
  maxAgeMs?: number;
  /** Monotonic time in ms. @default performance.now */
  now?: () => number;
}

/** An item queued, with when it was. */
interface Queued {
  item: unknown[];
  atMs: number;
}

/** Items for `NOTIFY` channels, sent in order, batched while a send runs; see the module. */
export class NotifyQueue {
  readonly #notify: Notify;
  readonly #maxQueued: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** Items queued, by channel. */
  #queue = new Map<string, Queued[]>();
  #sending: Promise<void> | null = null;
  #queued = 0;
  #expired = 0;

  constructor(notify: Notify, options: NotifyQueueOptions = {}) {
    this.#notify = notify;
    this.#maxQueued = options.maxQueued ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? Infinity;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Items dropped so far because they waited longer than `maxAgeMs`. */
  get expired(): number {
    return this.#expired;
  }

  /** Queues `item` for `channel` (dropped when the queue is full), to be sent as JSON. */
  push(channel: string, item: unknown[]): void {
    // Cut off from the database, a node must not queue without bound: clients retransmit.
    if (this.#queued >= this.#maxQueued) return;
    this.#queued++;
    const queued = { item, atMs: this.#now() };
    const items = this.#queue.get(channel);
    if (items) items.push(queued);
    else this.#queue.set(channel, [queued]);
    this.#sending ??= this.#send();
  }

  /** Resolves once everything queued has been sent (or failed to be). */
  async drained(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #send(): Promise<void> {
    // Lets the rest of this turn queue its items too.
    await Promise.resolve();
    while (this.#queue.size > 0) {
      const queued = this.#queue;
      this.#queue = new Map();
      this.#queued = 0;
      const notifications = [...queued].flatMap(([channel, items]) =>
        chunk(this.#fresh(items)).map((payload) => ({ channel, payload }))
      );
      try {
        // Pipelined on the one connection, so they commit, and are delivered, in order.
        await Promise.all(
          notifications.map(({ channel, payload }) => this.#notify(channel, payload)),
        );
      } catch (error) {
        logger.warn("Cannot notify the other nodes: {error}", { error });
      }
    }
    this.#sending = null;
  }

  /** The items of `queued` that have not waited longer than `maxAgeMs`, counting the others. */
  #fresh(queued: Queued[]): unknown[][] {
    const oldestMs = this.#now() - this.#maxAgeMs;
    const fresh = queued.filter(({ atMs }) => atMs >= oldestMs);
    this.#expired += queued.length - fresh.length;
    return fresh.map(({ item }) => item);
  }
}

/** `items` as JSON arrays of at most {@linkcode MAX_PAYLOAD_CHARS} characters each. */
function chunk(items: unknown[][]): string[] {
  const payloads: string[] = [];
  let parts: string[] = [];
  let length = 2;
  for (const item of items) {
    const json = JSON.stringify(item);
    if (parts.length > 0 && length + json.length + 1 > MAX_PAYLOAD_CHARS) {
      payloads.push(`[${parts.join(",")}]`);
      parts = [];
      length = 2;
    }
    parts.push(json);
    length += json.length + 1;
  }
  if (parts.length > 0) payloads.push(`[${parts.join(",")}]`);
  return payloads;
}
