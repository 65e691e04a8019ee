import assert from "node:assert/strict";
import { FakeClock } from "../../../server/clock.ts";
import { RateLimiter } from "../../../server/net/rate_limit.ts";
import { TcpListener } from "../../../server/net/tcp_listener.ts";
import { createHarness } from "../../_support/harness.ts";

const UTF8 = new TextEncoder();

/** Reads from `connection` until `text` has arrived (or the peer closed). */
async function readUntil(connection: Deno.TcpConn, text: string): Promise<string> {
  let received = "";
  const buffer = new Uint8Array(4096);
  const timer = setTimeout(() => connection.close(), 5000);
  try {
    while (!received.includes(text)) {
      const count = await connection.read(buffer);
      if (count === null) break;
      received += new TextDecoder().decode(buffer.subarray(0, count));
    }
  } finally {
    clearTimeout(timer);
  }
  return received;
}

Deno.test("TcpListener serves at most maxPerIp connections from one IP", async () => {
  const harness = await createHarness();
  const listener = new TcpListener({ hostname: "127.0.0.1", port: 0, maxPerIp: 3 });
  listener.serve(harness.dispatcher);
  const open: Deno.TcpConn[] = [];
  try {
    for (let index = 0; index < 3; index++) {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
      open.push(connection);
      await connection.write(UTF8.encode(`PING ${index}\n`));
      assert.match(await readUntil(connection, "\n"), new RegExp(`^PONG ${index}`));
    }
    const fourth = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
    assert.equal(
      (await readUntil(fourth, "\n")).trim(),
      "DENIED 0 Too many connections from your address: try again later",
    );
    assert.equal(await fourth.read(new Uint8Array(16)), null, "and closed");
    fourth.close();
    open.shift()!.close();
    // Once one closes, the next is served (the server notices the close first: retry briefly).
    let reply = "";
    for (let attempt = 0; attempt < 50 && !reply.startsWith("PONG"); attempt++) {
      const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
      await connection.write(UTF8.encode("PING 9\n")).catch(() => 0);
      reply = await readUntil(connection, "\n").catch(() => "");
      if (reply.startsWith("PONG")) open.push(connection);
      else connection.close();
    }
    assert.match(reply, /^PONG 9/);
  } finally {
    for (const connection of open) connection.close();
    await listener.close();
  }
});

Deno.test("TcpListener counts each line against --rate-limit of its IP", async () => {
  const harness = await createHarness();
  const clock = new FakeClock();
  const listener = new TcpListener({
    hostname: "127.0.0.1",
    port: 0,
    rateLimiter: new RateLimiter(2),
    clock,
  });
  listener.serve(harness.dispatcher);
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: listener.address.port });
  try {
    await connection.write(UTF8.encode("PING 1\nPING 2\nPING 3\nPING 4\n"));
    const text = await readUntil(connection, "Rate limit");
    assert.deepEqual(text.trim().split("\n"), [
      "PONG 1",
      "PONG 2",
      "DENIED 0 Rate limit exceeded: slow down",
    ]);
  } finally {
    connection.close();
    await listener.close();
  }
});
