/**
 * The bundled client against the real server through a UDP relay that drops the first copy
 * of each request: every request still gets its reply, by retransmission of the same bytes.
 */
import assert from "node:assert/strict";
import { ClientProcess, ensureBundle } from "../_support/client_process.ts";
import { startServerProcess } from "../_support/server_process.ts";

/** A relay between one client and the server that drops the first copy of each datagram. */
class DroppingRelay {
  readonly socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  readonly upstream = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  /** Every datagram the client sent, in order, and whether it was dropped. */
  readonly fromClient: { line: string; dropped: boolean }[] = [];
  #client?: Deno.NetAddr;
  #loops: Promise<void>[];

  constructor(serverPort: number, forgedReply: string) {
    const server: Deno.NetAddr = { transport: "udp", hostname: "127.0.0.1", port: serverPort };
    this.#loops = [
      this.#forward(this.socket, async (bytes, from) => {
        this.#client = from;
        const line = new TextDecoder().decode(bytes);
        const dropped = !this.fromClient.some((entry) => entry.line === line);
        this.fromClient.push({ line, dropped });
        if (dropped) {
          // Instead of the request, the client gets a reply to an RQ# it never sent.
          await this.socket.send(new TextEncoder().encode(forgedReply), from);
          return;
        }
        await this.upstream.send(bytes, server);
      }),
      this.#forward(this.upstream, async (bytes) => {
        if (this.#client) await this.socket.send(bytes, this.#client);
      }),
    ];
  }

  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  async close(): Promise<void> {
    this.socket.close();
    this.upstream.close();
    await Promise.all(this.#loops);
  }

  async #forward(
    socket: Deno.DatagramConn,
    handle: (bytes: Uint8Array, from: Deno.NetAddr) => Promise<void>,
  ): Promise<void> {
    while (true) {
      let datagram;
      try {
        datagram = await socket.receive();
      } catch {
        return; // Closed.
      }
      await handle(datagram[0], datagram[1] as Deno.NetAddr).catch(() => {});
    }
  }
}

Deno.test("the client retransmits each lost request with the same bytes and gets its reply", async () => {
  await ensureBundle();
  const server = await startServerProcess();
  const relay = new DroppingRelay(server.udpPort, "REGISTERED 999999");
  const client = new ClientProcess([
    "--server",
    `127.0.0.1:${relay.port}`,
    "--name",
    "relayed",
    "--role",
    "buyer",
  ]);
  try {
    const startedMs = Date.now();
    await client.send("register", "login");
    const code = await client.end(30_000);
    const elapsedMs = Date.now() - startedMs;

    assert.equal(code, 0, client.stderr);
    const replies = client.records.filter((record) => /^[A-Z]/.test(record.type));
    assert.deepEqual(replies.map((record) => record.type), ["REGISTERED", "LOGIN_SUCCESS"]);
    // Each request went out twice, identical, and the first copy was the one dropped (the
    // PING that checks the server at start too, left aside here).
    const requests = relay.fromClient.filter((entry) => !entry.line.startsWith("PING "));
    const lines = requests.map((entry) => entry.line);
    assert.equal(lines.length, 4);
    assert.equal(lines[0], lines[1]);
    assert.equal(lines[2], lines[3]);
    // REGISTER carries the password the client made up; LOGIN the same one, read back.
    const password = /^REGISTER \d+ relayed buyer 127\.0\.0\.1 \d+ \d+ ([\w-]{24})$/.exec(lines[0]!)
      ?.[1];
    assert.ok(password, lines[0]);
    // The LOGIN carries the key of the session REGISTERED made (the server ignores it there).
    assert.match(lines[2]!, new RegExp(`^LOGIN \\d+ relayed \\d+ ${password} key=[0-9a-f]{32}$`));
    assert.deepEqual(requests.map((entry) => entry.dropped), [true, false, true, false]);
    assert.equal(client.stdout.includes(password), false);
    // The replies carry the RQ# of their request.
    assert.equal(replies[0]!.rq, Number(lines[0]!.split(" ")[1]));
    assert.equal(replies[1]!.rq, Number(lines[2]!.split(" ")[1]));
    // Two waits of 1 to 1.5 s each.
    assert.ok(elapsedMs >= 2000, `took only ${elapsedMs} ms`);
    // The forged reply to an unknown RQ# was logged and ignored, never printed.
    assert.equal(client.records.some((record) => record.rq === 999999), false);
    assert.match(client.stderr, /RQ# this client is not waiting for.*rq=999999/);
  } finally {
    client.kill();
    await relay.close();
    await server.stop();
  }
});
