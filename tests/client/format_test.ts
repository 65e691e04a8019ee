import assert from "node:assert/strict";
import {
  clockTime,
  describeEvent,
  describeMessage,
  eventToJson,
  formatItemsTable,
  formatTimeLeft,
  messageToJson,
} from "../../client/format.ts";
import { ItemBook } from "../../client/items.ts";
import { describePaid, describeShipping } from "../../client/sale_wording.ts";
import { describeCancelReason, plainWords } from "../../client/plain_words.ts";
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
    assert.equal(describeMessage(update, { self: "scott" }), "[Kite] you lead at 25.00, 37s left");
    const negotiate = describeMessage(
      message("NEGOTIATE_REQ", 2, { item: "Kite", currentPrice: 2000, timeLeft: 60 }),
    );
    assert.match(negotiate, /accept Kite PRICE/);
    assert.match(negotiate, /refuse Kite/);
    assert.equal(
      describeMessage(message("BID_REJECTED", 3, { reason: "Bid too low" })),
      "Bid refused: Bid too low",
    );
    assert.equal(
      describeMessage(
        message("BID_REJECTED", 3, { reason: "Bid too low: current price is 25.99" }),
      ),
      "Bid refused: Bid too low: current price is 25.99 (bid 26.00 or more)",
      "the lowest bid, when the server does not name it",
    );
    assert.equal(
      describeMessage(
        message("BID_REJECTED", 3, {
          reason: "Bid too low: current price is 25.00, the lowest bid is 25.50",
        }),
      ),
      "Bid refused: Bid too low: current price is 25.00, the lowest bid is 25.50",
    );
  },
});

Deno.test({
  name: "describeMessage() says who won a close, and that a close with no bid sold nothing",
  permissions: "none",
  fn: () => {
    const closed = message("AUCTION_ANNOUNCE", 1, {
      item: "Vase",
      description: "Blue",
      currentPrice: 1500,
      timeLeft: 0,
    });
    assert.equal(
      describeMessage(closed, { leader: "bob" }),
      "[Vase] Auction closed: bob won at 15.00.",
    );
    assert.equal(
      describeMessage(closed, { leader: "ann", self: "ann" }),
      "[Vase] Auction closed: you won at 15.00.",
    );
    assert.equal(describeMessage(closed), "[Vase] Auction closed at 15.00: no bid heard.");
    assert.equal(
      describeMessage(message("NON_OFFER", 2, { item: "Vase" })),
      "[Vase] Auction ended with no bid: the item is not sold.",
    );
  },
});

Deno.test({
  name: "the shell's lines name no protocol field or message",
  permissions: "none",
  fn: () => {
    const lines = [
      describeMessage(message("DENIED", 1, { reason: 'Invalid New_Price "0": must be above 0' })),
      describeMessage(message("LIST-DENIED", 2, { reason: "Invalid Item_Name: too long" })),
      describeMessage(
        message("CANCEL", 3, {
          reason: "Buyer closed the connection without answering INFORM_Req",
        }),
        { side: "seller" },
      ),
      describeMessage(message("NON_OFFER", 4, { item: "Vase" })),
      describeEvent({ type: "error", error: "Invalid CC_Exp_Date: use MM/YY" }),
    ];
    assert.deepEqual(lines, [
      'Refused: Invalid new price "0": must be above 0',
      "Listing refused: Invalid item name: too long",
      "Sale cancelled: the buyer closed the connection without answering the payment request.",
      "[Vase] Auction ended with no bid: the item is not sold.",
      "Error: Invalid card expiry: use MM/YY",
    ]);
    for (const line of lines) {
      assert.doesNotMatch(line, /[A-Z][a-z]+_[A-Z]|INFORM|nothing more follows/, line);
    }
  },
});

Deno.test({
  name: "a declined card reads as a sentence, with only your own card's last four digits",
  permissions: "none",
  fn: () => {
    const reason = "Payment declined: buyer's card ending 0002 was declined";
    assert.equal(describeCancelReason(reason, "buyer"), "your card ending 0002 was declined.");
    assert.equal(describeCancelReason(reason, "seller"), "the buyer's card was declined.");
    assert.equal(describeCancelReason(reason), "the buyer's card was declined.");
    assert.equal(
      describeCancelReason("Payment declined: seller's card ending 4444 has expired", "buyer"),
      "the seller's card has expired.",
    );
    // A reason already worded without digits reads the same.
    assert.equal(
      describeCancelReason("Payment declined: the buyer's card was declined", "seller"),
      "the buyer's card was declined.",
    );
    assert.equal(
      describeCancelReason("Payment declined: the buyer's card was declined", "buyer"),
      "your card was declined.",
    );
    assert.equal(
      describeCancelReason("Buyer did not answer INFORM_Req within 8 s", "buyer"),
      "you did not answer the payment request within 8 s.",
    );
  },
});

Deno.test({
  name: "a party the server could not reach reads as a sentence, without address or OS error",
  permissions: "none",
  fn: () => {
    const reason = "Seller unreachable: Cannot connect to 127.0.0.1:40469 after 3 attempts: " +
      "Connection refused (os error 111)";
    assert.equal(describeCancelReason(reason), "the seller could not be reached.");
    assert.equal(describeCancelReason(reason, "buyer"), "the seller could not be reached.");
    assert.equal(
      describeCancelReason(
        "Buyer unreachable: Cannot connect to [::1]:5 after 3 attempts",
        "seller",
      ),
      "the buyer could not be reached.",
    );
    assert.equal(
      describeCancelReason(
        "Connection lost while informing the parties: Broken pipe (os error 32)",
        "buyer",
      ),
      "a connection was lost while the payment details were being asked for.",
    );
    assert.equal(
      describeMessage(message("CANCEL", 9, { reason })),
      "Sale cancelled: the seller could not be reached.",
    );
    // The scripted mode keeps the reason as it came.
    const raw = `CANCEL 9 ${reason}`;
    assert.equal(messageToJson(decodeLine(raw), raw).reason, reason);
  },
});

Deno.test({
  name: "the server's CANCEL reasons without connection details read as sentences",
  permissions: "none",
  fn: () => {
    const cases: [string, "buyer" | "seller", string][] = [
      [
        "Buyer unreachable: could not connect after 3 attempts",
        "seller",
        "the buyer could not be reached.",
      ],
      [
        "Buyer unreachable: could not connect after 3 attempts",
        "buyer",
        "you could not be reached.",
      ],
      [
        "Connection lost while informing the parties",
        "seller",
        "a connection was lost while the payment details were being asked for.",
      ],
      [
        "Seller lost the connection before answering INFORM_Req",
        "buyer",
        `the seller lost the connection before answering ${plainWords("INFORM_Req")}.`,
      ],
      [
        "Payment failed: the payment service could not be reached",
        "buyer",
        "payment failed: the payment service could not be reached.",
      ],
    ];
    for (const [reason, side, expected] of cases) {
      assert.equal(describeCancelReason(reason, side), expected, reason);
    }
  },
});

Deno.test({
  name: "describePaid() says what was charged to which card, and who ships where",
  permissions: "none",
  fn: () => {
    const paid = message("PAID", 9, { item: "Kite", finalPrice: 4050, cardLast4: "1111" });
    assert.equal(
      describePaid(paid, { seller: "jas", address: "1 Main St" }),
      "[Kite] Paid 40.50 with card ending 1111; jas ships to 1 Main St.",
    );
    assert.equal(
      describePaid(paid),
      "[Kite] Paid 40.50 with card ending 1111; the seller ships to the address you gave.",
    );
    assert.equal(
      describeMessage(paid),
      "[Kite] Paid 40.50 with card ending 1111; the seller ships to the address you gave.",
    );
  },
});

Deno.test({
  name: "describeShipping() says what the seller is credited, on which card, and where to ship",
  permissions: "none",
  fn: () => {
    const shipping = message("Shipping_Info", 9, { name: "Scott Tiger", address: "1 Main St" });
    assert.equal(
      describeShipping(shipping, { finalPrice: 2505, card: "************4444" }),
      "Paid: 22.54 credited to card ************4444 (25.05 less the 10% fee); " +
        "ship to Scott Tiger, 1 Main St.",
    );
    assert.equal(
      describeShipping(shipping, { finalPrice: 2500 }),
      "Paid: 22.50 credited to your card (25.00 less the 10% fee); ship to Scott Tiger, 1 Main St.",
    );
    // A shell that never heard the SOLD (it started after it) knows no price.
    assert.equal(describeShipping(shipping), "Paid: ship to Scott Tiger, 1 Main St.");
    assert.equal(describeMessage(shipping), "Paid: ship to Scott Tiger, 1 Main St.");
  },
});

Deno.test({
  name: "clockTime() writes a deadline in 24-hour form",
  permissions: "none",
  fn: () => {
    const afternoon = new Date(2030, 0, 1, 14, 5, 31).getTime();
    assert.equal(clockTime(afternoon), "14:05:31");
    assert.equal(clockTime(new Date(2030, 0, 1, 9, 0, 7).getTime()), "09:00:07");
    const needed = describeEvent({
      type: "payment",
      action: "needed",
      item: "Kite",
      rq: 9,
      finalPrice: 2500,
      deadlineMs: afternoon,
      deadlineFromFlag: true,
      missing: ["card"],
    });
    assert.match(needed, / by about 14:05:31 /);
    assert.doesNotMatch(needed, /AM|PM/);
  },
});

Deno.test({
  name:
    "describeEvent() gives the payment deadline as the server's, and a time only as a guess, unless --inform-timeout was given",
  permissions: "none",
  fn: () => {
    const deadlineMs = new Date(2030, 0, 1, 14, 5, 31).getTime();
    const event = {
      type: "payment" as const,
      action: "needed" as const,
      item: "Kite",
      rq: 9,
      finalPrice: 2500,
      deadlineMs,
      missing: ["name", "card"],
    };
    assert.equal(
      describeEvent({ ...event, missing: ["fullName", "card"], deadlineFromFlag: false }),
      "[Kite] Sale at 25.00: your payment details are needed (name, card) before the server's " +
        "deadline: by about 14:05 if it waits the default 300 s.",
    );
    assert.equal(
      describeEvent({ ...event, missing: ["fullName", "card"], deadlineFromFlag: true }),
      "[Kite] Sale at 25.00: your payment details are needed by about 14:05:31 (name, card).",
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
        deadlineFromFlag: false,
        missing: ["card"],
      }),
      {
        type: "payment",
        action: "needed",
        item: "Kite",
        rq: 5,
        finalPrice: "25.00",
        deadline: "2030-01-01T00:00:00.000Z",
        deadlineFromFlag: false,
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
    assert.equal(
      describeEvent({
        type: "autobid",
        action: "max_reached",
        item: "Kite",
        priceCents: 4100,
        maxCents: 4000,
      }),
      "[Kite] autobid stopped: the price 41.00 passed your max 40.00",
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
      deadlineFromFlag: true,
      missing: ["card"],
    });
    assert.match(
      text,
      /^\[Kite\] Sale at 25\.00: your payment details are needed by about .+ \(card\)\.$/,
    );
    assert.doesNotMatch(text, /Pay /);
  },
});
