/**
 * A test peer's TCP listener, playing a buyer or a seller at the close of an auction: it
 * accepts the server's connections, records every line, can answer each line, closes its side
 * when the server closes, and waits for a line or for that close, with a deadline (never a
 * fixed sleep).
 * @module
 */

const UTF8 = new TextEncoder();

/** A TCP listener on 127.0.0.1 that records what the server sends it. */
export class TcpPeer {
  readonly listener: Deno.TcpListener;
  /** Every line received, over all connections, in order. */
  readonly lines: string[] = [];
  /** Connections the server opened, in order. */
  readonly connections: Deno.TcpConn[] = [];
  /** How many connections the server closed (EOF seen). */
  eofCount = 0;
  /** Called for each line; may answer on the connection it came on. */
  onLine: ((line: string, reply: (text: string) => Promise<void>) => void) | null = null;
  readonly #tasks: Promise<void>[] = [];
  #changed = Promise.withResolvers<void>();
  #closed = false;

  constructor(hostname = "127.0.0.1") {
    this.listener = Deno.listen({ hostname, port: 0 });
    this.#tasks.push(this.#acceptLoop());
  }

  /** The port to declare as TCP_Port. */
  get port(): number {
    return this.listener.addr.port;
  }

  /** Waits for a line matching `pattern`; returns it. */
  async waitForLine(pattern: RegExp, timeoutMs = 8000): Promise<string> {
    await this.#waitFor(
      () => this.lines.some((line) => pattern.test(line)),
      `${pattern}`,
      timeoutMs,
    );
    return this.lines.find((line) => pattern.test(line))!;
  }

  /** Waits until the server has closed `count` connections. */
  async waitForEof(count = 1, timeoutMs = 8000): Promise<void> {
    await this.#waitFor(() => this.eofCount >= count, `${count} closed connection(s)`, timeoutMs);
  }

  /** Sends raw text on the latest connection. */
  async write(text: string | Uint8Array): Promise<void> {
    const connection = this.connections.at(-1);
    if (!connection) throw new Error("No connection from the server yet");
    const bytes = typeof text === "string" ? UTF8.encode(text) : text;
    for (let written = 0; written < bytes.length;) {
      written += await connection.write(bytes.subarray(written));
    }
  }

  /** Closes the listener and every connection; waits for the loops to end. */
  async close(): Promise<void> {
    this.#closed = true;
    this.listener.close();
    for (const connection of this.connections) {
      try {
        connection.close();
      } catch {
        // Already closed.
      }
    }
    await Promise.allSettled(this.#tasks);
  }

  async #waitFor(condition: () => boolean, what: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        throw new Error(`Timed out waiting for ${what}; got ${JSON.stringify(this.lines)}`);
      }
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => timer = setTimeout(resolve, remaining)),
      ]);
      clearTimeout(timer);
    }
  }

  #notify(): void {
    this.#changed.resolve();
    this.#changed = Promise.withResolvers<void>();
  }

  async #acceptLoop(): Promise<void> {
    while (!this.#closed) {
      let connection: Deno.TcpConn;
      try {
        connection = await this.listener.accept();
      } catch {
        return;
      }
      this.connections.push(connection);
      this.#tasks.push(this.#readLoop(connection));
    }
  }

  async #readLoop(connection: Deno.TcpConn): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let pending = "";
    const reply = async (text: string) => {
      const bytes = UTF8.encode(text);
      for (let written = 0; written < bytes.length;) {
        written += await connection.write(bytes.subarray(written));
      }
    };
    try {
      while (true) {
        const count = await connection.read(buffer);
        if (count === null) break;
        pending += decoder.decode(buffer.subarray(0, count), { stream: true });
        let index;
        while ((index = pending.indexOf("\n")) >= 0) {
          const line = pending.slice(0, index).replace(/\r$/, "");
          pending = pending.slice(index + 1);
          this.lines.push(line);
          this.onLine?.(line, reply);
        }
        this.#notify();
      }
      this.eofCount++;
      connection.close(); // Like a client: the server is done, so close our side too.
      this.#notify();
    } catch {
      // Closed by the test.
    }
  }
}
