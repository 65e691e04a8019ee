/**
 * A misbehaving winner's TCP listener, for the isolation test of sales: it accepts the server's
 * connection and then never answers, trickles bytes one at a time, floods megabytes without a
 * newline, or resets the connection. It records the lines it reads and how the connection ended.
 * @module
 */

/** How a {@linkcode BadPeer} misbehaves once the server has connected. */
export type Misbehaviour = "silent" | "trickle" | "flood" | "reset";

/** Bytes a flooding peer tries to send: far more than any buffer between it and the server. */
export const FLOOD_BYTES = 64 * 1024 * 1024;

/** A TCP listener on 127.0.0.1 that misbehaves on the first connection it accepts. */
export class BadPeer {
  readonly listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  /** Lines the server sent. */
  readonly lines: string[] = [];
  /** Bytes the flood managed to hand to the socket before it failed. */
  floodWritten = 0;
  /** Why the flood stopped early (the server cut the connection), if it did. */
  floodError: Error | null = null;
  /** Whether the server closed its side (EOF seen). */
  eof = false;
  #connection: Deno.TcpConn | null = null;
  #trickle: ReturnType<typeof setInterval> | undefined;
  readonly #tasks: Promise<void>[] = [];

  constructor(readonly behaviour: Misbehaviour) {
    this.#tasks.push(this.#accept());
  }

  /** The port to declare as TCP_Port. */
  get port(): number {
    return this.listener.addr.port;
  }

  /** Closes everything and waits for the loops. */
  async close(): Promise<void> {
    clearInterval(this.#trickle);
    try {
      this.listener.close();
    } catch {
      // Closed already.
    }
    this.#closeConnection();
    await Promise.allSettled(this.#tasks);
  }

  async #accept(): Promise<void> {
    let connection: Deno.TcpConn;
    try {
      connection = await this.listener.accept();
    } catch {
      return;
    }
    this.#connection = connection;
    if (this.behaviour === "reset") {
      // Read one byte so the server's lines have arrived, then close with the rest unread: the
      // kernel answers with RST instead of FIN.
      await connection.read(new Uint8Array(1)).catch(() => null);
      this.#closeConnection();
      return;
    }
    this.#tasks.push(this.#readLines(connection));
    if (this.behaviour === "trickle") {
      const bytes = new TextEncoder().encode("INFORM_Res 1 Slow Poke 4111111111111111 12/30 x");
      let index = 0;
      this.#trickle = setInterval(() => {
        connection.write(bytes.subarray(index % bytes.length, index % bytes.length + 1))
          .catch(() => clearInterval(this.#trickle));
        index++;
      }, 100);
    }
    if (this.behaviour === "flood") this.#tasks.push(this.#flood(connection));
  }

  async #flood(connection: Deno.TcpConn): Promise<void> {
    const chunk = new Uint8Array(64 * 1024).fill(0x39); // "9", never a newline.
    try {
      while (this.floodWritten < FLOOD_BYTES) {
        this.floodWritten += await connection.write(chunk);
      }
    } catch (error) {
      this.floodError = error instanceof Error ? error : new Error(String(error));
    }
  }

  async #readLines(connection: Deno.TcpConn): Promise<void> {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(4096);
    let pending = "";
    try {
      while (true) {
        const count = await connection.read(buffer);
        if (count === null) break;
        pending += decoder.decode(buffer.subarray(0, count), { stream: true });
        const parts = pending.split("\n");
        pending = parts.pop()!;
        this.lines.push(...parts);
      }
      this.eof = true;
    } catch {
      // Reset by the server, or closed by the test.
    }
  }

  #closeConnection(): void {
    try {
      this.#connection?.close();
    } catch {
      // Closed already.
    }
  }
}
