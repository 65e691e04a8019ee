/**
 * A TCP connection from a chosen local address (`127.0.0.2`, `127.0.0.3`, ...), to play several
 * IPs on one machine: `Deno.connect` cannot choose its source address, `node:net` can. It
 * records the lines it receives and waits for a line or for the close, with a deadline.
 * @module
 */

import net from "node:net";

/** A line-reading TCP connection bound to a local address of the test's choosing. */
export class SourcedConnection {
  /** Every line received, in order. */
  readonly lines: string[] = [];
  /** Whether the peer has closed. */
  ended = false;
  readonly #socket: net.Socket;
  readonly #closed: Promise<void>;
  #partial = "";
  #changed = Promise.withResolvers<void>();

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    this.#closed = new Promise((resolve) => socket.once("close", () => resolve()));
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      const parts = (this.#partial + chunk).split("\n");
      this.#partial = parts.pop()!;
      this.lines.push(...parts.map((line) => line.replace(/\r$/, "")));
      this.#wake();
    });
    socket.on("end", () => {
      this.ended = true;
      this.#wake();
    });
    socket.on("error", () => {
      this.ended = true;
      this.#wake();
    });
  }

  /** Connects from `localAddress` to `127.0.0.1:port`. */
  static open(localAddress: string, port: number): Promise<SourcedConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: "127.0.0.1", port, localAddress });
      socket.once("error", reject);
      socket.once("connect", () => {
        socket.off("error", reject);
        resolve(new SourcedConnection(socket));
      });
    });
  }

  /** Sends `text` as it is. */
  write(text: string): void {
    this.#socket.write(text);
  }

  /** Waits for a line matching `pattern` and returns it. */
  async waitForLine(pattern: RegExp, timeoutMs = 5000): Promise<string> {
    await this.#waitFor(
      () => this.lines.some((line) => pattern.test(line)),
      `${pattern}`,
      timeoutMs,
    );
    return this.lines.find((line) => pattern.test(line))!;
  }

  /** Waits until the peer has closed the connection. */
  async waitForEnd(timeoutMs = 5000): Promise<void> {
    await this.#waitFor(() => this.ended, "the close", timeoutMs);
  }

  /** Closes this side and waits until the socket is gone. */
  async close(): Promise<void> {
    this.#socket.destroy();
    await this.#closed;
  }

  #wake(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }

  async #waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`Timed out waiting for ${what}; lines: ${JSON.stringify(this.lines)}`));
      }, timeoutMs);
    });
    try {
      while (!condition()) await Promise.race([this.#changed.promise, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }
}
