import assert from "node:assert/strict";
import { type LineChannel, ReadTimeoutError } from "../../../server/sale/line_channel.ts";
import { TcpConnector } from "../../../server/sale/peer_connection.ts";

const LOCAL = "127.0.0.1";
const UTF8 = new TextEncoder();

/**
 * A listener that accepts one connection: the test gets the peer's end and the channel that
 * {@linkcode TcpConnector} dialed to it.
 */
async function withPeer(
  test: (peer: Deno.TcpConn, channel: LineChannel) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: LOCAL, port: 0 });
  const accepted = listener.accept();
  const channel = await new TcpConnector().connect({ hostname: LOCAL, port: listener.addr.port });
  const peer = await accepted;
  try {
    await test(peer, channel);
  } finally {
    channel.close();
    try {
      peer.close();
    } catch {
      // Closed by the test.
    }
    listener.close();
  }
}

async function readAll(connection: Deno.TcpConn): Promise<string> {
  const chunks: Uint8Array[] = [];
  const buffer = new Uint8Array(4096);
  while (true) {
    const count = await connection.read(buffer).catch(() => null);
    if (count === null) break;
    chunks.push(buffer.slice(0, count));
  }
  return new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes());
}

Deno.test("TcpLineChannel reads lines ending in \\n or \\r\\n, and a last line at close", async () => {
  await withPeer(async (peer, channel) => {
    await peer.write(UTF8.encode("first\r\nsec"));
    await peer.write(UTF8.encode("ond\nlast"));
    await peer.closeWrite();
    const signal = new AbortController().signal;
    assert.equal(await channel.readLine(signal), "first");
    assert.equal(await channel.readLine(signal), "second");
    assert.equal(await channel.readLine(signal), "last");
    assert.equal(await channel.readLine(signal), null);
  });
});

Deno.test("TcpLineChannel writes whole lines", async () => {
  await withPeer(async (peer, channel) => {
    const long = "x".repeat(100_000);
    const received = readAll(peer);
    await channel.send("WINNER 1 Kite 25.00 sam");
    await channel.send(long);
    channel.close();
    assert.equal(await received, `WINNER 1 Kite 25.00 sam\n${long}\n`);
  });
});

Deno.test("TcpLineChannel refuses a line past 4 KiB, however much more comes", async () => {
  await withPeer(async (peer, channel) => {
    const flood = peer.write(new Uint8Array(1024 * 1024).fill(65)).catch(() => 0);
    await assert.rejects(
      channel.readLine(new AbortController().signal),
      /Line too long: at most 4096 bytes/,
    );
    channel.close();
    await flood;
  });
});

Deno.test("TcpLineChannel times out a peer that trickles bytes without a newline", async () => {
  await withPeer(async (peer, channel) => {
    const deadline = new AbortController();
    let trickling = true;
    const trickle = (async () => {
      while (trickling) {
        await peer.write(UTF8.encode("7")).catch(() => (trickling = false));
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    const reading = channel.readLine(deadline.signal);
    setTimeout(() => deadline.abort(), 100);
    await assert.rejects(reading, ReadTimeoutError);
    trickling = false;
    await trickle;
  });
});

Deno.test("TcpLineChannel.finish() ends when the peer closes, or after the grace", async (t) => {
  await t.step("the peer closes at once", async () => {
    await withPeer(async (peer, channel) => {
      await channel.send("Shipping_Info 9 bea 1 Main Street");
      const finishing = channel.finish(60_000);
      assert.equal(await readAll(peer), "Shipping_Info 9 bea 1 Main Street\n");
      peer.close();
      await finishing;
    });
  });
  await t.step("the peer keeps it open: closed after the grace", async () => {
    await withPeer(async (peer, channel) => {
      const startedMs = Date.now();
      await channel.finish(100);
      assert.ok(Date.now() - startedMs >= 90);
      assert.equal(await readAll(peer), "");
    });
  });
});
