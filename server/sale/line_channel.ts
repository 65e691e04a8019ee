/**
 * A TCP connection seen as lines: {@linkcode LineChannel} is what the sale exchange reads and
 * writes (so it is tested with fakes), {@linkcode TcpLineChannel} the real one, which reads lines
 * of at most 4 KiB ahead of the reader, and writes each line in its own write, paced: the next
 * line on the connection waits until `messageGapMs` have passed since the last one (clients that
 * read one message per `recv` then never get two at once).
 * @module
 */

import { LineDecoder, MAX_LINE_BYTES, QUIET_LINE_END_MS } from "../../protocol/mod.ts";
import { type Clock, systemClock, type TimerHandle } from "../clock.ts";
import { addressKey } from "../../auction/state.ts";
import { closeQuietly, writeLine } from "../net/tcp_io.ts";

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
  readLine(signal: AbortSignal, options?: ReadLineOptions): Promise<string | null>;
  /**
   * Ends the connection: shuts down writing (unless `halfClose` is false, which leaves the
   * peer to close first), waits up to `graceMs` for the peer to close, then closes. Never
   * rejects.
   */
  finish(graceMs: number, options?: { halfClose?: boolean }): Promise<void>;
  /** Closes now. Never throws. */
  close(): void;
}

/** Options of {@linkcode LineChannel.readLine}. */
export interface ReadLineOptions {
  /**
   * Takes a line that has no line end yet once the peer has been quiet for
   * {@linkcode QUIET_LINE_END_MS}, if this returns true for it (a whole message). Without it,
   * only a line end or the peer's close ends a line.
   */
  acceptQuietLine?: (line: string) => boolean;
}

/** Options of {@linkcode TcpLineChannel}. */
export interface TcpLineChannelOptions {
  /** Time for the pacing, the quiet line end and the grace. @default systemClock */
  clock?: Clock;
  /** Least time between two lines written on the connection, in ms; 0 = none. @default 0 */
  messageGapMs?: number;
}

/** A {@linkcode LineChannel} over a TCP connection. */
export class TcpLineChannel implements LineChannel {
  readonly remote: string;
  readonly #connection: Deno.TcpConn;
  readonly #clock: Clock;
  readonly #messageGapMs: number;
  readonly #lines: string[] = [];
  readonly #decoder = new LineDecoder(MAX_LINE_BYTES);
  #ended = false;
  #failure: Error | null = null;
  #closed = false;
  #wake: (() => void) | null = null;
  #pump: Promise<void>;
  /** Bytes read so far, and when the last of them came (for the quiet line end). */
  #bytesRead = 0;
  #lastReadAtMs: number;
  /** The sends in order; when the last line went out; the pause of a send waiting its turn. */
  #sending: Promise<void> = Promise.resolve();
  #lastSentAtMs: number | undefined;
  #pause: { timer: TimerHandle; resolve: () => void } | undefined;

  constructor(connection: Deno.TcpConn, options: TcpLineChannelOptions = {}) {
    this.#connection = connection;
    this.#clock = options.clock ?? systemClock;
    this.#messageGapMs = options.messageGapMs ?? 0;
    this.#lastReadAtMs = this.#clock.now();
    const peer = connection.remoteAddr;
    this.remote = addressKey({ hostname: peer.hostname, port: peer.port });
    this.#pump = this.#readLoop();
  }

  send(line: string): Promise<void> {
    const turn = this.#sending.then(() => this.#sendPaced(line));
    this.#sending = turn.catch(() => {});
    return turn;
  }

  async readLine(signal: AbortSignal, options: ReadLineOptions = {}): Promise<string | null> {
    const accept = options.acceptQuietLine;
    let triedAtBytes = -1;
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
      let quietTimer: TimerHandle | undefined;
      if (accept && this.#decoder.hasPartialLine && triedAtBytes !== this.#bytesRead) {
        const quietForMs = this.#clock.now() - this.#lastReadAtMs;
        if (quietForMs >= QUIET_LINE_END_MS) {
          // Tried once per state of the buffer: a refused line waits for more bytes or the end.
          triedAtBytes = this.#bytesRead;
          const quiet = this.#decoder.takeQuietLine(accept);
          if (quiet !== undefined) return quiet;
        } else {
          quietTimer = this.#clock.setTimer(woken.resolve, QUIET_LINE_END_MS - quietForMs);
        }
      }
      this.#wake = woken.resolve;
      const onAbort = () => woken.resolve();
      signal.addEventListener("abort", onAbort, { once: true });
      await woken.promise;
      signal.removeEventListener("abort", onAbort);
      if (quietTimer !== undefined) this.#clock.clearTimer(quietTimer);
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
    this.#endPause();
    this.#notify();
  }

  /** Writes `line` in one write once the gap since the last line has passed. */
  async #sendPaced(line: string): Promise<void> {
    if (this.#lastSentAtMs !== undefined && this.#messageGapMs > 0) {
      const waitMs = this.#lastSentAtMs + this.#messageGapMs - this.#clock.now();
      if (waitMs > 0) {
        await new Promise<void>((resolve) => {
          const timer = this.#clock.setTimer(() => this.#endPause(), waitMs);
          this.#pause = { timer, resolve };
        });
      }
    }
    if (this.#closed) throw new Error("Channel closed");
    await writeLine(this.#connection, line);
    this.#lastSentAtMs = this.#clock.now();
  }

  #endPause(): void {
    const pause = this.#pause;
    this.#pause = undefined;
    if (!pause) return;
    this.#clock.clearTimer(pause.timer);
    pause.resolve();
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
          this.#bytesRead += count;
          this.#lastReadAtMs = this.#clock.now();
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
