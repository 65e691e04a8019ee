import assert from "node:assert/strict";
import { SendBuffers } from "../../../server/net/send_buffers.ts";
import { UdpTransport } from "../../../server/net/udp.ts";
import { Random } from "../../_support/random.ts";
import { pure } from "../../_support/pure.ts";

const UTF8 = new TextEncoder();

Deno.test("SendBuffers encodes any line exactly as TextEncoder does", pure, () => {
  const buffers = new SendBuffers({ size: 64, max: 4 });
  const random = new Random(55);
  const alphabet = [..."abcXYZ019 .=-", "é", "ß", "名", "😀", "\u0000", "\u007f", "\u0080"];
  for (let run = 0; run < 2000; run++) {
    const line = random.string(alphabet, 0, random.chance(0.1) ? 80 : 30);
    const { bytes, lent } = buffers.encode(line);
    assert.deepEqual([...bytes], [...UTF8.encode(line)], JSON.stringify(line));
    if (lent) buffers.giveBack(lent);
  }
  assert.equal(buffers.lent, 0);
});

Deno.test("SendBuffers lends each buffer to one line at a time, at most max at once", pure, () => {
  const buffers = new SendBuffers({ size: 16, max: 2 });
  const first = buffers.encode("BID_ACCEPTED 1");
  const second = buffers.encode("BID_ACCEPTED 2");
  const third = buffers.encode("BID_ACCEPTED 3");
  assert.ok(first.lent && second.lent && first.lent !== second.lent);
  assert.equal(third.lent, null, "past max, a line gets a buffer of its own");
  assert.equal(buffers.lent, 2);
  // Each line's bytes stay as they were while its buffer is lent.
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  assert.deepEqual([first, second, third].map(({ bytes }) => text(bytes)), [
    "BID_ACCEPTED 1",
    "BID_ACCEPTED 2",
    "BID_ACCEPTED 3",
  ]);
  buffers.giveBack(first.lent);
  const fourth = buffers.encode("PONG 4");
  assert.equal(fourth.lent, first.lent, "a buffer given back is lent again");
  assert.equal(text(second.bytes), "BID_ACCEPTED 2");
  // A line longer than a buffer, or one whose UTF-8 outgrows it, is encoded the usual way.
  assert.equal(buffers.encode("x".repeat(17)).lent, null);
  buffers.giveBack(fourth.lent!);
  const wide = buffers.encode("名".repeat(6));
  assert.equal(wide.lent, null);
  assert.equal(text(wide.bytes), "名".repeat(6));
  assert.equal(buffers.lent, 1, "a buffer the line did not fit is not kept lent");
});

Deno.test("the UDP transport sends many datagrams at once, each with its own bytes", async () => {
  const udp = new UdpTransport({ hostname: "127.0.0.1", port: 0 });
  const client = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const to = { hostname: "127.0.0.1", port: (client.addr as Deno.NetAddr).port };
  try {
    // More than the transport lends buffers for (64): both ways of encoding are used, all queued
    // before any send has finished.
    const lines = Array.from({ length: 200 }, (_, i) => `BID_UPDATE ${i} item${i} ${i}.00 bea 9`);
    for (const line of lines) assert.ok(udp.send(to, line));
    // One datagram per send (200 small ones fit the socket's default buffer): a buffer reused
    // too soon shows as a line twice and another missing.
    const received: string[] = [];
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(2048);
    while (received.length < lines.length) {
      received.push(decoder.decode((await client.receive(buffer))[0]));
    }
    assert.deepEqual(received.sort(), [...lines].sort());
  } finally {
    client.close();
    await udp.close();
  }
});
