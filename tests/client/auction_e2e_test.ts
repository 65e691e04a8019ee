/**
 * A whole auction driven by scripts: a seller and two buyers, each the bundled client as a
 * process in scripted mode, against the real server. The seller lowers the price when asked
 * to negotiate, one buyer bids by hand and the other by autobid, and the sale runs over TCP to
 * Shipping_Info.
 */
import assert from "node:assert/strict";
import { ClientProcess, ensureBundle } from "../_support/client_process.ts";
import { startServerProcess } from "../_support/server_process.ts";

const SELLER_CARD = "5555555555554444";
const BUYER_CARD = "4111111111111111";

Deno.test("a seller and two buyers in scripted mode run an auction, negotiation included, to Shipping_Info", async () => {
  await ensureBundle();
  const server = await startServerProcess({
    args: ["--duration-unit", "seconds", "--announce-interval", "0", "--inform-timeout", "15"],
  });
  const common = ["--server", `127.0.0.1:${server.udpPort}`, "--exp", "12/39"];
  const seller = new ClientProcess([
    ...common,
    ...["--name", "jas", "--role", "seller", "--card", SELLER_CARD],
    ...["--full-name", "Jas Seller", "--address", "9 Shop Road"],
  ]);
  const scott = new ClientProcess([
    ...common,
    ...["--name", "scott", "--role", "buyer", "--card", BUYER_CARD],
    ...["--full-name", "Scott Tiger", "--address", "1 Main St, Springfield"],
  ]);
  const ann = new ClientProcess([...common, "--name", "ann", "--role", "buyer"]);
  const clients = [seller, scott, ann];
  try {
    // The buyers are up and registered before the 8 s auction starts: a process start on a
    // loaded machine can take seconds, and they must subscribe before its half time.
    for (const buyer of [ann, scott]) await buyer.send("register");
    for (const buyer of [ann, scott]) await buyer.waitForType("REGISTERED");
    // Half of 8 s without a bid: the server asks the seller to negotiate; the seller lowers
    // the price to 15.00, which every subscriber hears.
    await seller.send(
      "register",
      'list Kite "Red kite, barely used" 20 8',
      "wait-for NEGOTIATE_REQ Kite 10",
      "accept Kite 15",
      "wait-for SOLD Kite 20",
      "wait-for Shipping_Info Kite 20",
    );
    await seller.waitForType("ITEM_LISTED");
    // Ann autobids up to 20.00, one unit at a time.
    await ann.send(
      "subscribe Kite",
      "wait-for PRICE_ADJUSTMENT Kite 10",
      "autobid Kite 20 1",
      "wait-for AUCTION_ANNOUNCE Kite 5",
      "wait-for AUCTION_ANNOUNCE Kite 30",
    );
    // Scott answers each of Ann's bids, then outbids her maximum.
    await scott.send(
      "subscribe Kite",
      "wait-for PRICE_ADJUSTMENT Kite 10",
      "wait-for BID_UPDATE Kite 10",
      "bid Kite 17",
      "wait-for BID_UPDATE Kite 10",
      "wait-for BID_UPDATE Kite 10",
      "bid Kite 25",
      "wait-for WINNER Kite 20",
      "wait-for INFORM_Req Kite 20",
    );

    const codes = await Promise.all(clients.map((client) => client.end()));
    const outputs = clients.map((client) => `${client.stdout}\n${client.stderr}`).join("\n");
    assert.deepEqual(codes, [0, 0, 0], outputs);

    // Negotiation: the ACCEPT lowered the price for everyone.
    const negotiate = await seller.waitForType("NEGOTIATE_REQ", "Kite");
    assert.equal(negotiate.currentPrice, "20.00");
    for (const client of clients) {
      assert.equal((await client.waitForType("PRICE_ADJUSTMENT", "Kite")).newPrice, "15.00");
    }
    // Ann's autobid: 16.00, then 18.00 after Scott's 17.00, then her maximum is passed.
    const autobids = ann.records.filter((record) => record.type === "autobid");
    assert.deepEqual(
      autobids.map((record) => [record.action, record.amount ?? record.price ?? null]),
      [["started", null], ["bid", "16.00"], ["bid", "18.00"], ["max_reached", "25.00"]],
    );
    const updates = seller.records.filter((record) => record.type === "BID_UPDATE");
    assert.deepEqual(
      updates.map((record) => `${record.highestBid} ${record.bidder}`),
      ["16.00 ann", "17.00 scott", "18.00 ann", "25.00 scott"],
    );
    // The sale: WINNER and SOLD at 25.00, both paid from their profiles, shipping to Scott.
    const winner = await scott.waitForType("WINNER", "Kite");
    assert.deepEqual([winner.finalPrice, winner.seller], ["25.00", "jas"]);
    const sold = await seller.waitForType("SOLD", "Kite");
    assert.deepEqual([sold.finalPrice, sold.buyer], ["25.00", "scott"]);
    assert.equal((await scott.waitForType("payment")).card, "************1111");
    assert.equal((await seller.waitForType("payment")).card, "************4444");
    const shipping = await seller.waitForType("Shipping_Info");
    assert.deepEqual([shipping.name, shipping.address], ["Scott Tiger", "1 Main St, Springfield"]);
    assert.equal(shipping.item, "Kite", "the client adds the item of the sale connection");
    // Ann lost: the closing announcement, no WINNER.
    assert.equal(ann.records.some((record) => record.type === "WINNER"), false);

    // stdout is JSON lines only, and no card number appears anywhere in full.
    for (const client of clients) {
      for (const line of client.stdout.split("\n").filter((line) => line !== "")) {
        assert.doesNotThrow(() => JSON.parse(line), line);
      }
    }
    assert.equal(outputs.includes(BUYER_CARD), false);
    assert.equal(outputs.includes(SELLER_CARD), false);
  } finally {
    for (const client of clients) client.kill();
    await server.stop();
  }
});
