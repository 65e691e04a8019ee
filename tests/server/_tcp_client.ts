/**
 * A line-reading TCP client for socket tests: reads replies with a deadline, never a sleep.
 * @module
 */

const UTF8 = new TextEncoder();

/** A TCP connection to the server that reads lines. */
export class TcpLineClient {
  readonly #connection: Deno.TcpConn;
  readonly #decoder = new TextDecoder();
  #text = "";
  #ended = false;

  private constructor(connection: Deno.TcpConn) {
    this.#connection = connection;
  }

  /** Connects to `port` on 127.0.0.1. */
  static async connect(port: number): Promise<TcpLineClient> {
    return new TcpLineClient(await Deno.connect({ hostname: "127.0.0.1", port }));
  }

  /** Writes raw text or bytes. */
  async write(data: string | Uint8Array): Promise<void> {
    let bytes = typeof data === "string" ? UTF8.encode(data) : data;
    while (bytes.length > 0) bytes = bytes.subarray(await this.#connection.write(bytes));
  }

  /** Closes the writing side: the server sees the end of the stream. */
  async closeWrite(): Promise<void> {
    await this.#connection.closeWrite();
  }

  /** The next line (without its newline), or `null` when the server closed first. */
  async readLine(timeoutMs = 5000): Promise<string | null> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#text.includes("\n")) {
      if (this.#ended) return null;
      await this.#fill(deadline);
    }
    const index = this.#text.indexOf("\n");
    const line = this.#text.slice(0, index);
    this.#text = this.#text.slice(index + 1);
    return line;
  }

  /** Resolves once the server has closed the connection (anything unread is discarded). */
  async waitForClose(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ended) await this.#fill(deadline);
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#connection.close();
    } catch {
      // Already closed.
    }
  }

  async #fill(deadline: number): Promise<void> {
    const buffer = new Uint8Array(4096);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`Timed out; received so far: ${JSON.stringify(this.#text)}`)),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      const count = await Promise.race([this.#connection.read(buffer), timeout]);
      if (count === null) this.#ended = true;
      else this.#text += this.#decoder.decode(buffer.subarray(0, count), { stream: true });
    } catch (error) {
      if (error instanceof Deno.errors.ConnectionReset) this.#ended = true;
      else throw error;
    } finally {
      clearTimeout(timer);
    }
  }
}
