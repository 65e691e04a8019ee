/**
 * Server-Sent Events for the board: a ring of the latest events (each `id` is the journal
 * sequence number of the event that caused it, so ids only grow, across restarts too), resume
 * with `Last-Event-ID`, and a bounded buffer per client: a client that falls behind by more
 * than `maxBufferedBytes` is dropped, never buffered without bound.
 * @module
 */

const UTF8 = new TextEncoder();

/** Why the hub ended a client's stream: too far behind, or the server stopping. Not a failure. */
export class StreamEnded extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StreamEnded";
  }
}

/** Options of {@linkcode EventHub}. */
export interface EventHubOptions {
  /** Sequence number the board's model matches at start: resuming from it loses nothing. */
  startSeq: number;
  /** How many recent events a reconnecting client can resume over. @default 10000 */
  capacity?: number;
  /** Bytes one client may fall behind by before it is dropped. @default 4194304 */
  maxBufferedBytes?: number;
  /** Most clients at once; more are answered 503 (each may hold `maxBufferedBytes`). @default 1000 */
  maxClients?: number;
  /**
   * Most clients at once from one IP (`--max-events-per-ip`), so that one address cannot take
   * every place; more are answered 429. 0 = no cap. @default 8
   */
  maxClientsPerIp?: number;
  /** Milliseconds between keep-alive comments. @default 15000 */
  keepAliveMs?: number;
  /** Called when a client is dropped for being too slow (for metrics). */
  onDrop?: () => void;
}

/** An event of the stream: `data()` makes its JSON value, only when a client first needs it. */
export interface HubEvent {
  /** Its sequence number. */
  readonly id: number;
  /** Its SSE event name. */
  readonly type: string;
  /** Its JSON value, with the values of the time it was published. */
  data(): unknown;
}

interface Client {
  controller: ReadableStreamDefaultController<Uint8Array>;
  /** Its remote IP, when known. */
  ip: string | undefined;
}

/** The live event stream of the board. */
export class EventHub {
  readonly #capacity: number;
  readonly #maxBufferedBytes: number;
  readonly #maxClients: number;
  readonly #maxClientsPerIp: number;
  /** Clients connected now, by remote IP. */
  readonly #perIp = new Map<string, number>();
  readonly #onDrop: () => void;
  /** The events themselves (no wrapper: a bid costs the ring no allocation of its own). */
  readonly #ring: HubEvent[] = [];
  /** The encoded event of each slot of `#ring`, made when first needed. */
  readonly #encoded: (Uint8Array | undefined)[] = [];
  /** Index of the oldest entry in `#ring` once it is full. */
  #ringStart = 0;
  /** A client whose last id is at least this misses nothing that the ring still holds. */
  #floorSeq: number;
  #lastSeq: number;
  readonly #clients = new Set<Client>();
  readonly #keepAlive: ReturnType<typeof setInterval>;

  constructor(options: EventHubOptions) {
    this.#capacity = options.capacity ?? 10_000;
    this.#maxBufferedBytes = options.maxBufferedBytes ?? 4_194_304;
    this.#maxClients = options.maxClients ?? 1000;
    this.#maxClientsPerIp = options.maxClientsPerIp ?? 8;
    this.#onDrop = options.onDrop ?? (() => {});
    this.#floorSeq = options.startSeq;
    this.#lastSeq = options.startSeq;
    const keepAlive = UTF8.encode(": keep-alive\n\n");
    this.#keepAlive = setInterval(() => {
      for (const client of this.#clients) this.#write(client, keepAlive);
    }, options.keepAliveMs ?? 15_000);
    // Deno's timers are numbers; the type is Node's because prom-client brings @types/node.
    Deno.unrefTimer(this.#keepAlive as unknown as number);
  }

  /** Clients connected now. */
  get clients(): number {
    return this.#clients.size;
  }

  /** The id of the latest event (or the start sequence number). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /**
   * Sends an event (its `id` is a sequence number: ids only grow) to every client, and keeps it
   * for resume. `data` makes its
   * JSON value; it is called only when a client needs the event (at once if one is connected,
   * else on a replay), and must give the values as they were at publish time.
   */
  publish(event: HubEvent): void {
    this.#lastSeq = event.id;
    let slot: number;
    if (this.#ring.length < this.#capacity) {
      slot = this.#ring.push(event) - 1;
      this.#encoded.push(undefined);
    } else {
      slot = this.#ringStart;
      this.#floorSeq = this.#ring[slot]!.id;
      this.#ring[slot] = event;
      this.#encoded[slot] = undefined;
      this.#ringStart = (slot + 1) % this.#capacity;
    }
    if (this.#clients.size === 0) return;
    const bytes = this.#encode(slot);
    for (const client of this.#clients) this.#write(client, bytes);
  }

  /**
   * A `text/event-stream` response that resumes after `lastEventId` when the ring still covers
   * it, and otherwise (unknown, too old, or from the future) starts with a `reset` event.
   * Without `lastEventId` it sends only what comes next. Past `maxClientsPerIp` streams from
   * `ip`, a 429; past `maxClients` in all, a 503.
   */
  connect(lastEventId: string | null, ip?: string): Response {
    const fromIp = ip === undefined ? 0 : this.#perIp.get(ip) ?? 0;
    if (this.#maxClientsPerIp > 0 && fromIp >= this.#maxClientsPerIp) {
      const error = `Too many event streams from your address: at most ${this.#maxClientsPerIp}; ` +
        "close another board tab or retry later";
      return refusal(429, error);
    }
    if (this.#clients.size >= this.#maxClients) {
      return refusal(503, "Too many event-stream clients: retry later");
    }
    let client: Client;
    const stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        client = { controller, ip };
        this.#clients.add(client);
        if (ip !== undefined) this.#perIp.set(ip, fromIp + 1);
        this.#write(client, UTF8.encode("retry: 2000\n\n"));
        if (lastEventId !== null) this.#replay(client, lastEventId.trim());
      },
      cancel: () => {
        this.#remove(client);
      },
    }, { highWaterMark: this.#maxBufferedBytes, size: (chunk) => chunk.byteLength });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
      },
    });
  }

  /** Ends every stream at once (what is still queued is dropped) and stops the keep-alive. */
  close(): void {
    clearInterval(this.#keepAlive);
    for (const client of this.#clients) {
      try {
        client.controller.error(new StreamEnded("The server is stopping"));
      } catch {
        // Already errored.
      }
    }
    this.#clients.clear();
    this.#perIp.clear();
  }

  /** Forgets `client`, and counts it no more against its IP. */
  #remove(client: Client): void {
    if (!this.#clients.delete(client) || client.ip === undefined) return;
    const left = (this.#perIp.get(client.ip) ?? 1) - 1;
    if (left > 0) this.#perIp.set(client.ip, left);
    else this.#perIp.delete(client.ip);
  }

  #replay(client: Client, lastEventId: string): void {
    const lastId = /^\d+$/.test(lastEventId) ? Number(lastEventId) : NaN;
    if (!(lastId >= this.#floorSeq && lastId <= this.#lastSeq)) {
      const reason = Number.isNaN(lastId)
        ? "Unknown event id"
        : lastId > this.#lastSeq
        ? "Event id from another run of the server"
        : "Event id too old: reload the board";
      const data = JSON.stringify({ reason, seq: this.#lastSeq });
      this.#write(client, UTF8.encode(`id: ${this.#lastSeq}\nevent: reset\ndata: ${data}\n\n`));
      return;
    }
    const size = this.#ring.length;
    // Ids grow around the ring: binary search for the first one after lastId.
    let low = 0;
    let high = size;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#ring[(this.#ringStart + middle) % size]!.id <= lastId) low = middle + 1;
      else high = middle;
    }
    for (let index = low; index < size; index++) {
      if (!this.#write(client, this.#encode((this.#ringStart + index) % size))) return;
    }
  }

  /** The bytes of the event in ring slot `slot`, encoded once. */
  #encode(slot: number): Uint8Array {
    let bytes = this.#encoded[slot];
    if (!bytes) {
      const event = this.#ring[slot]!;
      bytes = UTF8.encode(
        `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data())}\n\n`,
      );
      this.#encoded[slot] = bytes;
    }
    return bytes;
  }

  /** Queues `bytes` for `client`; drops the client (and returns false) when it is too far behind. */
  #write(client: Client, bytes: Uint8Array): boolean {
    const { controller } = client;
    if ((controller.desiredSize ?? 0) < bytes.byteLength) {
      this.#remove(client);
      this.#onDrop();
      try {
        controller.error(new StreamEnded("Client too slow: dropped"));
      } catch {
        // Already closed.
      }
      return false;
    }
    controller.enqueue(bytes);
    return true;
  }
}

/** A stream refused with `status` and a JSON `error`; the browser's board tries again later. */
function refusal(status: number, error: string): Response {
  return new Response(JSON.stringify({ error }), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "retry-after": "10" },
  });
}
