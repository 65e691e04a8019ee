/**
 * A bid this client made: BID_ACCEPTED makes it the item's leader in the item book (no push may
 * say so), and a bid on an item it does not follow subscribes to it first.
 */
import assert from "node:assert/strict";
import { parseClientFlags } from "../../client/flags.ts";
import type { JsonRecord } from "../../client/format.ts";
import { ItemBook } from "../../client/items.ts";
import { createLogger } from "../../client/log.ts";
import { EXIT, JsonOutput, runScript } from "../../client/script.ts";
import { AuctionClient } from "../../client/session.ts";
import { message } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

async function* linesOf(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

/** A UDP server that answers SUBSCRIBE and BID, and remembers the order of the requests. */
function biddingServer() {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const replies: Record<string, string> = { SUBSCRIBE: "SUBSCRIBED", BID: "BID_ACCEPTED" };
  const requests: string[] = [];
  const loop = (async () => {
    for await (const [bytes, from] of socket) {
      const [type = "", rq] = new TextDecoder().decode(bytes).split(" ");
      requests.push(type);
      const reply = replies[type];
      if (reply) await socket.send(new TextEncoder().encode(`${reply} ${rq}`), from);
    }
  })().catch(() => {});
  return {
    port: (socket.addr as Deno.NetAddr).port,
    requests,
    close: async () => {
      socket.close();
      await loop;
    },
  };
}

Deno.test("a bid on an item not subscribed to subscribes first and leaves the client leading", async () => {
  const server = biddingServer();
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags([
    "--server",
    `127.0.0.1:${server.port}`,
    "--host",
    "127.0.0.1",
    "--name",
    "scott",
  ]);
  const client = await AuctionClient.start(flags, output, createLogger("error"));
  try {
    const code = await runScript(client, output, linesOf(["bid Fan 6", "bid Fan 7", "items"]));
    assert.equal(code, EXIT.ok);
    // Subscribed once, before the first bid; the second bid finds it followed.
    assert.deepEqual(server.requests, ["SUBSCRIBE", "BID", "BID"]);
    assert.deepEqual(
      records.filter((record) => record.type === "subscribing"),
      [{ type: "subscribing", item: "Fan", command: "bid" }],
    );
    const items = records.find((record) => record.type === "items")?.items as JsonRecord[];
    assert.deepEqual(items.map(({ item, price, leader }) => ({ item, price, leader })), [
      { item: "Fan", price: "7.00", leader: "scott" },
    ]);
    // Its sale will be this client's: quitting now warns.
    assert.deepEqual(client.items.sellingOrLeading(client.nowMs()).map((entry) => entry.item), [
      "Fan",
    ]);
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test("a second unsubscribe says the client was not subscribed, and sends nothing", async () => {
  const server = biddingServer();
  const records: JsonRecord[] = [];
  const output = new JsonOutput((record) => records.push(record));
  const flags = parseClientFlags(["--server", `127.0.0.1:${server.port}`, "--host", "127.0.0.1"]);
  const client = await AuctionClient.start(flags, output, createLogger("error"));
  try {
    const code = await runScript(
      client,
      output,
      linesOf(["subscribe Mug", "unsubscribe Mug", "unsubscribe Mug", "items"]),
    );
    assert.equal(code, EXIT.usage);
    assert.deepEqual(server.requests, ["SUBSCRIBE", "DE-SUBSCRIBE"]);
    const error = records.find((record) => record.type === "error");
    assert.equal(error?.error, "Not subscribed to Mug: you unsubscribed already");
    const items = records.find((record) => record.type === "items")?.items as JsonRecord[];
    assert.deepEqual(items, [], "Mug left the book");
  } finally {
    await client.close();
    await server.close();
  }
});

Deno.test(
  "ItemBook.bidAccepted() leads at the bid, unless a higher bid was heard meanwhile",
  pure,
  () => {
    const book = new ItemBook({ self: () => "scott" });
    book.bidAccepted("Fan", 600, 0);
    assert.equal(book.get("Fan")?.leader, "scott");
    assert.equal(book.get("Fan")?.priceCents, 600);
    // Another bidder's BID_UPDATE came before this client's BID_ACCEPTED: theirs is later.
    book.record(
      message("BID_UPDATE", 2, { item: "Fan", highestBid: 900, bidder: "bob", timeLeft: 50 }),
      0,
    );
    book.bidAccepted("Fan", 800, 0);
    assert.equal(book.get("Fan")?.leader, "bob");
    assert.equal(book.get("Fan")?.priceCents, 900);
  },
);
