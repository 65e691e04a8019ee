import assert from "node:assert/strict";
import { applyEvent } from "../../server/apply.ts";
import type { AuctionEvent } from "../../server/events.ts";
import { emptyState, itemNamed, openListingsOf, openSubscriptionsOf } from "../../server/state.ts";
import { pure } from "../_support/pure.ts";

/** What the indexes must say, by walking the state. */
function scanCounts(state: ReturnType<typeof emptyState>, user: string) {
  let listings = 0;
  let subscriptions = 0;
  for (const id of Object.values(state.openItems)) {
    if (state.items[id]?.seller === user) listings++;
    if (state.items[id]?.subscribers.includes(user)) subscriptions++;
  }
  return { listings, subscriptions };
}

Deno.test(
  "open listings and subscriptions per user and the closed-name index agree with a walk",
  pure,
  () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % below;
    };
    const state = emptyState();
    const users = ["u0", "u1", "u2", "u3", "u4"];
    const register = (name: string, atMs: number): AuctionEvent => ({
      type: "user_registered",
      atMs,
      name,
      role: "buyer",
      declaredIp: "127.0.0.1",
      udpPort: 1,
      tcpPort: 2,
      session: { hostname: "127.0.0.1", port: 1000 + Number(name.slice(1)) },
    });
    for (const name of users) applyEvent(state, register(name, 0));
    let nextId = 1;
    for (let step = 0; step < 5_000; step++) {
      const user = users[random(users.length)]!;
      const openIds = Object.values(state.openItems);
      const anyId = 1 + random(Math.max(1, nextId - 1));
      const choice = random(12);
      let event: AuctionEvent;
      if (choice < 3) {
        event = {
          type: "item_listed",
          atMs: step,
          id: nextId++,
          name: `Item${random(40)}`,
          description: "d",
          seller: user,
          startPriceCents: 100,
          durationMs: 1000,
          endsAtMs: step + 1000,
        };
        if (state.openItems[event.name.toLowerCase()] !== undefined) continue;
      } else if (choice < 6) {
        event = { type: "subscribed", atMs: step, itemId: anyId, user };
      } else if (choice < 8) {
        event = { type: "unsubscribed", atMs: step, itemId: anyId, user };
      } else if (choice < 10 && openIds.length > 0) {
        const itemId = openIds[random(openIds.length)]!;
        event = {
          type: "auction_closed",
          atMs: step,
          itemId,
          rqs: { buyer: 1, seller: 2, buyerInform: 3, sellerInform: 4 },
        };
      } else if (choice === 10) {
        const closed = Object.values(state.items).filter((item) => item.status === "closed");
        event = {
          type: "items_archived",
          atMs: step,
          itemIds: closed.slice(0, random(3)).map((item) => item.id),
        };
      } else {
        event = { type: "user_deregistered", atMs: step, name: user };
        applyEvent(state, event);
        event = register(user, step);
      }
      applyEvent(state, event);
      for (const name of users) {
        const expected = scanCounts(state, name);
        assert.equal(openListingsOf(state, name), expected.listings, `step ${step}: listings`);
        assert.equal(openSubscriptionsOf(state, name), expected.subscriptions, `step ${step}`);
      }
      const name = `item${random(40)}`;
      let latest: number | undefined;
      for (const item of Object.values(state.items)) {
        if (item.name.toLowerCase() === name && (latest === undefined || item.id > latest)) {
          latest = item.id;
        }
      }
      const open = state.openItems[name];
      assert.equal(itemNamed(state, name)?.id, open ?? latest, `step ${step}: ${name}`);
    }
  },
);
