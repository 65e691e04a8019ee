/**
 * A test client of the board's `/events` stream: reads Server-Sent Events as they come and
 * waits for one that matches, with a deadline (never a fixed sleep).
 * @module
 */

/** One event as received. */
export interface ReceivedEvent {
  /** `id:` as a number. */
  id: number;
  /** `event:` (`message` when absent). */
  type: string;
  /** `data:` parsed as JSON. */
  data: Record<string, unknown>;
  /** The raw text of the event. */
  raw: string;
}

/** A connection to `/events`. */
export class SseClient {
  /** Every event received, in order. */
  readonly events: ReceivedEvent[] = [];
  /** Every byte of the stream, as text. */
  text = "";
  readonly #abort = new AbortController();
  #changed = Promise.withResolvers<void>();
  #done: Promise<void>;
  #ended = false;

  private constructor(response: Response) {
    this.#done = this.#read(response);
  }

  /** Connects to `url` (`http://host:port/events`), with `Last-Event-ID` when given. */
  static async connect(url: string, lastEventId?: string | number): Promise<SseClient> {
    const abort = new AbortController();
    const response = await fetch(url, {
      headers: lastEventId === undefined ? {} : { "last-event-id": String(lastEventId) },
      signal: abort.signal,
    });
    if (!response.ok || !response.body) throw new Error(`GET ${url}: ${response.status}`);
    const client = new SseClient(response);
    client.#abort.signal.addEventListener("abort", () => abort.abort());
    return client;
  }

  /** Whether the server ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Waits for an event matching `predicate` (searching from index `from`); returns it. */
  async waitFor(
    predicate: (event: ReceivedEvent) => boolean,
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<ReceivedEvent> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    let index = options.from ?? 0;
    while (true) {
      for (; index < this.events.length; index++) {
        if (predicate(this.events[index]!)) return this.events[index]!;
      }
      const left = deadline - Date.now();
      if (left <= 0 || this.#ended) {
        throw new Error(`No matching event; got:\n${this.text.slice(-2000)}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => timer = setTimeout(resolve, left)),
      ]);
      clearTimeout(timer);
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#done;
  }

  async #read(response: Response): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of response.body!) {
        const text = decoder.decode(chunk, { stream: true });
        this.text += text;
        pending += text;
        let end;
        while ((end = pending.indexOf("\n\n")) >= 0) {
          this.#parse(pending.slice(0, end));
          pending = pending.slice(end + 2);
        }
        this.#wake();
      }
    } catch {
      // Aborted, or the server dropped the stream.
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #parse(block: string): void {
    const fields: Record<string, string> = {};
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      fields[line.slice(0, colon)] = line.slice(colon + 1).replace(/^ /, "");
    }
    if (fields.data === undefined) return;
    this.events.push({
      id: Number(fields.id),
      type: fields.event ?? "message",
      data: JSON.parse(fields.data),
      raw: block,
    });
  }

  #wake(): void {
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }
}
