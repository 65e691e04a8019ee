/**
 * The one function that changes the state. It serves live requests and recovery alike, so
 * recovery cannot drift from behaviour. Deterministic: no I/O, no clock, no randomness.
 * @module
 */

import type { AuctionEvent } from "./events.ts";
import { cachedReply, keepReply, pruneReplies } from "./replies.ts";
import { addressKey, type AuctionState, type Item, nameKey, type User } from "./state.ts";
import {
  noteItemClosed,
  noteItemDropped,
  noteItemListed,
  noteOpenItemClosing,
  noteSubscription,
  noteUserCounted,
} from "./indexes.ts";
import { noteProvisionalAdded, noteProvisionalGone } from "./provisional.ts";
import { bindSession, removeUser } from "./apply_users.ts";

/** Applies `event` to `state` in place. */
export function applyEvent(state: AuctionState, event: AuctionEvent): void {
  switch (event.type) {
    case "user_registered": {
      const key = nameKey(event.name);
      const replaced = state.users[key];
      if (replaced) {
        noteUserCounted(state, replaced, -1);
        if (replaced.provisional) noteProvisionalGone(state, key, replaced);
      }
      const user: User = state.users[key] = {
        name: event.name,
        role: event.role,
        declaredIp: event.declaredIp,
        udpPort: event.udpPort,
        tcpPort: event.tcpPort,
        session: null,
        registeredAtMs: event.atMs,
        registeredFromIp: event.session.hostname,
        ...(event.passwordHash === undefined ? {} : {
          passwordHash: event.passwordHash,
          passwordSalt: event.passwordSalt,
        }),
        ...(event.passwordIterations === undefined
          ? {}
          : { passwordIterations: event.passwordIterations }),
        ...(event.sessionKeyHash === undefined ? {} : { sessionKeyHash: event.sessionKeyHash }),
      };
      noteUserCounted(state, user, 1);
      bindSession(state, key, event.session);
      if (event.sessionUnproven) user.sessionUnproven = true;
      if (event.provisional) {
        user.provisional = true;
        noteProvisionalAdded(state, key, user);
      }
      return;
    }
    case "user_logged_in": {
      const key = nameKey(event.name);
      const user = state.users[key];
      if (!user) return;
      if (event.tcpPort !== undefined) user.tcpPort = event.tcpPort;
      if (event.sessionKeyHash !== undefined) user.sessionKeyHash = event.sessionKeyHash;
      if (event.upgradedPassword) {
        user.passwordHash = event.upgradedPassword.hash;
        user.passwordSalt = event.upgradedPassword.salt;
        user.passwordIterations = event.upgradedPassword.iterations;
      }
      bindSession(state, key, event.session);
      if (event.sessionUnproven) user.sessionUnproven = true;
      else delete user.sessionUnproven;
      return;
    }
    case "session_shown": {
      const key = nameKey(event.name);
      const user = state.users[key];
      if (!user) return;
      delete user.sessionUnproven;
      if (user.provisional) {
        noteProvisionalGone(state, key, user);
        delete user.provisional;
      }
      return;
    }
    case "user_deregistered": {
      removeUser(state, nameKey(event.name));
      return;
    }
    case "accounts_expired": {
      for (const name of event.names) {
        const key = nameKey(name);
        const user = state.users[key];
        if (!user?.provisional) continue;
        // A REGISTER repeated from that address must not get the REGISTERED of a removed account.
        if (user.session) delete state.replies[addressKey(user.session)];
        removeUser(state, key);
      }
      return;
    }
    case "item_listed": {
      const seller = state.users[event.seller];
      const item: Item = state.items[event.id] = {
        id: event.id,
        name: event.name,
        description: event.description,
        seller: event.seller,
        sellerName: seller?.name ?? event.seller,
        startPriceCents: event.startPriceCents,
        currentPriceCents: event.startPriceCents,
        listedAtMs: event.atMs,
        durationMs: event.durationMs,
        endsAtMs: event.endsAtMs,
        status: "open",
        subscribers: [],
        bidCount: 0,
      };
      noteItemListed(state, item);
      state.openItems[nameKey(event.name)] = event.id;
      state.nextItemId = Math.max(state.nextItemId, event.id + 1);
      return;
    }
    case "subscribed": {
      const item = state.items[event.itemId];
      if (item && !item.subscribers.includes(event.user)) {
        item.subscribers.push(event.user);
        noteSubscription(state, item, event.user, 1);
      }
      return;
    }
    case "unsubscribed": {
      const item = state.items[event.itemId];
      if (!item?.subscribers.includes(event.user)) return;
      item.subscribers = item.subscribers.filter((user) => user !== event.user);
      noteSubscription(state, item, event.user, -1);
      return;
    }
    case "bid_placed": {
      const item = state.items[event.itemId];
      if (!item) return;
      item.highestBid = { bidder: event.bidder, amountCents: event.amountCents, atMs: event.atMs };
      item.currentPriceCents = event.amountCents;
      item.bidCount++;
      item.endsAtMs = event.endsAtMs;
      if (item.negotiation?.status === "pending") item.negotiation.status = "expired";
      return;
    }
    case "negotiation_started": {
      const item = state.items[event.itemId];
      if (item && !item.negotiation) {
        item.negotiation = { status: "pending", startedAtMs: event.atMs };
      }
      return;
    }
    case "negotiation_answered": {
      const item = state.items[event.itemId];
      if (!item?.negotiation) return;
      if (event.newPriceCents === undefined) {
        item.negotiation.status = "refused";
      } else {
        item.negotiation.status = "accepted";
        item.negotiation.acceptedAtMs = event.atMs;
        item.negotiation.acceptedPriceCents = event.newPriceCents;
        item.currentPriceCents = event.newPriceCents;
      }
      return;
    }
    case "auction_closed": {
      const item = state.items[event.itemId];
      if (!item || item.status === "closed") return;
      item.status = "closed";
      if (item.negotiation?.status === "pending") item.negotiation.status = "expired";
      if (state.openItems[nameKey(item.name)] === item.id) {
        noteOpenItemClosing(state, item);
        delete state.openItems[nameKey(item.name)];
      }
      noteItemClosed(state, item);
      const buyer = item.highestBid ? state.users[item.highestBid.bidder] : undefined;
      state.sales[item.id] = {
        itemId: item.id,
        itemName: item.name,
        seller: item.seller,
        sellerName: state.users[item.seller]?.name ?? item.sellerName,
        ...(item.highestBid
          ? { buyer: item.highestBid.bidder, buyerName: buyer?.name ?? item.highestBid.bidder }
          : {}),
        finalPriceCents: item.highestBid?.amountCents ?? 0,
        status: item.highestBid ? "pending" : "no_offer",
        rqs: event.rqs,
        closedAtMs: event.atMs,
      };
      return;
    }
    case "payment_started": {
      const sale = state.sales[event.itemId];
      if (!sale || sale.status !== "pending") return;
      sale.payment = {
        idempotencyKey: event.idempotencyKey,
        startedAtMs: event.atMs,
        buyerCardLast4: event.buyerCardLast4,
        sellerCardLast4: event.sellerCardLast4,
        shipTo: { ...event.shipTo },
      };
      return;
    }
    case "buyer_notified": {
      const sale = state.sales[event.itemId];
      if (!sale) return;
      sale.buyerNotice = { atMs: event.atMs, delivered: event.delivered };
      return;
    }
    case "sale_settled": {
      const sale = state.sales[event.itemId];
      if (!sale) return;
      sale.status = "settled";
      sale.endedAtMs = event.atMs;
      sale.feeCents = event.feeCents;
      sale.payoutCents = event.payoutCents;
      sale.buyerCardLast4 = event.buyerCardLast4;
      sale.sellerCardLast4 = event.sellerCardLast4;
      if (event.shippingRq !== undefined) sale.shippingRq = event.shippingRq;
      if (event.shipTo) sale.shipTo = { ...event.shipTo };
      if (event.paidRq !== undefined) sale.paidRq = event.paidRq;
      if (sale.payment) delete sale.payment.shipTo;
      return;
    }
    case "seller_notified": {
      const sale = state.sales[event.itemId];
      if (!sale) return;
      sale.sellerNotice = { atMs: event.atMs, delivered: event.delivered };
      delete sale.shipTo;
      return;
    }
    case "sale_cancelled": {
      const sale = state.sales[event.itemId];
      if (!sale) return;
      sale.status = "cancelled";
      sale.endedAtMs = event.atMs;
      sale.reason = event.reason;
      if (sale.payment) delete sale.payment.shipTo;
      return;
    }
    case "server_rq_leased": {
      state.serverRqLeased = Math.max(state.serverRqLeased, event.upTo);
      return;
    }
    case "request_answered": {
      const entries = state.replies[event.source] ?? (state.replies[event.source] = []);
      keepReply(
        entries,
        cachedReply(event.rq, event.requestDigest, event.reply, event.atMs, event.user),
      );
      return;
    }
    case "replies_expired": {
      pruneReplies(state, event.atMs);
      return;
    }
    case "items_archived": {
      const archived = state.archived ?? (state.archived = { items: 0, sales: 0 });
      for (const id of event.itemIds) {
        const item = state.items[id];
        if (!item || item.status !== "closed") continue;
        noteItemDropped(state, item);
        delete state.items[id];
        archived.items++;
        if (state.sales[id]) {
          delete state.sales[id];
          archived.sales++;
        }
      }
      return;
    }
  }
}
