/**
 * The client's TCP listener for the sale exchange: the server connects at the close of an
 * auction and sends WINNER or SOLD, INFORM_Req, then CANCEL, Shipping_Info (the seller) or PAID
 * (the buyer), or NON_OFFER. Each line goes to one handler with a way to answer on the same
 * connection. The client closes its end after NON_OFFER, CANCEL, Shipping_Info and PAID
 * (nothing follows them); otherwise the server closes. Only the server's addresses are served
 * (`sale_gate.ts`, with caps), a connection must send a line within seconds, and a failing
 * accept (out of descriptors) pauses, longer each time, instead of spinning.
 * @module
 */

import { decodeLine, LineDecoder, type Message, MESSAGES } from "../protocol/mod.ts";
import { type Logger, WindowedLogBudget } from "./log.ts";
import { SaleGate } from "./sale_gate.ts";
import type { SalePeers } from "./sale_peers.ts";
import { systemTimers, type Timers } from "./timers.ts";

/** One connection from the server, to answer on. */
export interface SaleConnection {
  /** `host:port` of the server's end. */
  readonly peer: string;
  /**
   * Writes one line (the newline is added); rejects with a
   * {@linkcode SaleConnectionClosedError} when the connection has closed.
   */
  answer(line: string): Promise<void>;
  /** Closes this end. */
  close(): void;
  /** Whether this connection has closed (either end). */
  readonly closed: boolean;
}

/**
 * An answer could not go out: the connection had closed (the server went away; a server that
 * restarts connects again and asks again).
 */
export class SaleConnectionClosedError extends Error {
  override name = "SaleConnectionClosedError";
}

/** What writing on a connection the other end closed throws. */
const CLOSED_ERRORS = [
  Deno.errors.BadResource,
  Deno.errors.BrokenPipe,
  Deno.errors.ConnectionReset,
  Deno.errors.ConnectionAborted,
  Deno.errors.NotConnected,
];

/** Receives each message with its connection. */
export type SaleHandler = (message: Message, raw: string, connection: SaleConnection) => void;

/** Messages after which the client closes its end. */
const CLOSING = new Set(["NON_OFFER", "CANCEL", "Shipping_Info", "PAID"]);
const UTF8 = new TextEncoder();

/** The first pause after a failed accept (out of file descriptors); it doubles while they fail. */
const ACCEPT_RETRY_MS = 100;
/** The longest pause between two failed accepts. */
const MAX_ACCEPT_RETRY_MS = 5000;

/** The listening socket, as the listener uses it (a test may give a fake). */
export interface SaleSocket {
  readonly addr: Deno.NetAddr;
  accept(): Promise<Deno.TcpConn>;
  close(): void;
}

/** Options of {@linkcode SaleListener}. */
export interface SaleListenerOptions {
  port: number;
  /** The addresses the server connects from; every other connection is closed at once. */
  peers: SalePeers;
  /** A connection silent this long after its first line is closed. */
  idleTimeoutMs: number;
  /** A connection with no complete line this long after it opened is closed. @default 5000 */
  firstLineTimeoutMs?: number;
  /** Connections held at once. @default DEFAULT_MAX_SALE_CONNECTIONS (64) */
  maxConnections?: number;
  /** Connections held at once from one IP. @default DEFAULT_MAX_SALE_CONNECTIONS_PER_IP (32) */
  maxPerIp?: number;
  logger: Logger;
  /** @default systemTimers */
  timers?: Timers;
  /** Opens the listening socket. @default Deno.listen on 0.0.0.0 */
  listen?: (port: number) => SaleSocket;
}

/** Accepts the server's connections on the declared TCP port. */
export class SaleListener {
  readonly #listener: SaleSocket;
  readonly #options: SaleListenerOptions;
  readonly #timers: Timers;
  readonly #gate: SaleGate;
  readonly #acceptLog: WindowedLogBudget;
  readonly #connections = new Set<Deno.TcpConn>();
  readonly #tasks = new Set<Promise<void>>();
  #handler: SaleHandler = () => {};
  #loop: Promise<void>;
  #closed = false;
  /** Ends the pause after a failed accept, when the listener closes. */
  #wake: () => void = () => {};

  constructor(options: SaleListenerOptions) {
    this.#options = options;
    this.#timers = options.timers ?? systemTimers;
    this.#gate = new SaleGate({ ...options, timers: this.#timers });
    this.#acceptLog = new WindowedLogBudget({ limit: 5, windowMs: 60_000, timers: this.#timers });
    const listen = options.listen ??
      ((port) => Deno.listen({ hostname: "0.0.0.0", port, transport: "tcp" }));
    this.#listener = listen(options.port);
    this.#loop = this.#accept();
  }

  /** The bound port. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Sets the one handler of incoming messages. */
  onMessage(handler: SaleHandler): void {
    this.#handler = handler;
  }

  /** Resolves when no connection is open (or after `timeoutMs`). */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (this.#tasks.size > 0 && !deadline.aborted) {
      await Promise.race([
        Promise.allSettled([...this.#tasks]),
        new Promise((resolve) => deadline.addEventListener("abort", resolve, { once: true })),
      ]);
    }
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#wake();
    this.#listener.close();
    for (const connection of this.#connections) closeQuietly(connection);
    await this.#loop;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(): Promise<void> {
    let retryMs = 0;
    while (!this.#closed) {
      let connection: Deno.TcpConn;
      try {
        connection = await this.#listener.accept();
        retryMs = 0;
      } catch (error) {
        if (this.#closed) return;
        // Out of file descriptors (EMFILE) fails at once and again: pause, longer each time.
        retryMs = Math.min(Math.max(retryMs * 2, ACCEPT_RETRY_MS), MAX_ACCEPT_RETRY_MS);
        this.#acceptLog.spend((notLoggedBefore) =>
          this.#options.logger.warn("TCP accept failed", {
            error,
            retryMs,
            ...(notLoggedBefore > 0 ? { notLoggedBefore } : {}),
          })
        );
        await this.#pause(retryMs);
        continue;
      }
      const ip = connection.remoteAddr.hostname;
      const peer = `${ip}:${connection.remoteAddr.port}`;
      if (!this.#gate.admit(ip, peer)) {
        closeQuietly(connection);
        continue;
      }
      const task: Promise<void> = this.#serve(connection, peer)
        .finally(() => {
          this.#gate.release(ip);
          this.#tasks.delete(task);
        });
      this.#tasks.add(task);
    }
  }

  #pause(delayMs: number): Promise<void> {
    const { promise, resolve } = Promise.withResolvers<void>();
    const timer = this.#timers.setTimeout(resolve, delayMs);
    this.#wake = () => {
      this.#timers.clear(timer);
      resolve();
    };
    return promise;
  }

  async #serve(connection: Deno.TcpConn, peer: string): Promise<void> {
    this.#connections.add(connection);
    const logger = this.#options.logger;
    logger.info("Sale connection opened", { peer });
    let open = true;
    const sale: SaleConnection = {
      peer,
      get closed() {
        return !open;
      },
      answer: async (line) => {
        const closed = () => new SaleConnectionClosedError(`The connection from ${peer} closed`);
        if (!open) throw closed();
        try {
          await connection.write(UTF8.encode(`${line}\n`));
        } catch (error) {
          if (CLOSED_ERRORS.some((type) => error instanceof type)) throw closed();
          throw error;
        }
      },
      close: () => {
        open = false;
        closeQuietly(connection);
      },
    };
    const lines = new LineDecoder();
    const buffer = new Uint8Array(4096);
    const timers = this.#timers;
    // The server writes its first line as soon as it connects: a connection that sends none
    // within a few seconds only holds a descriptor.
    let sawLine = false;
    let timer = timers.setTimeout(() => {
      this.#gate.refused(peer, "no complete line after it connected");
      sale.close();
    }, this.#options.firstLineTimeoutMs ?? 5000);
    try {
      while (open) {
        const count = await connection.read(buffer);
        const received = count === null
          ? [lines.end()].filter((line) => line !== undefined)
          : lines.push(buffer.subarray(0, count));
        if (received.length > 0 || sawLine) {
          sawLine = true;
          timers.clear(timer);
          timer = timers.setTimeout(() => sale.close(), this.#options.idleTimeoutMs);
        }
        for (const line of received) this.#deliver(line, sale);
        if (count === null) break;
      }
    } catch (error) {
      if (open && !this.#closed) logger.warn("Sale connection failed", { peer, error });
    } finally {
      open = false;
      timers.clear(timer);
      this.#connections.delete(connection);
      closeQuietly(connection);
      logger.info("Sale connection closed", { peer });
    }
  }

  #deliver(line: string, sale: SaleConnection): void {
    let message: Message;
    try {
      message = decodeLine(line);
    } catch (error) {
      this.#options.logger.warn("Ignoring a TCP line that does not decode", { error });
      return;
    }
    if (MESSAGES[message.type].from !== "server" || MESSAGES[message.type].over !== "tcp") {
      this.#options.logger.warn("Ignoring a message the server does not send over TCP", {
        type: message.type,
      });
      return;
    }
    this.#options.logger.info("Received over TCP", { peer: sale.peer, type: message.type });
    this.#handler(message, line, sale);
    if (CLOSING.has(message.type)) sale.close();
  }
}

function closeQuietly(connection: Deno.Conn): void {
  try {
    connection.close();
  } catch {
    // Already closed.
  }
}
