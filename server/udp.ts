/**
 * The UDP transport: a thin loop around `Deno.listenDatagram` that hands each datagram to the
 * dispatcher and sends what comes back. One bad datagram never ends the loop.
 * @module
 */

import { getLogger } from "@logtape/logtape";
import type { ServerMessage } from "../protocol/mod.ts";
import type { Outbox } from "./core.ts";
import type { Dispatcher } from "./dispatcher.ts";
import { addressKey, type PeerAddress } from "./state.ts";
import { traceRequest, tracingEnabled } from "./tracing.ts";

const logger = getLogger(["auction", "udp"]);
const UTF8 = new TextEncoder();

/** A bound UDP socket serving requests, and the outbox that pushes through it. */
export class UdpTransport implements Outbox {
  readonly #socket: Deno.DatagramConn;
  #closed = false;
  #loop: Promise<void> | null = null;

  constructor(options: { hostname: string; port: number }) {
    this.#socket = Deno.listenDatagram({ transport: "udp", ...options });
  }

  /** The bound address. */
  get address(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** Starts serving requests through `dispatcher`. */
  serve(dispatcher: Dispatcher): void {
    this.#loop = this.#receiveLoop(dispatcher);
  }

  send(to: PeerAddress, line: string, _message?: ServerMessage): void {
    if (this.#closed) return;
    this.#socket.send(UTF8.encode(line), { transport: "udp", ...to }).catch((error) => {
      if (!this.#closed) {
        logger.warn("Cannot send to {peer}: {error}", { peer: addressKey(to), error });
      }
    });
  }

  /** Stops the loop and closes the socket. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#socket.close();
    await this.#loop;
  }

  async #receiveLoop(dispatcher: Dispatcher): Promise<void> {
    while (!this.#closed) {
      let datagram: [Uint8Array, Deno.Addr];
      try {
        datagram = await this.#socket.receive();
      } catch (error) {
        if (this.#closed) return;
        logger.warn("UDP receive failed: {error}", { error });
        continue;
      }
      const [bytes, address] = datagram;
      const sender = {
        hostname: (address as Deno.NetAddr).hostname,
        port: (address as Deno.NetAddr).port,
      };
      const respond = (line: string) => this.send(sender, line);
      const done = tracingEnabled
        ? traceRequest(bytes, (onReply) =>
          dispatcher.dispatch(bytes, sender, (line) => {
            onReply(line);
            respond(line);
          }))
        : dispatcher.dispatch(bytes, sender, respond);
      done.catch((error) => {
        logger.error("Request from {peer} failed: {error}", { peer: addressKey(sender), error });
      });
    }
  }
}
