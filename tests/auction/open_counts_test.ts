import assert from "node:assert/strict";
import { applyEvent } from "../../auction/apply.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { emptyState } from "../../auction/state.ts";
import {
  itemNamed,
  openListingsOf,
  openSubscriptionsOf,
  usersFromIp,
} from "../../auction/indexes.ts";
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
  "open listings, subscriptions and accounts per IP, and the closed-name index agree with a walk",
  pure,
  () => {
    let seed = 7;
    const random = (below: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
      return (seed >>> 16) % below; // the high bits: an LCG's low bits repeat quickly
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
      session: { hostname: `127.0.0.${1 + random(3)}`, port: 1000 + Number(name.slice(1)) },
    });
    /** Accounts u3 and u4 are of an older state: they count against their session's IP. */
    const apply = (event: AuctionEvent) => {
      applyEvent(state, event);
      if (event.type === "user_registered" && ["u3", "u4"].includes(event.name)) {
        // As an older version registered it (the same IP as the session, at this moment).
        delete state.users[event.name]!.registeredFromIp;
      }
    };
    for (const name of users) apply(register(name, 0));
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
      } else if (choice === 10 && random(2) === 0) {
        event = {
          type: "user_logged_in",
          atMs: step,
          name: user,
          session: { hostname: `127.0.0.${1 + random(3)}`, port: 1000 + random(5) },
        };
      } else if (choice === 10) {
        const closed = Object.values(state.items).filter((item) => item.status === "closed");
        event = {
          type: "items_archived",
          atMs: step,
          itemIds: closed.slice(0, random(3)).map((item) => item.id),
        };
      } else if (random(20) === 0) {
        event = { type: "user_deregistered", atMs: step, name: user };
        apply(event);
        event = register(user, step);
      } else {
        continue;
      }
      apply(event);
      for (const name of users) {
        const expected = scanCounts(state, name);
        assert.equal(openListingsOf(state, name), expected.listings, `step ${step}: listings`);
        assert.equal(openSubscriptionsOf(state, name), expected.subscriptions, `step ${step}`);
      }
      for (const ip of ["127.0.0.1", "127.0.0.2", "127.0.0.3"]) {
        const expected = Object.values(state.users).filter((user) =>
          (user.registeredFromIp ?? user.session?.hostname) === ip
        ).length;
        assert.equal(usersFromIp(state, ip), expected, `step ${step}: users from ${ip}`);
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
