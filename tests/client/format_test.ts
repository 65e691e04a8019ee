import assert from "node:assert/strict";
import {
  describeEvent,
  describeMessage,
  eventToJson,
  formatItemsTable,
  formatTimeLeft,
  messageToJson,
} from "../../client/format.ts";
import { ItemBook } from "../../client/items.ts";
import { decodeLine, message } from "../../protocol/mod.ts";

Deno.test({
  name: "messageToJson() writes type, rq, named fields with prices as strings, and raw",
  permissions: "none",
  fn: () => {
    const raw = "BID_UPDATE 12 Kite 25.00 scott 37";
    assert.deepEqual(messageToJson(decodeLine(raw), raw), {
      type: "BID_UPDATE",
      rq: 12,
      item: "Kite",
      highestBid: "25.00",
      bidder: "scott",
      timeLeft: 37,
      raw,
    });
  },
});

Deno.test({
  name: "messageToJson() keeps the table's spelling and rest-of-line fields",
  permissions: "none",
  fn: async (t) => {
    const cases: [string, Record<string, unknown>][] = [
      ["LOGIN_SUCCESS 3 role=seller", { type: "LOGIN_SUCCESS", rq: 3, role: "seller" }],
      ["bid_rejected 4 Bid too low: current price is 25.00", {
        type: "BID_REJECTED",
        rq: 4,
        reason: "Bid too low: current price is 25.00",
      }],
      ['Shipping_Info 9 "Ada Lovelace" 1 Main St, Springfield', {
        type: "Shipping_Info",
        rq: 9,
        name: "Ada Lovelace",
        address: "1 Main St, Springfield",
      }],
      ['AUCTION_ANNOUNCE 5 Kite "Red kite" 20.00 300', {
        type: "AUCTION_ANNOUNCE",
        rq: 5,
        item: "Kite",
        description: "Red kite",
        currentPrice: "20.00",
        timeLeft: 300,
      }],
    ];
    for (const [raw, expected] of cases) {
      await t.step(
        raw,
        () => assert.deepEqual(messageToJson(decodeLine(raw), raw), { ...expected, raw }),
      );
    }
  },
});

Deno.test({
  name: "messageToJson() masks a card number and leaves out the expiry",
  permissions: "none",
  fn: () => {
    const json = messageToJson(
      message("INFORM_Res", 4, {
        name: "Ada",
        card: "4111111111111111",
        expiry: { month: 12, year: 2030 },
        address: "home",
      }),
      "(not printed)",
    );
    assert.equal(json.card, "************1111");
    assert.equal("expiry" in json, false);
  },
});

Deno.test({
  name: "formatTimeLeft() writes hours, minutes and seconds",
  permissions: "none",
  fn: () => {
    assert.equal(formatTimeLeft(0), "0s");
    assert.equal(formatTimeLeft(42), "42s");
    assert.equal(formatTimeLeft(187), "3m 07s");
    assert.equal(formatTimeLeft(3725), "1h 02m 05s");
  },
});

Deno.test({
  name: "describeMessage() says who leads, what a NEGOTIATE_REQ asks, and refusals",
  permissions: "none",
  fn: () => {
    const update = message("BID_UPDATE", 1, {
      item: "Kite",
      highestBid: 2500,
      bidder: "scott",
      timeLeft: 37,
    });
    assert.equal(describeMessage(update), "[Kite] scott leads at 25.00, 37s left");
    assert.equal(describeMessage(update, "scott"), "[Kite] you lead at 25.00, 37s left");
    const negotiate = describeMessage(
      message("NEGOTIATE_REQ", 2, { item: "Kite", currentPrice: 2000, timeLeft: 60 }),
    );
    assert.match(negotiate, /accept Kite PRICE/);
    assert.match(negotiate, /refuse Kite/);
    assert.equal(
      describeMessage(message("BID_REJECTED", 3, { reason: "Bid too low" })),
      "Refused (BID_REJECTED): Bid too low",
    );
  },
});

Deno.test({
  name: "formatItemsTable() counts the time left down from when it was heard",
  permissions: "none",
  fn: () => {
    const book = new ItemBook();
    book.record(
      message("AUCTION_ANNOUNCE", 1, {
        item: "Kite",
        description: "Red",
        currentPrice: 2000,
        timeLeft: 90,
      }),
      0,
    );
    book.record(
      message("BID_UPDATE", 2, { item: "Kite", highestBid: 2500, bidder: "scott", timeLeft: 80 }),
      10_000,
    );
    book.record(message("NON_OFFER", 3, { item: "Lamp" }), 10_000);
    const table = formatItemsTable(book.all(), 40_000, "scott");
    assert.deepEqual(table.split("\n"), [
      "ITEM  PRICE  LEADER       TIME LEFT  STATUS",
      "Kite  25.00  scott (you)  50s        open",
      "Lamp  ?      -            0s         no bid",
    ]);
    assert.match(formatItemsTable([], 0), /No items yet/);
  },
});

Deno.test({
  name: "eventToJson() writes prices as strings and deadlines as ISO times",
  permissions: "none",
  fn: () => {
    assert.deepEqual(
      eventToJson({
        type: "autobid",
        action: "bid",
        item: "Kite",
        amountCents: 2501,
        maxCents: 4000,
      }),
      { type: "autobid", action: "bid", item: "Kite", amount: "25.01", max: "40.00" },
    );
    assert.deepEqual(
      eventToJson({
        type: "payment",
        action: "needed",
        item: "Kite",
        rq: 5,
        finalPrice: 2500,
        deadlineMs: Date.UTC(2030, 0, 1),
        missing: ["card"],
      }),
      {
        type: "payment",
        action: "needed",
        item: "Kite",
        rq: 5,
        finalPrice: "25.00",
        deadline: "2030-01-01T00:00:00.000Z",
        missing: ["card"],
      },
    );
  },
});

Deno.test({
  name: "describeEvent() explains a timeout and a reached autobid maximum",
  permissions: "none",
  fn: () => {
    assert.match(
      describeEvent({
        type: "timeout",
        request: "BID",
        rq: 4,
        raw: "BID 4 Kite 1.00",
        attempts: 5,
      }),
      /No reply from the server to BID 4 after 5 attempts/,
    );
    assert.match(
      describeEvent({
        type: "autobid",
        action: "max_reached",
        item: "Kite",
        priceCents: 4000,
        maxCents: 4000,
      }),
      /reached your max 40.00/,
    );
  },
});

Deno.test({
  name:
    "describeEvent() asks for payment details in words that fit the seller as well as the buyer",
  permissions: "none",
  fn: () => {
    const text = describeEvent({
      type: "payment",
      action: "needed",
      item: "Kite",
      rq: 9,
      finalPrice: 2500,
      deadlineMs: Date.UTC(2030, 0, 1),
      missing: ["card"],
    });
    assert.match(
      text,
      /^\[Kite\] Sale at 25\.00: your payment details are needed by .+ \(card\)\.$/,
    );
    assert.doesNotMatch(text, /Pay /);
  },
});
