/**
 * The TCP connections the server opens to buyers and sellers at the close of an auction: a
 * {@linkcode Connector} dials (connect timeout, a few attempts with backoff) and hands back a
 * {@linkcode LineChannel}, which reads lines of at most 4 KiB and writes whole lines. The sale
 * exchange sees only these two interfaces, so it is tested with fakes.
 * @module
 */

import { LineDecoder, MAX_LINE_BYTES } from "../protocol/mod.ts";
import { type Clock, systemClock } from "./clock.ts";
import { addressKey, type PeerAddress } from "./state.ts";

const UTF8 = new TextEncoder();
/** Lines read ahead of the reader before the channel stops reading the socket. */
const MAX_QUEUED_LINES = 8;
/** Bytes discarded while waiting for a peer to close, before closing on it. */
const MAX_DRAIN_BYTES = 64 * 1024;

/** A line read did not complete in time. */
export class ReadTimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReadTimeoutError";
  }
}

/** One TCP connection, seen as lines. */
export interface LineChannel {
  /** `host:port` of the peer, for logs. */
  readonly remote: string;
  /** Writes `line` and a newline. Rejects if the connection is gone. */
  send(line: string): Promise<void>;
  /**
   * The next line; `null` when the peer closed without one. Rejects with
   * {@linkcode ReadTimeoutError} when `signal` aborts first, or when a line breaks the 4 KiB cap
   * or is not UTF-8.
   */
  readLine(signal: AbortSignal): Promise<string | null>;
  /**
   * Ends the connection: shuts down writing (unless `halfClose` is false, which leaves the
   * peer to close first), waits up to `graceMs` for the peer to close, then closes. Never
   * rejects.
   */
  finish(graceMs: number, options?: { halfClose?: boolean }): Promise<void>;
  /** Closes now. Never throws. */
  close(): void;
}

/** Opens line channels to peers. */
export interface Connector {
  /** Connects to `address`; rejects with a reason when every attempt failed. */
  connect(address: PeerAddress): Promise<LineChannel>;
}

/** Options of {@linkcode TcpConnector}. */
export interface TcpConnectorOptions {
  /** Time for timers. @default systemClock */
  clock?: Clock;
  /** How long one connect attempt may take. @default 5000 */
  connectTimeoutMs?: number;
  /** How many attempts. @default 3 */
  attempts?: number;
  /** Wait before the second attempt; doubled before each later one. @default 500 */
  backoffMs?: number;
  /** Opens one TCP connection; tests replace it. @default Deno.connect */
  dial?: (address: PeerAddress, signal: AbortSignal) => Promise<Deno.TcpConn>;
}

/** The real connector: TCP with a connect timeout and retries with backoff. */
export class TcpConnector implements Connector {
  readonly #clock: Clock;
  readonly #connectTimeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #dial: (address: PeerAddress, signal: AbortSignal) => Promise<Deno.TcpConn>;

  constructor(options: TcpConnectorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#attempts = options.attempts ?? 3;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#dial = options.dial ??
      ((address, signal) => Deno.connect({ ...address, transport: "tcp", signal }));
  }

  async connect(address: PeerAddress): Promise<LineChannel> {
    let lastReason = "no attempt made";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await sleep(this.#clock, this.#backoffMs * 2 ** (attempt - 2));
      try {
        const connection = await this.#dialWithTimeout(address);
        return new TcpLineChannel(connection, this.#clock);
      } catch (error) {
        lastReason = error instanceof Error ? error.message : String(error);
      }
    }
    throw new Error(
      `Cannot connect to ${addressKey(address)} after ${this.#attempts} attempts: ${lastReason}`,
    );
  }

  async #dialWithTimeout(address: PeerAddress): Promise<Deno.TcpConn> {
    const controller = new AbortController();
    const timedOut = Promise.withResolvers<never>();
    const timer = this.#clock.setTimer(() => {
      timedOut.reject(new Error(`connect timed out after ${this.#connectTimeoutMs} ms`));
      controller.abort();
    }, this.#connectTimeoutMs);
    const dialing = this.#dial(address, controller.signal);
    try {
      return await Promise.race([dialing, timedOut.promise]);
    } catch (error) {
      // A dial that ignores the signal and connects late must not leak its connection.
      dialing.then((connection) => closeQuietly(connection), () => {});
      throw error;
    } finally {
      this.#clock.clearTimer(timer);
    }
  }
}

/** A {@linkcode LineChannel} over a TCP connection. */
export class TcpLineChannel implements LineChannel {
  readonly remote: string;
  readonly #connection: Deno.TcpConn;
  readonly #clock: Clock;
  readonly #lines: string[] = [];
  readonly #decoder = new LineDecoder(MAX_LINE_BYTES);
  #ended = false;
  #failure: Error | null = null;
  #closed = false;
  #wake: (() => void) | null = null;
  #pump: Promise<void>;

  constructor(connection: Deno.TcpConn, clock: Clock = systemClock) {
    this.#connection = connection;
    this.#clock = clock;
    const peer = connection.remoteAddr;
    this.remote = addressKey({ hostname: peer.hostname, port: peer.port });
    this.#pump = this.#readLoop();
  }

  async send(line: string): Promise<void> {
    const bytes = UTF8.encode(`${line}\n`);
    for (let written = 0; written < bytes.length;) {
      written += await this.#connection.write(bytes.subarray(written));
    }
  }

  async readLine(signal: AbortSignal): Promise<string | null> {
    while (true) {
      const line = this.#lines.shift();
      if (line !== undefined) {
        this.#notify();
        return line;
      }
      if (this.#failure) throw this.#failure;
      if (this.#ended) return null;
      if (signal.aborted) throw new ReadTimeoutError("No line before the deadline");
      const woken = Promise.withResolvers<void>();
      this.#wake = woken.resolve;
      const onAbort = () => woken.resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      await woken.promise;
      signal.removeEventListener("abort", onAbort);
    }
  }

  async finish(graceMs: number, options: { halfClose?: boolean } = {}): Promise<void> {
    if (this.#closed) return;
    try {
      if (options.halfClose ?? true) await this.#connection.closeWrite();
    } catch {
      // The peer is gone already.
    }
    this.#failure ??= new Error("Channel finished");
    const closed = Promise.withResolvers<void>();
    const timer = this.#clock.setTimer(closed.resolve, graceMs);
    this.#ended = true;
    this.#notify();
    await Promise.race([this.#pump.then(() => this.#drain()), closed.promise]);
    this.#clock.clearTimer(timer);
    this.close();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    closeQuietly(this.#connection);
    this.#notify();
  }

  /** Reads lines ahead of {@linkcode readLine}, at most a few, so memory stays bounded. */
  async #readLoop(): Promise<void> {
    const buffer = new Uint8Array(4096);
    try {
      while (!this.#closed && !this.#ended) {
        if (this.#lines.length >= MAX_QUEUED_LINES) {
          await new Promise<void>((resolve) => this.#wake = resolve);
          continue;
        }
        const count = await this.#connection.read(buffer);
        if (count === null) {
          const last = this.#decoder.end();
          if (last !== undefined) this.#lines.push(last);
          this.#ended = true;
        } else {
          this.#lines.push(...this.#decoder.push(buffer.subarray(0, count)));
        }
        this.#notify();
      }
    } catch (error) {
      if (!this.#closed) {
        this.#failure ??= error instanceof Error ? error : new Error(String(error));
      }
      this.#notify();
    }
  }

  /** After {@linkcode finish}: discards what the peer still sends until it closes. */
  async #drain(): Promise<void> {
    if (this.#closed) return;
    const buffer = new Uint8Array(4096);
    try {
      for (let total = 0; total < MAX_DRAIN_BYTES;) {
        const count = await this.#connection.read(buffer);
        if (count === null) return;
        total += count;
      }
    } catch {
      // Closed under us: done.
    }
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

/** Closes a connection, ignoring "already closed". */
function closeQuietly(connection: Deno.Conn): void {
  try {
    connection.close();
  } catch {
    // Already closed.
  }
}

function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, delayMs));
}
