import assert from "node:assert/strict";
import { applyEvent } from "../../../auction/apply.ts";
import type { AuctionEvent } from "../../../auction/events.ts";
import { BoardModel } from "../../../server/http/board_model.ts";
import { emptyState } from "../../../auction/state.ts";
import { pure } from "../../_support/pure.ts";
import { registeredUser } from "../../_support/sale_fixture.ts";

const AT = Date.UTC(2026, 0, 1);
const RQS = { buyer: 1, seller: 2, buyerInform: 3, sellerInform: 4 };

function listed(id: number, name = `Item${id}`): AuctionEvent {
  return {
    type: "item_listed",
    atMs: AT,
    id,
    name,
    description: "A thing",
    seller: "jas",
    startPriceCents: 2000,
    durationMs: 60_000,
    endsAtMs: AT + 60_000 + id,
  };
}

function bid(itemId: number, amountCents: number, bidder = "scott"): AuctionEvent {
  return {
    type: "bid_placed",
    atMs: AT + amountCents,
    itemId,
    bidder,
    amountCents,
    endsAtMs: AT + 60_000,
  };
}

const closed = (itemId: number): AuctionEvent => ({
  type: "auction_closed",
  atMs: AT + 60_000,
  itemId,
  rqs: RQS,
});

const USERS: AuctionEvent[] = [
  registeredUser("Jas", "seller", 40001, 40002, AT),
  registeredUser("Scott", "buyer", 40003, 40004, AT),
];

function modelAfter(events: AuctionEvent[], options = {}) {
  const model = new BoardModel(emptyState(), options);
  const changes = events.map((event) => model.apply(event));
  return { model, changes };
}

Deno.test(
  "BoardModel follows listing, bids, a lowered price and the close, with display names",
  pure,
  () => {
    const { model, changes } = modelAfter([
      ...USERS,
      listed(1, "Kite"),
      bid(1, 2500),
      { type: "negotiation_answered", atMs: AT, itemId: 2, newPriceCents: 1 },
      listed(2, "Lamp"),
      { type: "negotiation_answered", atMs: AT, itemId: 2, newPriceCents: 1500 },
    ]);
    assert.deepEqual(changes.map((change) => change?.type), [
      undefined,
      undefined,
      "listed",
      "bid",
      undefined,
      "listed",
      "price_adjusted",
    ]);
    const kite = model.find("KITE")!;
    assert.equal(kite.seller, "Jas");
    assert.equal(kite.leader, "Scott");
    assert.equal(kite.priceCents, 2500);
    assert.equal(kite.bids, 1);
    assert.deepEqual(kite.history, [
      { kind: "bid", atMs: AT + 2500, amountCents: 2500, bidder: "Scott" },
    ]);
    assert.equal(model.find("Lamp")!.priceCents, 1500);
    assert.deepEqual(model.open().map((item) => item.name), ["Kite", "Lamp"], "soonest end first");
  },
);

Deno.test(
  "BoardModel records a lowered price in the price history, marked apart from bids",
  pure,
  async (t) => {
    const events: AuctionEvent[] = [
      ...USERS,
      listed(1, "Drachen"),
      { type: "negotiation_started", atMs: AT + 30_000, itemId: 1 },
      { type: "negotiation_answered", atMs: AT + 31_000, itemId: 1, newPriceCents: 1550 },
      bid(1, 1600),
    ];
    const expected = [
      { kind: "price_adjusted", atMs: AT + 31_000, amountCents: 1550 },
      { kind: "bid", atMs: AT + 1600, amountCents: 1600, bidder: "Scott" },
    ];
    await t.step("from the events", () => {
      const drachen = modelAfter(events).model.find("Drachen")!;
      assert.equal(drachen.priceCents, 1600);
      assert.equal(drachen.bids, 1, "a lowered price is not a bid");
      assert.deepEqual(drachen.history, expected);
    });
    await t.step("from a recovered state", () => {
      const state = emptyState();
      for (const event of events) applyEvent(state, event);
      assert.deepEqual(new BoardModel(state).find("Drachen")!.history, expected);
    });
  },
);

Deno.test("BoardModel derives each status: open, pending, sold, no_offer, cancelled", pure, () => {
  const { model } = modelAfter([
    ...USERS,
    listed(1),
    listed(2),
    listed(3),
    listed(4),
    listed(5),
    bid(1, 2500),
    bid(2, 2500),
    bid(3, 2500),
    closed(1),
    closed(2),
    closed(3),
    closed(4),
    {
      type: "sale_settled",
      atMs: AT,
      itemId: 2,
      feeCents: 250,
      payoutCents: 2250,
      buyerCardLast4: "1111",
      sellerCardLast4: "4444",
    },
    { type: "sale_cancelled", atMs: AT, itemId: 3, reason: "Card declined" },
  ]);
  const status = (id: number) => model.find(`Item${id}`)!.status;
  assert.deepEqual([1, 2, 3, 4, 5].map(status), [
    "pending",
    "sold",
    "cancelled",
    "no_offer",
    "open",
  ]);
  assert.deepEqual(model.closed().map((item) => item.id), [4, 3, 2, 1], "newest first");
});

Deno.test("BoardModel built from a state matches the one built from the events", pure, () => {
  const events = [...USERS, listed(1), listed(2), bid(1, 2500), closed(1), listed(3, "Item1")];
  const state = emptyState();
  for (const event of events) applyEvent(state, event);
  const fromState = new BoardModel(state);
  const { model: fromEvents } = modelAfter(events);
  assert.deepEqual(fromState.open(), fromEvents.open());
  assert.deepEqual(fromState.closed(), fromEvents.closed());
  assert.equal(fromState.find("item1")!.id, 3, "the open auction of a name comes first");
});

Deno.test("BoardModel keeps a bounded closed list and a bounded bid history", pure, () => {
  const events: AuctionEvent[] = [...USERS];
  for (let id = 1; id <= 10; id++) events.push(listed(id), closed(id));
  events.push(listed(11));
  for (let cents = 2001; cents <= 2020; cents++) events.push(bid(11, cents));
  const { model } = modelAfter(events, { closedLimit: 3, historyLimit: 5 });
  assert.deepEqual(model.closed().map((item) => item.id), [10, 9, 8]);
  const item = model.find("Item11")!;
  assert.ok(item.history.length >= 5 && item.history.length < 8, `${item.history.length} kept`);
  assert.deepEqual(
    item.history.slice(-model.historyLimit).map((point) => point.amountCents),
    [2016, 2017, 2018, 2019, 2020],
  );
  assert.equal(item.bids, 20);
});

Deno.test("BoardModel forgets the names of expired provisional accounts", pure, () => {
  const model = new BoardModel(emptyState());
  const registered = (name: string): AuctionEvent => ({
    type: "user_registered",
    atMs: 0,
    name,
    role: "buyer",
    declaredIp: "10.0.0.1",
    udpPort: 6000,
    tcpPort: 6001,
    session: { hostname: "10.0.0.1", port: 40000 },
    provisional: true,
  });
  model.apply(registered("ghost"));
  model.apply(registered("wraith"));
  model.apply({ type: "accounts_expired", atMs: 1, names: ["Ghost"] });
  assert.equal(model.userNames, 1);
});
