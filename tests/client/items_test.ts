import assert from "node:assert/strict";
import { ItemBook, timeLeftAt } from "../../client/items.ts";
import { formatItemsTable } from "../../client/format.ts";
import { message } from "../../protocol/mod.ts";
import { ShellLines } from "../../client/shell_lines.ts";
import { FakeTimers } from "../_support/fake_timers.ts";
import { pure } from "../_support/pure.ts";

const announce = (timeLeft: number, currentPrice = 2000) =>
  message("AUCTION_ANNOUNCE", 1, {
    item: "Lamp",
    description: "Desk lamp",
    currentPrice,
    timeLeft,
  });

Deno.test("ItemBook forgets a closed auction when its name is announced open again", pure, () => {
  const book = new ItemBook();
  book.record(
    message("BID_UPDATE", 2, { item: "Lamp", highestBid: 2300, bidder: "scott", timeLeft: 5 }),
    0,
  );
  book.record(message("WINNER", 3, { item: "Lamp", finalPrice: 2300, seller: "jas" }), 5_000);
  assert.equal(book.get("Lamp")?.closed, true);
  assert.equal(book.get("Lamp")?.outcome, "won at 23.00 from jas");

  // The same name listed again: the new auction's announcement is about a new auction.
  book.record(announce(90, 2600), 10_000);
  const entry = book.get("lamp")!;
  assert.equal(entry.closed, false);
  assert.equal(entry.outcome, undefined);
  assert.equal(entry.leader, undefined);
  assert.equal(timeLeftAt(entry, 20_000), 80);
  assert.deepEqual(formatItemsTable(book.all(), 20_000, "scott").split("\n"), [
    "ITEM  PRICE  LEADER  TIME LEFT  STATUS",
    "Lamp  26.00  -       1m 20s     open",
  ]);
});

Deno.test("ItemBook keeps a closed auction closed on its closing announcement", pure, () => {
  const book = new ItemBook();
  book.record(message("WINNER", 3, { item: "Lamp", finalPrice: 2300, seller: "jas" }), 0);
  book.record(announce(0, 2300), 0);
  assert.equal(book.get("Lamp")?.closed, true);
  assert.equal(book.get("Lamp")?.outcome, "won at 23.00 from jas");
});

Deno.test(
  "ItemBook reopens an item on SUBSCRIBED and on the seller's new listing",
  pure,
  async (t) => {
    await t.step("subscribed", () => {
      const book = new ItemBook();
      book.record(message("NON_OFFER", 1, { item: "Lamp" }), 0);
      book.subscribed("Lamp", 1_000);
      assert.equal(book.get("Lamp")?.closed, false);
      assert.equal(book.get("Lamp")?.outcome, undefined);
    });
    await t.step("listed", () => {
      const book = new ItemBook();
      book.record(message("SOLD", 1, { item: "Lamp", finalPrice: 2300, buyer: "scott" }), 0);
      book.listed({
        item: "Lamp",
        description: "Desk lamp",
        startPriceCents: 2600,
        duration: { amount: 2, unit: "m" },
        durationUnit: "s",
      }, 1_000);
      const entry = book.get("Lamp")!;
      assert.equal(entry.closed, false);
      assert.equal(entry.leader, undefined);
      assert.equal(entry.priceCents, 2600);
    });
  },
);

Deno.test("ItemBook records a cancelled sale and a paid one", pure, async (t) => {
  await t.step("cancelled", () => {
    const book = new ItemBook();
    book.record(message("WINNER", 3, { item: "Lamp", finalPrice: 2300, seller: "jas" }), 0);
    book.record(message("CANCEL", 4, { reason: "Payment declined" }), 0, { saleItem: "Lamp" });
    assert.equal(book.get("Lamp")?.outcome, "sale cancelled");
    // A CANCEL from a connection that named no item changes nothing.
    book.record(message("CANCEL", 5, { reason: "Payment declined" }), 0);
    assert.equal(book.all().length, 1);
  });
  await t.step("paid, buyer", () => {
    const book = new ItemBook();
    book.record(message("WINNER", 3, { item: "Lamp", finalPrice: 4050, seller: "jas" }), 0);
    book.record(message("PAID", 4, { item: "Lamp", finalPrice: 4050, cardLast4: "1111" }), 0);
    assert.equal(book.get("Lamp")?.outcome, "won at 40.50, paid");
  });
  await t.step("paid, seller", () => {
    const book = new ItemBook();
    book.record(message("SOLD", 3, { item: "Lamp", finalPrice: 4050, buyer: "scott" }), 0);
    book.record(message("Shipping_Info", 4, { name: "Scott", address: "1 Main St" }), 0, {
      saleItem: "Lamp",
    });
    assert.equal(book.get("Lamp")?.outcome, "sold to scott at 40.50, paid");
  });
});

Deno.test("ItemBook counts a seller's own listing down from its duration", pure, async (t) => {
  const cases = [
    { duration: { amount: 90, unit: "s" as const }, durationUnit: "m" as const, seconds: 90 },
    { duration: { amount: 1.5, unit: "m" as const }, durationUnit: "s" as const, seconds: 90 },
    { duration: { amount: 2, unit: null }, durationUnit: "m" as const, seconds: 120 },
    { duration: { amount: 120, unit: null }, durationUnit: "s" as const, seconds: 120 },
  ];
  for (const { duration, durationUnit, seconds } of cases) {
    await t.step(`${duration.amount}${duration.unit ?? ` bare in ${durationUnit}`}`, () => {
      const book = new ItemBook();
      const entry = book.listed({
        item: "Vase",
        description: "Blue",
        startPriceCents: 1500,
        duration,
        durationUnit,
      }, 1_000);
      assert.equal(timeLeftAt(entry, 1_000), seconds);
      assert.equal(timeLeftAt(entry, 31_000), seconds - 30);
    });
  }
  await t.step("a Time_Left heard later corrects it", () => {
    const book = new ItemBook();
    book.listed({
      item: "Vase",
      description: "Blue",
      startPriceCents: 1500,
      duration: { amount: 2, unit: null },
      durationUnit: "m",
    }, 0);
    book.record(
      message("NEGOTIATE_REQ", 2, { item: "Vase", currentPrice: 1500, timeLeft: 30 }),
      1_000,
    );
    assert.equal(timeLeftAt(book.get("Vase")!, 1_000), 30);
  });
});

Deno.test(
  "ItemBook.following() lists the items subscribed to, not unsubscribed and not heard closed",
  pure,
  () => {
    const book = new ItemBook();
    book.subscribed("Lamp", 0);
    book.subscribed("Kite", 0);
    book.subscribed("Boat", 0);
    assert.deepEqual(book.following(), ["Lamp", "Kite", "Boat"]);
    book.unsubscribed("kite");
    book.record({ ...announce(0), item: "Boat" }, 1_000);
    assert.deepEqual(book.following(), ["Lamp"]);
  },
);

Deno.test(
  "ItemBook ends a seller's negotiation on a bid or a price adjustment",
  pure,
  async (t) => {
    const negotiating = () => {
      const book = new ItemBook();
      book.record(
        message("NEGOTIATE_REQ", 1, { item: "Lamp", currentPrice: 2000, timeLeft: 60 }),
        0,
      );
      assert.equal(book.get("Lamp")?.negotiating, true);
      return book;
    };
    await t.step("a bid", () => {
      const book = negotiating();
      book.record(
        message("BID_UPDATE", 2, { item: "Lamp", highestBid: 2100, bidder: "scott", timeLeft: 50 }),
        10_000,
      );
      assert.deepEqual(formatItemsTable(book.all(), 10_000, "jas").split("\n"), [
        "ITEM  PRICE  LEADER  TIME LEFT  STATUS",
        "Lamp  21.00  scott   50s        open",
      ]);
    });
    await t.step("a price adjustment", () => {
      const book = negotiating();
      book.record(
        message("PRICE_ADJUSTMENT", 2, { item: "Lamp", newPrice: 1500, timeLeft: 50 }),
        10_000,
      );
      assert.equal(book.get("Lamp")?.negotiating, false);
    });
  },
);

Deno.test("ItemBook shows the winner as the leader, subscribed or not", pure, () => {
  const self = "ann";
  const book = new ItemBook({ self: () => self });
  // A bid without a subscription: the first this client hears of the item is WINNER.
  book.record(message("WINNER", 3, { item: "Flute", finalPrice: 1300, seller: "jas" }), 0);
  book.record(message("CANCEL", 4, { reason: "Payment declined" }), 0, { saleItem: "Flute" });
  assert.deepEqual(formatItemsTable(book.all(), 0, "ann").split("\n"), [
    "ITEM   PRICE  LEADER     TIME LEFT  STATUS",
    "Flute  13.00  ann (you)  0s         sale cancelled",
  ]);
});

Deno.test(
  "ItemBook forgets an item unsubscribed from, unless this client listed or leads it",
  pure,
  () => {
    const book = new ItemBook({ self: () => "scott" });
    book.subscribed("Mug", 0);
    book.record({ ...announce(60, 500), item: "Mug" }, 0);
    book.subscribed("Fan", 0);
    book.bidAccepted("Fan", 600, 0);
    book.unsubscribed("mug");
    book.unsubscribed("Fan");
    assert.deepEqual(book.all().map((entry) => entry.item), ["Fan"], "Fan is led here");
    assert.equal(book.wasUnsubscribed("Mug"), true);
    // A push the server sent before it heard the unsubscribe does not bring it back.
    book.record({ ...announce(55, 500), item: "Mug" }, 1_000);
    assert.equal(book.get("Mug"), undefined);
    book.subscribed("Mug", 2_000);
    assert.equal(book.wasUnsubscribed("Mug"), false);
  },
);

Deno.test(
  "ItemBook and the shell's lines take the server's spelling of a name typed otherwise",
  pure,
  () => {
    const book = new ItemBook();
    book.subscribed("kite", 0);
    assert.equal(book.get("Kite")?.item, "kite", "as typed, until the server spells it");
    book.record({ ...announce(60), item: "Kite" }, 0);
    book.record({ ...announce(50), item: "KITE" }, 1_000);
    assert.equal(book.get("kite")?.item, "Kite", "the first spelling the server gave");
    const lines = new ShellLines(() => 0, { timers: new FakeTimers(), print: () => {} });
    const lookup = (item: string) => book.get(item);
    assert.equal(
      lines.sending({ kind: "refuse", item: "kite" }, lookup),
      "[Kite] Price kept at 20.00.",
    );
    assert.equal(
      lines.sending({ kind: "unsubscribe", item: "KITE" }, lookup),
      "[Kite] Unsubscribed.",
    );
  },
);
