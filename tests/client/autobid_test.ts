import assert from "node:assert/strict";
import { Autobidder, type AutobidEvent } from "../../client/autobid.ts";
import { ItemBook } from "../../client/items.ts";
import { executeCommand, type ShellContext } from "../../client/execute.ts";
import type { ClientEvent } from "../../client/output.ts";
import { type Message, message } from "../../protocol/mod.ts";
import { pure } from "../_support/pure.ts";

function setUp(answer: (amountCents: number) => { accepted: boolean; reason?: string }) {
  const book = new ItemBook();
  const bids: number[] = [];
  const events: AutobidEvent[] = [];
  const autobid = new Autobidder({
    lookup: (item) => book.get(item),
    self: () => "ann",
    bid: (_item, amountCents) => {
      bids.push(amountCents);
      return Promise.resolve(answer(amountCents));
    },
    report: (event) => events.push(event),
  });
  const hear = (received: Message) => {
    book.record(received, 0);
    autobid.onMessage(received);
  };
  return { book, bids, events, autobid, hear };
}

const update = (highestBid: number, bidder: string, timeLeft = 30) =>
  message("BID_UPDATE", 1, { item: "Kite", highestBid, bidder, timeLeft });
const announce = (currentPrice: number, timeLeft = 30) =>
  message("AUCTION_ANNOUNCE", 1, { item: "Kite", description: "", currentPrice, timeLeft });
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("Autobidder bids the price plus STEP when someone else leads", pure, async () => {
  const { bids, autobid, hear } = setUp(() => ({ accepted: true }));
  hear(announce(2000));
  autobid.start("Kite", 4000, 50);
  assert.deepEqual(bids, [2050]);
  await settle();
  hear(update(2050, "ann"));
  assert.deepEqual(bids, [2050], "no bid while leading");
  hear(update(2500, "bob"));
  assert.deepEqual(bids, [2050, 2550]);
});

Deno.test("Autobidder waits for the price when it does not know the item yet", pure, () => {
  const { bids, autobid, hear } = setUp(() => ({ accepted: true }));
  autobid.start("Kite", 4000, 1);
  assert.deepEqual(bids, []);
  hear(announce(2000));
  assert.deepEqual(bids, [2001]);
});

Deno.test("Autobidder never bids above MAX and reports when MAX is reached", pure, async () => {
  const { bids, events, autobid, hear } = setUp(() => ({ accepted: true }));
  hear(update(3900, "bob"));
  autobid.start("Kite", 4000, 500);
  assert.deepEqual(bids, [4000], "capped at MAX");
  await settle();
  hear(update(4000, "ann"));
  hear(update(4100, "bob"));
  assert.deepEqual(bids, [4000]);
  assert.deepEqual(events.at(-1), {
    action: "max_reached",
    item: "Kite",
    priceCents: 4100,
    maxCents: 4000,
  });
  assert.equal(autobid.isActive("Kite"), false);
});

Deno.test(
  "Autobidder bids again after a refusal when a newer price arrived meanwhile",
  pure,
  async () => {
    let refuse = true;
    const { bids, hear, autobid } = setUp(() => {
      if (!refuse) return { accepted: true };
      refuse = false;
      hear(update(2100, "bob")); // Bob's bid landed first.
      return { accepted: false, reason: "Bid too low" };
    });
    hear(announce(2000));
    autobid.start("Kite", 4000, 10);
    await settle();
    assert.deepEqual(bids, [2010, 2110]);
  },
);

Deno.test("Autobidder stops when a bid is refused and nothing new was heard", pure, async () => {
  const { bids, events, autobid, hear } = setUp(() => ({
    accepted: false,
    reason: "Bid too low: at least 1.00 more",
  }));
  hear(announce(2000));
  autobid.start("Kite", 4000, 1);
  await settle();
  assert.deepEqual(bids, [2001]);
  assert.deepEqual(events.at(-1), {
    action: "stopped",
    item: "Kite",
    reason: "bid refused: Bid too low: at least 1.00 more",
  });
});

Deno.test("Autobidder stops when the auction closes", pure, () => {
  const { bids, events, autobid, hear } = setUp(() => ({ accepted: true }));
  hear(update(2000, "ann"));
  autobid.start("Kite", 4000, 1);
  hear(announce(2000, 0));
  assert.deepEqual(bids, []);
  assert.deepEqual(events.at(-1), {
    action: "stopped",
    item: "Kite",
    reason: "the auction is over",
  });
});

Deno.test("Autobidder remembers why it stopped, until started again", pure, () => {
  const { events, autobid, hear } = setUp(() => ({ accepted: true }));
  hear(update(4100, "bob"));
  autobid.start("Kite", 4000, 1);
  assert.deepEqual(events.at(-1), {
    action: "max_reached",
    item: "Kite",
    priceCents: 4100,
    maxCents: 4000,
  });
  assert.equal(autobid.stoppedBecause("kite"), "the price 41.00 passed your max 40.00");
  autobid.start("Kite", 5000, 1);
  assert.equal(autobid.stoppedBecause("Kite"), undefined, "running again");
  autobid.stop("Kite");
  assert.equal(autobid.stoppedBecause("Kite"), "stopped by you");
  assert.equal(autobid.stoppedBecause("Vase"), undefined, "never ran");
});

Deno.test("'autobid ITEM stop' after the autobid stopped by itself says it already stopped, and why", async () => {
  const { book, autobid, hear } = setUp(() => ({ accepted: true }));
  hear(update(4100, "bob"));
  autobid.start("Kite", 4000, 1);
  const errors: string[] = [];
  const context = {
    autobid,
    items: book,
    report: (event: ClientEvent) => event.type === "error" && errors.push(event.error),
  } as unknown as ShellContext;
  assert.equal(await executeCommand({ kind: "autobid-stop", item: "kite" }, context), "error");
  assert.equal(await executeCommand({ kind: "autobid-stop", item: "Vase" }, context), "error");
  assert.deepEqual(errors, [
    "No autobid runs on Kite: it already stopped (the price 41.00 passed your max 40.00)",
    "No autobid runs on Vase",
  ]);
});
