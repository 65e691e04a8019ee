/**
 * A stand-in for `Deno.DatagramConn` that the UDP transport serves (`UdpTransportOptions.socket`):
 * the test hands it datagrams from any source address, port 0 and multicast included (a real
 * socket needs root to forge them), and decides whether each send succeeds.
 * @module
 */

/** A datagram the transport sent through the fake. */
export interface SentDatagram {
  text: string;
  hostname: string;
  port: number;
}

/** The fake socket; `conn` is what the transport is given. */
export class FakeDatagramSocket {
  /** What the transport sent (the sends that succeeded and those that failed alike). */
  readonly sent: SentDatagram[] = [];
  /** How a send fails: `undefined` lets every send succeed. */
  sendError: ((to: Deno.NetAddr) => Error | undefined) | undefined;
  readonly #waiting: [Uint8Array, Deno.NetAddr][] = [];
  #receiver: PromiseWithResolvers<[Uint8Array, Deno.Addr]> | undefined;
  #closed = false;

  /** The fake, typed as the runtime's socket. */
  get conn(): Deno.DatagramConn {
    return this as unknown as Deno.DatagramConn;
  }

  /** A datagram arriving from `hostname:port`. */
  deliver(text: string, hostname: string, port: number): void {
    const datagram: [Uint8Array, Deno.NetAddr] = [
      new TextEncoder().encode(text),
      { transport: "udp", hostname, port },
    ];
    const receiver = this.#receiver;
    if (receiver) {
      this.#receiver = undefined;
      receiver.resolve(datagram);
    } else this.#waiting.push(datagram);
  }

  receive(_buffer?: Uint8Array): Promise<[Uint8Array, Deno.Addr]> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("closed"));
    const next = this.#waiting.shift();
    if (next) return Promise.resolve(next);
    this.#receiver = Promise.withResolvers();
    return this.#receiver.promise;
  }

  send(bytes: Uint8Array, to: Deno.NetAddr): Promise<number> {
    this.sent.push({
      text: new TextDecoder().decode(bytes),
      hostname: to.hostname,
      port: to.port,
    });
    const error = this.sendError?.(to);
    return error ? Promise.reject(error) : Promise.resolve(bytes.length);
  }

  get addr(): Deno.NetAddr {
    return { transport: "udp", hostname: "127.0.0.1", port: 5000 };
  }

  close(): void {
    this.#closed = true;
    this.#receiver?.reject(new Deno.errors.BadResource("closed"));
    this.#receiver = undefined;
  }
}
