import assert from "node:assert/strict";
import type { Dispatcher } from "../../../server/net/dispatcher.ts";
import { UdpTransport } from "../../../server/net/udp.ts";

Deno.test("the UDP transport hands each datagram its own bytes, kept intact after the next one arrives", async () => {
  const received: Uint8Array[] = [];
  const both = Promise.withResolvers<void>();
  // A dispatcher that keeps the bytes it was given, as a request waiting for the disk does.
  const dispatcher = {
    dispatch(bytes: Uint8Array): Promise<void> {
      received.push(bytes);
      if (received.length === 2) both.resolve();
      return Promise.resolve();
    },
  } as unknown as Dispatcher;
  const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0 });
  udp.serve(dispatcher);
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const timeout = setTimeout(() => both.reject(new Error("no two datagrams within 5 s")), 5000);
  try {
    const encoder = new TextEncoder();
    const to = { transport: "udp" as const, hostname: "127.0.0.1", port: udp.address.port };
    await client.send(encoder.encode("PING 1 first and longer"), to);
    await client.send(encoder.encode("PING 2"), to);
    await both.promise;
    const decoder = new TextDecoder();
    assert.deepEqual(received.map((bytes) => decoder.decode(bytes)), [
      "PING 1 first and longer",
      "PING 2",
    ]);
    assert.ok(received.every((bytes) => bytes.byteLength === bytes.buffer.byteLength));
  } finally {
    clearTimeout(timeout);
    client.close();
    await udp.close();
  }
});
