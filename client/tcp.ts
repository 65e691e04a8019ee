/**
 * The client's TCP listener for the sale exchange: the server connects at the close of an
 * auction and sends WINNER or SOLD, INFORM_Req, then CANCEL, Shipping_Info (the seller) or PAID
 * (the buyer), or NON_OFFER. Each line goes to one handler with a way to answer on the same
 * connection. The client closes its end after NON_OFFER, CANCEL, Shipping_Info and PAID
 * (nothing follows them); otherwise the server closes.
 * @module
 */

import { decodeLine, LineDecoder, type Message, MESSAGES } from "../protocol/mod.ts";
import type { Logger } from "./log.ts";
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

/** Options of {@linkcode SaleListener}. */
export interface SaleListenerOptions {
  port: number;
  /** A connection silent this long is closed. */
  idleTimeoutMs: number;
  logger: Logger;
  /** @default systemTimers */
  timers?: Timers;
}

/** Accepts the server's connections on the declared TCP port. */
export class SaleListener {
  readonly #listener: Deno.TcpListener;
  readonly #options: SaleListenerOptions;
  readonly #connections = new Set<Deno.TcpConn>();
  readonly #tasks = new Set<Promise<void>>();
  #handler: SaleHandler = () => {};
  #loop: Promise<void>;
  #closed = false;

  constructor(options: SaleListenerOptions) {
    this.#options = options;
    this.#listener = Deno.listen({ hostname: "0.0.0.0", port: options.port });
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
    this.#listener.close();
    for (const connection of this.#connections) closeQuietly(connection);
    await this.#loop;
    await Promise.allSettled([...this.#tasks]);
  }

  async #accept(): Promise<void> {
    while (!this.#closed) {
      let connection: Deno.TcpConn;
      try {
        connection = await this.#listener.accept();
      } catch (error) {
        if (this.#closed) return;
        this.#options.logger.warn("TCP accept failed", { error });
        continue;
      }
      const task: Promise<void> = this.#serve(connection).finally(() => this.#tasks.delete(task));
      this.#tasks.add(task);
    }
  }

  async #serve(connection: Deno.TcpConn): Promise<void> {
    this.#connections.add(connection);
    const peer = `${connection.remoteAddr.hostname}:${connection.remoteAddr.port}`;
    const logger = this.#options.logger;
    logger.info("Sale connection opened", { peer });
    let open = true;
    const sale: SaleConnection = {
      peer,
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
    const timers = this.#options.timers ?? systemTimers;
    let timer = timers.setTimeout(() => sale.close(), this.#options.idleTimeoutMs);
    try {
      while (open) {
        const count = await connection.read(buffer);
        timers.clear(timer);
        timer = timers.setTimeout(() => sale.close(), this.#options.idleTimeoutMs);
        const received = count === null
          ? [lines.end()].filter((line) => line !== undefined)
          : lines.push(buffer.subarray(0, count));
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
