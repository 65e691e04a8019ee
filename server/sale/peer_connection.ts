/**
 * The TCP connections the server opens to buyers and sellers at the close of an auction: a
 * {@linkcode Connector} dials (connect timeout, a few attempts with backoff) and hands back a
 * {@linkcode LineChannel}. The sale exchange sees only these two interfaces, so it is tested
 * with fakes.
 * @module
 */

import { type Clock, systemClock } from "../clock.ts";
import { type LineChannel, TcpLineChannel } from "./line_channel.ts";
import { addressKey, type PeerAddress } from "../../auction/state.ts";
import { closeQuietly } from "../net/tcp_io.ts";

/**
 * The process is out of file descriptors (EMFILE/ENFILE): not the peer's fault, so the sale
 * waits and tries again instead of being cancelled.
 */
export class OutOfDescriptorsError extends Error {
  constructor(cause: unknown) {
    super(`Out of file descriptors: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "OutOfDescriptorsError";
  }
}

/**
 * Every attempt to connect to a party failed. The message names the address and the operating
 * system's last error, for the server's log; CANCEL says only {@linkcode publicReason}.
 */
export class PeerUnreachableError extends Error {
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(address: PeerAddress, attempts: number, lastReason: string) {
    super(`Cannot connect to ${addressKey(address)} after ${attempts} attempts: ${lastReason}`);
    this.name = "PeerUnreachableError";
    this.attempts = attempts;
  }

  /** What the other party may be told: no address, no port, no error of the operating system. */
  get publicReason(): string {
    return `could not connect after ${this.attempts} attempts`;
  }
}

/** Whether `error` says the process or the system has no file descriptor left. */
export function isOutOfDescriptors(error: unknown): boolean {
  if (error instanceof OutOfDescriptorsError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return code === "EMFILE" || code === "ENFILE" ||
    /\(os error 2[34]\)|too many open files/i.test(error.message);
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
  /** Least time between two lines the server writes on one connection, in ms. @default 0 */
  messageGapMs?: number;
  /** Opens one TCP connection; tests replace it. @default Deno.connect */
  dial?: (address: PeerAddress, signal: AbortSignal) => Promise<Deno.TcpConn>;
}

/** The real connector: TCP with a connect timeout and retries with backoff. */
export class TcpConnector implements Connector {
  readonly #clock: Clock;
  readonly #connectTimeoutMs: number;
  readonly #attempts: number;
  readonly #backoffMs: number;
  readonly #messageGapMs: number;
  readonly #dial: (address: PeerAddress, signal: AbortSignal) => Promise<Deno.TcpConn>;

  constructor(options: TcpConnectorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 5000;
    this.#attempts = options.attempts ?? 3;
    this.#backoffMs = options.backoffMs ?? 500;
    this.#messageGapMs = options.messageGapMs ?? 0;
    this.#dial = options.dial ??
      ((address, signal) => Deno.connect({ ...address, transport: "tcp", signal }));
  }

  async connect(address: PeerAddress): Promise<LineChannel> {
    let lastReason = "no attempt made";
    for (let attempt = 1; attempt <= this.#attempts; attempt++) {
      if (attempt > 1) await sleep(this.#clock, this.#backoffMs * 2 ** (attempt - 2));
      try {
        const connection = await this.#dialWithTimeout(address);
        return new TcpLineChannel(connection, {
          clock: this.#clock,
          messageGapMs: this.#messageGapMs,
        });
      } catch (error) {
        if (isOutOfDescriptors(error)) throw new OutOfDescriptorsError(error);
        lastReason = error instanceof Error ? error.message : String(error);
      }
    }
    throw new PeerUnreachableError(address, this.#attempts, lastReason);
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

function sleep(clock: Clock, delayMs: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(resolve, delayMs));
}
