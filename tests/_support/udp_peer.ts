/**
 * A test peer over UDP: sends lines, collects every datagram it receives, and waits for one
 * that matches, with a deadline (never a fixed sleep).
 * @module
 */

import { decodeLine, type Message, type MessageType } from "../../protocol/mod.ts";

const UTF8 = new TextEncoder();

/** A UDP socket (on 127.0.0.1 unless told) that records what it receives. */
export class UdpPeer {
  readonly socket: Deno.DatagramConn;
  readonly received: Message[] = [];
  readonly #server: Deno.NetAddr;
  #waiters: (() => void)[] = [];
  #loop: Promise<void>;
  #closed = false;

  /** Binds `hostname` (another loopback address such as 127.0.0.2 is another IP) and `port`. */
  constructor(server: { hostname?: string; port: number }, port = 0, hostname = "127.0.0.1") {
    this.socket = Deno.listenDatagram({ transport: "udp", hostname, port });
    this.#server = {
      transport: "udp",
      hostname: server.hostname ?? "127.0.0.1",
      port: server.port,
    };
    this.#loop = this.#receive();
  }

  /** This peer's port. */
  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  /** Sends one line to the server. */
  async send(line: string): Promise<void> {
    await this.socket.send(UTF8.encode(line), this.#server);
  }

  /** Sends raw bytes to the server. */
  async sendBytes(bytes: Uint8Array): Promise<void> {
    await this.socket.send(bytes, this.#server);
  }

  /** Sends `line` and waits for the reply with its RQ#. */
  async request(line: string, timeoutMs = 5000): Promise<Message> {
    const rq = Number(line.trim().split(/\s+/)[1]);
    const from = this.received.length;
    await this.send(line);
    return await this.waitFor((message) => message.rq === rq, { timeoutMs, from });
  }

  /** Waits for a received message matching `predicate` (searching from index `from`). */
  async waitFor(
    predicate: (message: Message) => boolean,
    options: { timeoutMs?: number; from?: number } = {},
  ): Promise<Message> {
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    let index = options.from ?? 0;
    while (true) {
      for (; index < this.received.length; index++) {
        const message = this.received[index]!;
        if (predicate(message)) return message;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(
          `Timed out; received: ${this.received.map((m) => `${m.type} ${m.rq}`).join(", ")}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, remaining);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Waits for a message of `type` (and, optionally, about `item`). */
  waitForType<N extends MessageType>(
    type: N,
    options: { item?: string; timeoutMs?: number; from?: number } = {},
  ): Promise<Extract<Message, { type: N }>> {
    return this.waitFor(
      (message) =>
        message.type === type &&
        (options.item === undefined || (message as { item?: string }).item === options.item),
      options,
    ) as Promise<Extract<Message, { type: N }>>;
  }

  /** Closes the socket. */
  async close(): Promise<void> {
    this.#closed = true;
    this.socket.close();
    await this.#loop;
  }

  async #receive(): Promise<void> {
    while (!this.#closed) {
      try {
        const [bytes] = await this.socket.receive();
        this.received.push(decodeLine(new TextDecoder().decode(bytes)));
      } catch {
        if (this.#closed) return;
      }
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }
}
