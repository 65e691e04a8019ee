import assert from "node:assert/strict";
import type { Dispatcher } from "../../../server/net/dispatcher.ts";
import { UdpTransport } from "../../../server/net/udp.ts";

Deno.test("the UDP transport hands each datagram's bytes, exactly, to a dispatch that reads them at once", async () => {
  const received: string[] = [];
  const both = Promise.withResolvers<void>();
  // The bytes are a view of the transport's one receive buffer, valid while `dispatch` runs:
  // the dispatcher reads them at once (tests/server/net/dispatch_buffer_test.ts).
  const decoder = new TextDecoder();
  const dispatcher = {
    dispatch(bytes: Uint8Array): Promise<void> {
      received.push(decoder.decode(bytes));
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
    // The shorter second datagram shows none of the first one's bytes.
    assert.deepEqual(received, ["PING 1 first and longer", "PING 2"]);
  } finally {
    clearTimeout(timeout);
    client.close();
    await udp.close();
  }
});

/**
 * Microtasks after a datagram is handed over before its request reads the flag: as many as the
 * journal waits (a receive that finds a datagram at once resolves within two of being asked for,
 * and the loop asks after handing the datagram over).
 */
const HOPS = 3;
Deno.test("the UDP transport tells when one client alone waits for its one request in progress", async () => {
  const seen: { line: string; soleClientWaiting: boolean }[] = [];
  const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0 });
  const decoder = new TextDecoder();
  /** Resolves the request whose line starts with the key, when the test says so. */
  const held = new Map<string, PromiseWithResolvers<void>>();
  const arrived = new Map<string, PromiseWithResolvers<void>>();
  const arrival = (line: string) => {
    if (!arrived.has(line)) arrived.set(line, Promise.withResolvers<void>());
    return arrived.get(line)!;
  };
  // A dispatcher that reads the flag when the journal does (some microtasks after the datagram
  // was handed over, once the loop has asked for the next one), then answers.
  const dispatcher = {
    async dispatch(bytes: Uint8Array, sender: { hostname: string; port: number }) {
      const line = decoder.decode(bytes);
      arrival(line).resolve();
      for (let hop = 0; hop < HOPS; hop++) await null;
      seen.push({ line, soleClientWaiting: udp.soleClientWaiting });
      await held.get(line)?.promise;
      udp.send(sender, `re ${line}`);
    },
  } as unknown as Dispatcher;
  udp.serve(dispatcher);
  const to = { transport: "udp" as const, hostname: "127.0.0.1", port: udp.address.port };
  const encoder = new TextEncoder();
  const alone = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const other = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const buffer = new Uint8Array(1024);
  /** Sends `line` from `client` and waits for its answer. */
  const request = async (client: Deno.DatagramConn, line: string) => {
    await client.send(encoder.encode(line), to);
    const [reply] = await client.receive(buffer);
    assert.equal(decoder.decode(reply), `re ${line}`);
  };
  const flagOf = (line: string) => seen.find((entry) => entry.line === line)?.soleClientWaiting;
  try {
    // A client that waits for each reply: from its fourth request on, it is alone and waiting.
    for (let i = 1; i <= 6; i++) await request(alone, `a${i}`);
    assert.deepEqual([1, 2, 3, 4, 5, 6].map((i) => flagOf(`a${i}`)), [
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
    // Another client: not alone any more, and the streak starts again.
    await request(other, "b1");
    await request(alone, "a7");
    assert.equal(flagOf("b1"), false);
    assert.equal(flagOf("a7"), false);
    for (let i = 8; i <= 10; i++) await request(alone, `a${i}`);
    assert.equal(flagOf("a10"), true);
    // Another client's datagram already in the socket when the loop asks for the next one (both
    // sent in one turn of this thread, the loop's): the one in progress is not alone.
    await Promise.all([
      alone.send(encoder.encode("a10b"), to),
      other.send(encoder.encode("b2"), to),
    ]);
    assert.equal(decoder.decode((await alone.receive(buffer))[0]), "re a10b");
    assert.equal(decoder.decode((await other.receive(buffer))[0]), "re b2");
    assert.equal(flagOf("a10b"), false);
    for (let i = 1; i <= 4; i++) await request(alone, `c${i}`);
    assert.equal(flagOf("c4"), true);
    // A request sent before the last one was answered: not waiting for its replies.
    held.set("a11", Promise.withResolvers<void>());
    await alone.send(encoder.encode("a11"), to);
    await arrival("a11").promise;
    await alone.send(encoder.encode("a12"), to);
    await arrival("a12").promise;
    held.get("a11")!.resolve();
    const replies = new Set<string>();
    while (replies.size < 2) replies.add(decoder.decode((await alone.receive(buffer))[0]));
    assert.deepEqual([...replies].sort(), ["re a11", "re a12"]);
    assert.equal(flagOf("a12"), false);
    await request(alone, "a13");
    assert.equal(flagOf("a13"), false, "the streak starts again after a pipelined request");
  } finally {
    alone.close();
    other.close();
    await udp.close();
  }
});
