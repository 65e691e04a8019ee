/**
 * Socket-free stand-ins for the finalizer's connections: a {@linkcode FakeConnector} that hands
 * out {@linkcode FakeChannel}s by address, each recording what the server sent and answering
 * what the test tells it to.
 * @module
 */

import { type LineChannel, ReadTimeoutError } from "../../server/sale/line_channel.ts";
import type { Connector } from "../../server/sale/peer_connection.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";

/** One fake connection: lines the server sent, lines queued for it to read. */
export class FakeChannel implements LineChannel {
  readonly remote: string;
  /** Lines the server sent, in order. */
  readonly sent: string[] = [];
  /** The grace the server gave in `finish`, once it did. */
  finishedWithGraceMs: number | undefined;
  /** Whether `finish` shut down the server's side first (else it left the peer to close). */
  halfClosed: boolean | undefined;
  /** Whether the server closed it (directly or by finishing). */
  closed = false;
  readonly #incoming: (string | null)[] = [];
  #wake: (() => void) | null = null;

  constructor(remote: string) {
    this.remote = remote;
  }

  /** Queues a line for the server to read. */
  answer(line: string): void {
    this.#incoming.push(line);
    this.#wake?.();
  }

  /** The peer closes its side: the server reads `null`. */
  hangUp(): void {
    this.#incoming.push(null);
    this.#wake?.();
  }

  send(line: string): Promise<void> {
    if (this.closed) return Promise.reject(new Error("Channel closed"));
    this.sent.push(line);
    return Promise.resolve();
  }

  async readLine(signal: AbortSignal): Promise<string | null> {
    while (true) {
      if (this.#incoming.length > 0) return this.#incoming.shift()!;
      if (signal.aborted) throw new ReadTimeoutError("No line before the deadline");
      const woken = Promise.withResolvers<void>();
      this.#wake = woken.resolve;
      signal.addEventListener("abort", () => woken.resolve(), { once: true });
      await woken.promise;
    }
  }

  finish(graceMs: number, options: { halfClose?: boolean } = {}): Promise<void> {
    this.finishedWithGraceMs = graceMs;
    this.halfClosed = options.halfClose ?? true;
    this.closed = true;
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }
}

/**
 * A connector whose peers are {@linkcode FakeChannel}s. Each {@linkcode listen} readies one
 * connection at an address; a connect with none ready is refused.
 */
export class FakeConnector implements Connector {
  readonly #ready = new Map<string, FakeChannel[]>();
  /** Addresses the server tried, in order. */
  readonly attempts: string[] = [];

  /** Readies one more connection at `address`; returns the channel the server will get. */
  listen(address: PeerAddress): FakeChannel {
    const channel = new FakeChannel(addressKey(address));
    const queue = this.#ready.get(addressKey(address)) ?? [];
    queue.push(channel);
    this.#ready.set(addressKey(address), queue);
    return channel;
  }

  connect(address: PeerAddress): Promise<LineChannel> {
    this.attempts.push(addressKey(address));
    const channel = this.#ready.get(addressKey(address))?.shift();
    if (!channel) return Promise.reject(new Error("connection refused"));
    return Promise.resolve(channel);
  }
}
