import assert from "node:assert/strict";
import { startServerProcess } from "../_support/server_process.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const ARGS = ["--duration-unit", "seconds", "--announce-interval", "0"];
const DURATION_MS = 8000;

Deno.test("a restarted server keeps the price and end time, and still closes on time", async () => {
  const first = await startServerProcess({ args: ARGS });
  let second: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  const peers: UdpPeer[] = [];
  const peerOf = (port: number) => {
    const peer = new UdpPeer({ port });
    peers.push(peer);
    return peer;
  };
  try {
    const sam = peerOf(first.udpPort);
    const ann = peerOf(first.udpPort);
    assert.equal((await sam.request("REGISTER 1 sam seller 127.0.0.1 1 1")).type, "REGISTERED");
    // Ann has a password, so she can LOGIN again after the restart; her requests carry her key.
    const annRegistered = await ann.request("REGISTER 1 ann buyer 127.0.0.1 1 1 pw-ann");
    assert.equal(annRegistered.type, "REGISTERED");
    const annKey = `key=${(annRegistered as { key?: string }).key}`;
    const listSentAtMs = Date.now();
    assert.equal((await sam.request("LIST_ITEM 2 Kite kite 20 8")).type, "ITEM_LISTED");
    const listedAtMs = Date.now();
    assert.equal((await ann.request(`SUBSCRIBE 2 Kite ${annKey}`)).type, "SUBSCRIBED");
    assert.equal((await ann.request(`BID 3 Kite 25 ${annKey}`)).type, "BID_ACCEPTED");
    const status = await first.stop();
    assert.equal(status.code, 0, first.output());

    second = await startServerProcess({ dataDir: first.dataDir, args: ARGS });
    const annAgain = peerOf(second.udpPort);
    const ben = peerOf(second.udpPort);
    assert.equal((await annAgain.request("LOGIN 4 ann pw-ann")).type, "LOGIN_SUCCESS");
    assert.equal((await ben.request("REGISTER 1 ben buyer 127.0.0.1 1 1")).type, "REGISTERED");
    assert.deepEqual(await ben.request("BID 2 Kite 25"), {
      type: "BID_REJECTED",
      rq: 2,
      reason: "Bid too low: current price is 25.00",
    });
    const askedAtMs = Date.now();
    assert.equal((await ben.request("SUBSCRIBE 3 Kite")).type, "SUBSCRIBED");
    const announce = await ben.waitForType("AUCTION_ANNOUNCE", { item: "Kite" });
    const answeredAtMs = Date.now();
    assert.equal(announce.currentPrice, 2500);
    const earliestEndMs = listSentAtMs + DURATION_MS;
    const latestEndMs = listedAtMs + DURATION_MS;
    assert.ok(
      announce.timeLeft >= Math.ceil((earliestEndMs - answeredAtMs) / 1000) &&
        announce.timeLeft <= Math.ceil((latestEndMs - askedAtMs) / 1000),
      `Time_Left ${announce.timeLeft} does not match the original end time`,
    );

    const closing = await annAgain.waitFor(
      (m) => m.type === "AUCTION_ANNOUNCE" && m.item === "Kite" && m.timeLeft === 0,
      { timeoutMs: latestEndMs - Date.now() + 3000 },
    );
    const closedSeenAtMs = Date.now();
    assert.equal((closing as { currentPrice: number }).currentPrice, 2500);
    assert.ok(closedSeenAtMs >= earliestEndMs, "closed before its end time");
    assert.ok(closedSeenAtMs <= latestEndMs + 1500, "closed late");
    await ben.waitFor((m) => m.type === "AUCTION_ANNOUNCE" && m.timeLeft === 0);
  } finally {
    await Promise.all(peers.map((peer) => peer.close()));
    await first.stop();
    await second?.stop();
    await Deno.remove(first.dataDir, { recursive: true });
  }
});
