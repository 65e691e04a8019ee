import assert from "node:assert/strict";
import { TcpListener } from "../../../server/net/tcp_listener.ts";
import { createHarness } from "../../_support/harness.ts";
import { waitUntil } from "../../_support/wait.ts";
import { FakeClock } from "../../../server/clock.ts";

const UTF8 = new TextEncoder();

/** A TcpListener serving the harness's dispatcher on a free port. */
async function withListener(
  options: { idleTimeoutMs?: number; maxConnections?: number },
  test: (port: number) => Promise<void>,
): Promise<void> {
  const harness = await createHarness();
  const listener = new TcpListener({ hostname: "127.0.0.1", port: 0, ...options });
  listener.serve(harness.dispatcher);
  try {
    await test(listener.address.port);
  } finally {
    await listener.close();
  }
}

/** Everything the server sends until it closes, within `timeoutMs`. */
async function readUntilClosed(connection: Deno.TcpConn, timeoutMs = 3000): Promise<string> {
  let text = "";
  const buffer = new Uint8Array(4096);
  const timer = setTimeout(() => connection.close(), timeoutMs);
  try {
    while (true) {
      const count = await connection.read(buffer);
      if (count === null) break;
      text += new TextDecoder().decode(buffer.subarray(0, count));
    }
  } catch (error) {
    throw new Error(`The server did not close within ${timeoutMs} ms: ${error}; got ${text}`);
  } finally {
    clearTimeout(timer);
  }
  connection.close();
  return text;
}

Deno.test("TcpListener answers requests, and DENIED to what the protocol does not allow there", async () => {
  await withListener({}, async (port) => {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    await connection.write(UTF8.encode("REGISTER 1 ann buyer 127.0.0.1 7000 7001\r\n"));
    await connection.write(UTF8.encode("INFORM_Res 2 ann 4111111111111111 12/30 1 Main St\n"));
    await connection.write(UTF8.encode("HELLO 3\n"));
    await connection.closeWrite();
    assert.deepEqual((await readUntilClosed(connection)).trim().split("\n"), [
      "DENIED 1 Requests go over UDP",
      "DENIED 2 INFORM_Res is not a request the server takes here",
      'DENIED 3 Unknown message "HELLO"',
    ]);
  });
});

Deno.test("TcpListener refuses a line past 4 KiB and closes the connection", async () => {
  await withListener({}, async (port) => {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    await connection.write(new Uint8Array(5000).fill(65));
    assert.equal(await readUntilClosed(connection), "DENIED 0 Line too long: at most 4096 bytes\n");
  });
});

Deno.test("TcpListener closes a peer that trickles bytes without completing a line", async () => {
  await withListener({ idleTimeoutMs: 150 }, async (port) => {
    const connection = await Deno.connect({ hostname: "127.0.0.1", port });
    let trickling = true;
    const trickle = (async () => {
      while (trickling) {
        await connection.write(UTF8.encode("R")).catch(() => (trickling = false));
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const startedMs = Date.now();
    await readUntilClosed(connection, 3000);
    trickling = false;
    await trickle;
    assert.ok(Date.now() - startedMs < 2000, "closed at the idle deadline, not kept alive");
  });
});

Deno.test("TcpListener answers DENIED past its connection limit", async () => {
  await withListener({ maxConnections: 1 }, async (port) => {
    const first = await Deno.connect({ hostname: "127.0.0.1", port });
    await first.write(UTF8.encode("HELLO 1\n"));
    const reply = new Uint8Array(100);
    assert.ok((await first.read(reply))! > 0, "the first connection is served");
    const second = await Deno.connect({ hostname: "127.0.0.1", port });
    assert.equal(
      await readUntilClosed(second),
      "DENIED 0 Too many connections: try again later\n",
    );
    first.close();
  });
});

Deno.test("TcpListener times a quiet connection out on its injected clock", async () => {
  const harness = await createHarness();
  const clock = new FakeClock();
  const listener = new TcpListener({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeoutMs: 60_000,
    clock,
  });
  listener.serve(harness.dispatcher);
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
  try {
    await waitUntil(() => clock.pendingTimers > 0, "the idle timer");
    clock.advance(60_000);
    assert.equal(await readUntilClosed(connection), "", "closed with nothing said");
  } finally {
    await listener.close();
  }
});
