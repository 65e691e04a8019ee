import assert from "node:assert/strict";
import { startServer } from "../../../server/server.ts";
import { SseClient } from "../../_support/sse_client.ts";
import { UdpPeer } from "../../_support/udp_peer.ts";
import { waitUntil } from "../../_support/wait.ts";

const DESCRIPTION = "A long description that makes every event bigger ".repeat(4).slice(0, 200);

Deno.test("a stalled event-stream client does not delay bids, and is dropped", async () => {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    httpPort: 0,
    dataDir: null,
    config: { durationUnit: "s", announceIntervalSeconds: 0 },
    board: { maxBufferedBytes: 16_384 },
  });
  const http = server.http!;
  const hub = http.board!.hub;
  const stalled = await Deno.connect({ hostname: "127.0.0.1", port: http.port });
  const peers: UdpPeer[] = [];
  let healthy: SseClient | undefined;
  try {
    // A client that asks for the stream and then never reads a byte.
    await stalled.write(new TextEncoder().encode("GET /events HTTP/1.1\r\nHost: board\r\n\r\n"));
    healthy = await SseClient.connect(`http://127.0.0.1:${http.port}/events`);
    const seller = new UdpPeer({ port: server.udpAddress.port });
    peers.push(seller);
    await seller.request("REGISTER 1 jas seller 127.0.0.1 1 1");
    await seller.request(`LIST_ITEM 2 Kite "${DESCRIPTION}" 1 600`);
    // Waits on the event loop: the stalled client may join after the healthy one has events.
    await waitUntil(() => hub.clients >= 2, "both stream clients");

    const buyers = Array.from({ length: 8 }, () => new UdpPeer({ port: server.udpAddress.port }));
    peers.push(...buyers);
    await Promise.all(
      buyers.map((buyer, index) => buyer.request(`REGISTER 1 b${index} buyer 127.0.0.1 1 1`)),
    );
    let cents = 200;
    let slowestMs = 0;
    let bids = 0;
    const deadline = Date.now() + 60_000;
    // Bid until the stalled client is dropped; the healthy one stays.
    while (hub.clients > 1) {
      assert.ok(
        Date.now() < deadline,
        `still ${hub.clients} clients after ${bids} bids`,
      );
      await Promise.all(buyers.map(async (buyer) => {
        const amount = (cents++ / 100).toFixed(2);
        const startMs = performance.now();
        const reply = await buyer.request(`BID ${1000 + bids} Kite ${amount}`);
        slowestMs = Math.max(slowestMs, performance.now() - startMs);
        if (reply.type === "BID_ACCEPTED") bids++;
        buyer.received.length = 0;
      }));
    }
    assert.ok(bids > 0);
    assert.ok(slowestMs < 1000, `a bid took ${slowestMs.toFixed(0)} ms`);
    // The healthy client saw the last accepted bid.
    const last = (cents - 1) / 100;
    await healthy.waitFor((event) =>
      event.type === "bid" && Number(event.data.price) >= last - 0.08
    );
    const metrics = await (await fetch(`http://127.0.0.1:${http.port}/metrics`)).text();
    assert.match(metrics, /^auction_board_stream_dropped_total 1$/m);
  } finally {
    stalled.close();
    await healthy?.close();
    for (const peer of peers) await peer.close();
    await server.close();
  }
});
