import assert from "node:assert/strict";
import type { Message } from "../../protocol/mod.ts";
import { startServer } from "../../server/server.ts";
import { UdpPeer } from "../_support/udp_peer.ts";

const line = (message: Message) => JSON.stringify(message);

Deno.test("a whole auction over UDP: one seller, three buyers, bids, negotiation, close", async () => {
  const server = await startServer({
    hostname: "127.0.0.1",
    udpPort: 0,
    tcpPort: 0,
    dataDir: null,
    config: { durationUnit: "s", announceIntervalSeconds: 1 },
  });
  const jas = new UdpPeer(server.udpAddress);
  const scott = new UdpPeer(server.udpAddress);
  const zahed = new UdpPeer(server.udpAddress);
  const zack = new UdpPeer(server.udpAddress);
  try {
    for (
      const [peer, name, role] of [
        [jas, "Jas", "seller"],
        [scott, "Scott", "buyer"],
        [zahed, "Zahed", "buyer"],
        [zack, "zack", "buyer"],
      ] as const
    ) {
      const reply = await peer.request(`REGISTER 1 ${name} ${role} 127.0.0.1 ${peer.port} 9`);
      assert.equal(reply.type, "REGISTERED", line(reply));
    }

    // LIST_ITEM: valid, then a duplicate name and a name that is not the sender's.
    const kiteListedAtMs = Date.now();
    assert.equal((await jas.request("LIST_ITEM 5 Kite it_can_fly 20 5 Jas")).type, "ITEM_LISTED");
    assert.equal((await jas.request("LIST_ITEM 2 food hungry 34 3 jas")).type, "ITEM_LISTED");
    const duplicate = await jas.request("LIST_ITEM 3 food food 4 3");
    assert.equal(duplicate.type, "LIST-DENIED");
    assert.match((duplicate as { reason: string }).reason, /already in an open auction/);
    const otherName = await jas.request("LIST_ITEM 4 pen pen 4 3 jame");
    assert.equal(otherName.type, "LIST-DENIED");

    // SUBSCRIBE: SUBSCRIBED then AUCTION_ANNOUNCE; an unknown item is denied.
    const zackFrom = zack.received.length;
    assert.equal((await zack.request("SUBSCRIBE 6 food zack")).type, "SUBSCRIBED");
    const foodAnnounce = await zack.waitForType("AUCTION_ANNOUNCE", {
      item: "food",
      from: zackFrom,
    });
    assert.equal(foodAnnounce.description, "hungry");
    assert.equal(foodAnnounce.currentPrice, 3400);
    assert.deepEqual(await zack.request("SUBSCRIBE 8 pen zack"), {
      type: "SUBSCRIPTION-DENIED",
      rq: 8,
      reason: "Item not found",
    });
    assert.equal((await zahed.request("SUBSCRIBE 5 Kite")).type, "SUBSCRIBED");
    assert.equal((await scott.request("SUBSCRIBE 2 Kite Scott")).type, "SUBSCRIBED");
    const kiteAnnounce = await scott.waitForType("AUCTION_ANNOUNCE", { item: "Kite" });
    assert.equal(kiteAnnounce.currentPrice, 2000);
    assert.ok(kiteAnnounce.timeLeft >= 1 && kiteAnnounce.timeLeft <= 5, line(kiteAnnounce));

    // BID: too low, accepted (BID_UPDATE to subscribers and seller), too low again, accepted.
    assert.deepEqual(await scott.request("BID 3 Kite 15"), {
      type: "BID_REJECTED",
      rq: 3,
      reason: "Bid too low: current price is 20.00",
    });
    assert.equal((await scott.request("BID 4 Kite 25")).type, "BID_ACCEPTED");
    for (const peer of [scott, zahed, jas]) {
      const update = await peer.waitFor((m) => m.type === "BID_UPDATE" && m.highestBid === 2500);
      assert.equal((update as { bidder: string }).bidder, "Scott");
    }
    assert.deepEqual(await zahed.request("BID 6 Kite 22"), {
      type: "BID_REJECTED",
      rq: 6,
      reason: "Bid too low: current price is 25.00",
    });
    assert.equal((await zahed.request("BID 7 Kite 30")).type, "BID_ACCEPTED");
    for (const peer of [scott, zahed, jas]) {
      await peer.waitFor((m) => m.type === "BID_UPDATE" && m.highestBid === 3000);
    }
    assert.ok(!zack.received.some((m) => m.type === "BID_UPDATE"), "zack follows food only");

    // Negotiation: no bid on food at half time, the seller lowers the price.
    const negotiate = await jas.waitForType("NEGOTIATE_REQ", { item: "food", timeoutMs: 4000 });
    assert.equal(negotiate.currentPrice, 3400);
    await jas.send("ACCEPT 9 food 30");
    const adjustment = await zack.waitForType("PRICE_ADJUSTMENT", { item: "food" });
    assert.equal(adjustment.newPrice, 3000);
    await jas.waitForType("PRICE_ADJUSTMENT", { item: "food" });

    // Announcements while open, then a last one with Time_Left 0 at the close.
    const periodic = await zahed.waitFor(
      (m) => m.type === "AUCTION_ANNOUNCE" && m.timeLeft > 0 && m.currentPrice === 3000,
      { timeoutMs: 3000 },
    );
    assert.equal((periodic as { item: string }).item, "Kite");
    const foodClosed = await zack.waitFor(
      (m) => m.type === "AUCTION_ANNOUNCE" && m.item === "food" && m.timeLeft === 0,
      { timeoutMs: 4000 },
    );
    assert.equal((foodClosed as { currentPrice: number }).currentPrice, 3000);
    for (const peer of [scott, zahed]) {
      await peer.waitFor(
        (m) => m.type === "AUCTION_ANNOUNCE" && m.item === "Kite" && m.timeLeft === 0,
        { timeoutMs: 6000 },
      );
    }
    assert.ok(Date.now() >= kiteListedAtMs + 5000 - 50, "Kite did not close early");
    const sales = Object.values(server.core.state.sales);
    assert.deepEqual(
      sales.map((sale) => [sale.itemName, sale.buyerName, sale.finalPriceCents, sale.status]),
      [["Kite", "Zahed", 3000, "pending"], ["food", undefined, 0, "no_offer"]],
    );
  } finally {
    await Promise.all([jas.close(), scott.close(), zahed.close(), zack.close()]);
    await server.close();
  }
});
