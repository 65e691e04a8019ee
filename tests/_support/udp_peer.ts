/**
 * A test peer over UDP: sends lines, collects every datagram it receives, and waits for one
 * that matches, with a deadline (never a fixed sleep). A datagram that is not a well-formed
 * message (bad UTF-8, or a line the codec refuses) is never dropped: it is kept in
 * `undecodable`, every later wait fails with it, and so does `close()`, so a check that
 * something did NOT arrive also notices a malformed one.
 * @module
 */

import { decodeLine, type Message, type MessageType } from "../../protocol/mod.ts";

const UTF8 = new TextEncoder();
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A UDP socket (on 127.0.0.1 unless told) that records what it receives. */
export class UdpPeer {
  readonly socket: Deno.DatagramConn;
  readonly received: Message[] = [];
  /** Datagrams that did not decode, each described with the reason. */
  readonly undecodable: string[] = [];
  /** Bytes of every datagram received. */
  receivedBytes = 0;
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
      this.#failOnUndecodable();
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

  /** Closes the socket; fails if any datagram received did not decode. */
  async close(): Promise<void> {
    this.#closed = true;
    this.socket.close();
    await this.#loop;
    this.#failOnUndecodable();
  }

  #failOnUndecodable(): void {
    if (this.undecodable.length > 0) {
      throw new Error(
        `Received ${this.undecodable.length} datagram(s) that do not decode: ${
          this.undecodable.join("; ")
        }`,
      );
    }
  }

  async #receive(): Promise<void> {
    while (!this.#closed) {
      let bytes: Uint8Array;
      try {
        [bytes] = await this.socket.receive();
        this.receivedBytes += bytes.length;
      } catch {
        if (this.#closed) return;
        continue;
      }
      try {
        this.received.push(decodeLine(STRICT_UTF8.decode(bytes)));
      } catch (error) {
        const text = new TextDecoder().decode(bytes);
        this.undecodable.push(`${JSON.stringify(text)} (${error})`);
      }
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) wake();
    }
  }
}
