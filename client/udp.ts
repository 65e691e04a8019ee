/**
 * The client's UDP socket: sends request lines to the server and hands every datagram that
 * decodes to a server message to one handler. Built on `node:dgram`, which (unlike
 * `Deno.listenDatagram`) needs no unstable flag, so the bundle runs with `--allow-net` alone.
 * @module
 */

import dgram from "node:dgram";
import { decodeDatagram, type Message, MESSAGES } from "../protocol/mod.ts";
import type { Logger } from "./log.ts";

/** A received server message with its text. */
export type MessageHandler = (message: Message, raw: string) => void;

const UTF8 = new TextEncoder();
const TEXT = new TextDecoder();

/** A bound UDP socket that talks to one server node at a time. */
export class UdpEndpoint {
  readonly #socket: dgram.Socket;
  #server: { hostname: string; port: number };
  readonly #logger: Logger;
  #handler: MessageHandler = () => {};
  #closed = false;

  private constructor(
    socket: dgram.Socket,
    server: { hostname: string; port: number },
    logger: Logger,
  ) {
    this.#socket = socket;
    this.#server = server;
    this.#logger = logger;
    socket.on("message", (bytes: Uint8Array) => this.#onDatagram(bytes));
    socket.on("error", (error: Error) => {
      if (!this.#closed) logger.warn("UDP socket error", { error });
    });
  }

  /** Binds `port` (0 = any free port) on every local address. */
  static open(
    options: { port: number; server: { hostname: string; port: number }; logger: Logger },
  ): Promise<UdpEndpoint> {
    const family = options.server.hostname.includes(":") ? "udp6" : "udp4";
    const socket = dgram.createSocket(family);
    const { promise, resolve, reject } = Promise.withResolvers<UdpEndpoint>();
    const onError = (error: Error) =>
      reject(new Error(`Cannot bind UDP port ${options.port}: ${error.message}`));
    socket.once("error", onError);
    socket.bind(options.port, family === "udp6" ? "::" : "0.0.0.0", () => {
      socket.off("error", onError);
      resolve(new UdpEndpoint(socket, options.server, options.logger));
    });
    return promise;
  }

  /** The bound port. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** Sets the one handler of incoming messages. */
  onMessage(handler: MessageHandler): void {
    this.#handler = handler;
  }

  /** Sends later lines to `server` (another node of the same auction house). */
  setServer(server: { hostname: string; port: number }): void {
    this.#server = server;
  }

  /** Sends one line to the server. */
  send(line: string): void {
    if (this.#closed) return;
    // Only the name and RQ#: a REGISTER or LOGIN line may carry a password.
    const [type, rq] = line.split(" ", 2);
    this.#logger.info("Sent", { to: `${this.#server.hostname}:${this.#server.port}`, type, rq });
    this.#socket.send(UTF8.encode(line), this.#server.port, this.#server.hostname, (error) => {
      if (error && !this.#closed) this.#logger.warn("Cannot send to the server", { error });
    });
  }

  /** Closes the socket. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#socket.close(() => resolve());
    return promise;
  }

  #onDatagram(bytes: Uint8Array): void {
    let message: Message;
    try {
      message = decodeDatagram(bytes, 65_535);
    } catch (error) {
      this.#logger.warn("Ignoring a datagram that does not decode", { error });
      return;
    }
    if (MESSAGES[message.type].from !== "server" || MESSAGES[message.type].over !== "udp") {
      this.#logger.warn("Ignoring a message the server does not send over UDP", {
        type: message.type,
      });
      return;
    }
    const raw = TEXT.decode(bytes).replace(/\r?\n$/, "");
    this.#logger.info("Received", { line: raw });
    this.#handler(message, raw);
  }
}

/** Whether `hostname` names this machine's loopback. */
export function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname.startsWith("127.") || hostname === "::1";
}

/**
 * The local IP that reaches the server: 127.0.0.1 for a server on this machine; otherwise the
 * source address of a TCP connection to the server's TCP port (its UDP port + 1 by default).
 * Falls back to 0.0.0.0 (the server answers the address requests come from anyway).
 */
export async function localAddressFor(
  server: { hostname: string; port: number },
  logger: Logger,
): Promise<string> {
  if (isLoopback(server.hostname)) return server.hostname === "::1" ? "::1" : "127.0.0.1";
  for (const port of [server.port + 1, server.port]) {
    if (port > 65535) continue;
    try {
      const connection = await Deno.connect({
        hostname: server.hostname,
        port,
        signal: AbortSignal.timeout(2000),
      });
      const address = connection.localAddr.hostname;
      connection.close();
      return address;
    } catch {
      // Try the next port.
    }
  }
  logger.warn("Cannot tell which local address reaches the server; declaring 0.0.0.0 (use --host)");
  return "0.0.0.0";
}
