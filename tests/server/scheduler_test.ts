import assert from "node:assert/strict";
import { FakeClock } from "../../server/clock.ts";
import type { AuctionClosed } from "../../auction/events.ts";
import type { Harness } from "../_support/harness.ts";
import {
  ANN,
  BEN,
  CAT,
  clearSent,
  createAuctionHarness,
  linesTo,
  SAM,
  sentTo,
} from "../_support/auction_fixture.ts";
import { pure } from "../_support/pure.ts";

/** Records when (ms after `originMs`) each line reaches `port`, without its RQ#. */
function timeline(harness: Harness, port: number, originMs: number): [number, string][] {
  const seen: [number, string][] = [];
  const send = harness.outbox.send.bind(harness.outbox);
  harness.outbox.send = (to, line, message) => {
    if (to.port === port) seen.push([harness.clock.now() - originMs, line.replace(/ \d+/, "")]);
    send(to, line, message);
  };
  return seen;
}

/** Advances the clock a second at a time, so each push is recorded at its own second. */
async function advanceBySeconds(harness: Harness, totalMs: number): Promise<void> {
  for (let elapsedMs = 0; elapsedMs < totalMs; elapsedMs += 1000) await harness.advance(1000);
}

function journal(harness: Harness) {
  return harness.events;
}

Deno.test(
  "the scheduler sends NEGOTIATE_REQ exactly at half time when no bid came",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
    clearSent(harness);
    await harness.advance(29_999);
    assert.deepEqual(linesTo(harness, SAM), []);
    assert.equal(harness.core.state.items[1]!.negotiation, undefined);
    await harness.advance(1);
    assert.deepEqual(linesTo(harness, SAM), ["NEGOTIATE_REQ Kite 20.00 30"]);
    assert.deepEqual(harness.core.state.items[1]!.negotiation, {
      status: "pending",
      startedAtMs: harness.clock.now(),
    });
  },
);

Deno.test("the scheduler never negotiates after a bid", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await harness.advance(10_000);
  await harness.request("BID 2 Kite 21", ANN);
  await harness.advance(50_000);
  assert.equal(sentTo(harness, SAM).filter((m) => m.type === "NEGOTIATE_REQ").length, 0);
  assert.equal(harness.core.state.items[1]!.negotiation, undefined);
});

Deno.test(
  "the scheduler resends NEGOTIATE_REQ after 2, 4, 8 and 16 s, then stops",
  pure,
  async () => {
    const harness = await createAuctionHarness();
    await harness.request("LIST_ITEM 1 Kite kite 20 200", SAM);
    const seen = timeline(harness, SAM, harness.clock.now() + 100_000);
    await advanceBySeconds(harness, 200_000);
    const requests = seen.filter(([, line]) => line.startsWith("NEGOTIATE_REQ"));
    assert.deepEqual(requests, [
      [0, "NEGOTIATE_REQ Kite 20.00 100"],
      [2_000, "NEGOTIATE_REQ Kite 20.00 98"],
      [6_000, "NEGOTIATE_REQ Kite 20.00 94"],
      [14_000, "NEGOTIATE_REQ Kite 20.00 86"],
      [30_000, "NEGOTIATE_REQ Kite 20.00 70"],
    ]);
    const started = journal(harness).filter((event) => event.type === "negotiation_started");
    assert.equal(started.length, 1, "one negotiation per item; resends are not events");
    const rqs = sentTo(harness, SAM).filter((m) => m.type === "NEGOTIATE_REQ").map((m) => m.rq);
    assert.equal(new Set(rqs).size, rqs.length, "each resend has its own server RQ#");
  },
);

Deno.test("the scheduler stops resending when the seller answers", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 200", SAM);
  await harness.advance(102_000);
  await harness.request("ACCEPT 5 Kite 10", SAM);
  clearSent(harness);
  await harness.advance(98_000);
  assert.equal(sentTo(harness, SAM).filter((m) => m.type === "NEGOTIATE_REQ").length, 0);
});

Deno.test("the scheduler stops resending when a bid comes or the auction ends", pure, async (t) => {
  await t.step("a bid", async () => {
    const harness = await createAuctionHarness();
    await harness.request("LIST_ITEM 1 Kite kite 20 200", SAM);
    await harness.advance(101_000);
    await harness.request("BID 5 Kite 21", ANN);
    clearSent(harness);
    await harness.advance(99_000);
    assert.equal(sentTo(harness, SAM).filter((m) => m.type === "NEGOTIATE_REQ").length, 0);
  });
  await t.step("the end", async () => {
    const harness = await createAuctionHarness();
    await harness.request("LIST_ITEM 1 Kite kite 20 40", SAM);
    const seen = timeline(harness, SAM, harness.clock.now() + 20_000);
    await advanceBySeconds(harness, 100_000);
    assert.deepEqual(seen.map(([atMs]) => atMs), [0, 2_000, 6_000, 14_000]);
  });
});

Deno.test("the scheduler closes an auction exactly at its end time", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite it_can_fly 20 60", SAM);
  await harness.request("SUBSCRIBE 2 Kite", ANN);
  await harness.request("SUBSCRIBE 2 Kite", BEN);
  await harness.request("BID 3 Kite 25", ANN);
  await harness.request("BID 3 Kite 30", BEN);
  const endsAtMs = harness.core.state.items[1]!.endsAtMs;
  clearSent(harness);
  await harness.advance(59_999);
  assert.equal(harness.core.state.items[1]!.status, "open");
  await harness.advance(1);
  const item = harness.core.state.items[1]!;
  assert.equal(item.status, "closed");
  assert.equal(harness.core.state.openItems["kite"], undefined);
  for (const port of [ANN, BEN]) {
    assert.deepEqual(linesTo(harness, port), ["AUCTION_ANNOUNCE Kite it_can_fly 30.00 0"]);
  }
  assert.deepEqual(linesTo(harness, CAT), []);
  const sale = harness.core.state.sales[1]!;
  assert.equal(sale.status, "pending");
  assert.equal(sale.buyer, "ben");
  assert.equal(sale.finalPriceCents, 3000);
  assert.equal(sale.closedAtMs, endsAtMs);
  const closed = journal(harness).find((e) => e.type === "auction_closed") as AuctionClosed;
  const rqs = Object.values(closed.rqs);
  const announceRqs = harness.outbox.sent.map((entry) => entry.message.rq);
  assert.equal(new Set([...rqs, ...announceRqs]).size, 6, "every server RQ# is distinct");
  assert.ok(Math.min(...rqs) > Math.max(...announceRqs), "the closing RQ#s follow the announces");
});

Deno.test("the scheduler closes an auction with no bid as no_offer", pure, async () => {
  const harness = await createAuctionHarness();
  await harness.request("LIST_ITEM 1 Kite kite 20 10", SAM);
  await harness.advance(10_000);
  const sale = harness.core.state.sales[1]!;
  assert.equal(sale.status, "no_offer");
  assert.equal(sale.buyer, undefined);
  assert.equal(sale.finalPriceCents, 0);
});

Deno.test("the scheduler announces to subscribers every interval while open", pure, async () => {
  const harness = await createAuctionHarness({ config: { announceIntervalSeconds: 10 } });
  await harness.request("LIST_ITEM 1 Kite kite 20 35", SAM);
  await harness.request("SUBSCRIBE 2 Kite", ANN);
  await harness.advance(1_000);
  await harness.request("BID 3 Kite 22", BEN);
  const seen = timeline(harness, ANN, harness.clock.now() - 1_000);
  await advanceBySeconds(harness, 60_000);
  assert.deepEqual(seen.filter(([, line]) => line.startsWith("AUCTION_ANNOUNCE")), [
    [10_000, "AUCTION_ANNOUNCE Kite kite 22.00 25"],
    [20_000, "AUCTION_ANNOUNCE Kite kite 22.00 15"],
    [30_000, "AUCTION_ANNOUNCE Kite kite 22.00 5"],
    [35_000, "AUCTION_ANNOUNCE Kite kite 22.00 0"],
  ]);
  assert.equal(sentTo(harness, BEN).filter((m) => m.type === "AUCTION_ANNOUNCE").length, 0);
});

Deno.test("the scheduler sends no periodic announcement when the interval is 0", pure, async () => {
  const harness = await createAuctionHarness({ config: { announceIntervalSeconds: 0 } });
  await harness.request("LIST_ITEM 1 Kite kite 20 300", SAM);
  await harness.request("SUBSCRIBE 2 Kite", ANN);
  clearSent(harness);
  await harness.advance(299_999);
  assert.deepEqual(linesTo(harness, ANN), []);
  assert.equal(harness.scheduler!.pendingDeadlines, 1, "only the close is queued");
});

Deno.test("the scheduler keeps one timer, not one per item", pure, async () => {
  const harness = await createAuctionHarness({ config: { announceIntervalSeconds: 5 } });
  for (let index = 1; index <= 20; index++) {
    await harness.request(`LIST_ITEM ${index} item${index} thing 20 ${10 + index}`, SAM);
  }
  assert.equal(harness.clock.pendingTimers, 1);
  await harness.advance(31_000);
  assert.deepEqual(harness.core.state.openItems, {});
  assert.equal(harness.clock.pendingTimers, 0);
  await harness.scheduler!.stop();
});

/** Starts a second harness on the first one's journal, `downMs` later: a restart. */
async function restart(harness: Harness, downMs: number, config = {}): Promise<Harness> {
  await harness.scheduler!.stop();
  return await createAuctionHarness({
    events: [...journal(harness)],
    clock: new FakeClock(harness.clock.now() + downMs),
    config,
  });
}

Deno.test(
  "after a restart the auction keeps its price and closes at its end time",
  pure,
  async () => {
    const before = await createAuctionHarness();
    await before.request("LIST_ITEM 1 Kite kite 20 60", SAM);
    await before.request("SUBSCRIBE 2 Kite", ANN);
    await before.request("BID 3 Kite 25", ANN);
    const endsAtMs = before.core.state.items[1]!.endsAtMs;
    const after = await restart(before, 20_000);
    const item = after.core.state.items[1]!;
    assert.equal(item.currentPriceCents, 2500);
    assert.equal(item.endsAtMs, endsAtMs);
    await after.advance(endsAtMs - after.clock.now() - 1);
    assert.equal(item.status, "open");
    await after.advance(1);
    assert.equal(item.status, "closed");
    assert.deepEqual(linesTo(after, ANN), ["AUCTION_ANNOUNCE Kite kite 25.00 0"]);
    assert.equal(after.core.state.sales[1]!.closedAtMs, endsAtMs);
  },
);

Deno.test("after a restart an auction that ended while down closes at once", pure, async () => {
  const before = await createAuctionHarness();
  await before.request("LIST_ITEM 1 Kite kite 20 60", SAM);
  await before.request("SUBSCRIBE 2 Kite", ANN);
  await before.request("BID 3 Kite 25", ANN);
  const after = await restart(before, 120_000);
  assert.equal(after.core.state.items[1]!.status, "open");
  await after.advance(0);
  assert.equal(after.core.state.items[1]!.status, "closed");
  assert.equal(after.core.state.sales[1]!.buyer, "ann");
  assert.deepEqual(linesTo(after, ANN), ["AUCTION_ANNOUNCE Kite kite 25.00 0"]);
  assert.deepEqual(linesTo(after, SAM), [], "no negotiation for an auction that is over");
});

Deno.test(
  "after a restart a pending negotiation is resent at once, then the backoff goes on",
  pure,
  async () => {
    const before = await createAuctionHarness();
    await before.request("LIST_ITEM 1 Kite kite 20 200", SAM);
    await before.advance(103_000); // negotiation at 100 s, resent at 102 s; next due at 106 s
    const after = await restart(before, 1_000);
    const seen = timeline(after, SAM, after.clock.now());
    await after.advance(0);
    await advanceBySeconds(after, 100_000);
    assert.deepEqual(seen.filter(([, line]) => line.startsWith("NEGOTIATE_REQ")), [
      [0, "NEGOTIATE_REQ Kite 20.00 96"],
      [2_000, "NEGOTIATE_REQ Kite 20.00 94"],
      [10_000, "NEGOTIATE_REQ Kite 20.00 86"],
      [26_000, "NEGOTIATE_REQ Kite 20.00 70"],
    ]);
    assert.equal(journal(after).filter((e) => e.type === "negotiation_started").length, 1);
  },
);

Deno.test(
  "after a restart past half time with no bid and no negotiation, it starts at once",
  pure,
  async () => {
    const before = await createAuctionHarness();
    await before.request("LIST_ITEM 1 Kite kite 20 60", SAM);
    await before.advance(10_000);
    const after = await restart(before, 25_000);
    await after.advance(0);
    assert.deepEqual(linesTo(after, SAM), ["NEGOTIATE_REQ Kite 20.00 25"]);
  },
);

/** 100 open items, announced every 60 s, each with ANN subscribed; nothing sent yet. */
async function hundredItemsAnnSubscribedTo(config = {}): Promise<Harness> {
  const harness = await createAuctionHarness({
    config: { announceIntervalSeconds: 60, ...config },
  });
  for (let index = 0; index < 100; index++) {
    await harness.request(`LIST_ITEM ${index + 1} Item${index} d 20 3600`, SAM);
    await harness.request(`SUBSCRIBE ${index + 1} Item${index}`, ANN);
  }
  clearSent(harness);
  return harness;
}

Deno.test(
  "an announcement round of many items runs in slices, each its own transaction",
  pure,
  async () => {
    const harness = await hundredItemsAnnSubscribedTo();
    let transactions = 0;
    const run = harness.core.run.bind(harness.core);
    harness.core.run = ((work, onDurable) => {
      transactions++;
      return run(work, onDurable);
    }) as typeof harness.core.run;
    await harness.advance(60_000);
    const announced = linesTo(harness, ANN).filter((line) => line.startsWith("AUCTION_ANNOUNCE"));
    assert.equal(announced.length, 100, "every item announced");
    assert.ok(transactions >= Math.ceil(100 / 32), `${transactions} transactions`);
  },
);

Deno.test(
  "an announcement round waits for the outbox to have room before each next slice",
  pure,
  async () => {
    const harness = await hundredItemsAnnSubscribedTo();
    const announced = () =>
      linesTo(harness, ANN).filter((line) => line.startsWith("AUCTION_ANNOUNCE")).length;
    // The outbox has room for the first slice, then is full until the test makes room.
    const room = Promise.withResolvers<void>();
    let asked = 0;
    let full = true;
    harness.outbox.whenRoom = () => asked++ > 0 && full ? room.promise : undefined;
    await harness.advance(60_000);
    assert.equal(announced(), 32, "one slice, then the scheduler waits");
    full = false;
    room.resolve();
    await room.promise;
    await harness.advance(0);
    assert.equal(announced(), 100, "the rest once there is room");
  },
);

Deno.test(
  "announcements waiting for room hold back no close and no negotiation",
  pure,
  async () => {
    const harness = await hundredItemsAnnSubscribedTo({ maxListingsPerSeller: 0 });
    // The 101st item ends 10 s after the round starts; it has no bid: negotiation at half time.
    await harness.request("LIST_ITEM 101 Late d 20 70", SAM);
    const late = () => Object.values(harness.core.state.items).find((i) => i.name === "Late")!;
    let asked = 0;
    const never = new Promise<void>(() => {});
    harness.outbox.whenRoom = () => asked++ > 0 ? never : undefined;
    await harness.advance(60_000);
    assert.ok(asked >= 2, "the round waits for room");
    assert.ok(late().negotiation, "the negotiation at half time was not held back");
    await harness.advance(10_000);
    assert.equal(late().status, "closed", "nor was the close at the end time");
    const announced = linesTo(harness, ANN).filter((line) => line.startsWith("AUCTION_ANNOUNCE"));
    assert.ok(announced.length < 100, `${announced.length}: the round still waits`);
  },
);
