/**
 * The changes to users that several events share: binding a session address, removing a user.
 * Part of {@linkcode applyEvent}'s work (`apply.ts`), with the same rules: no I/O, no clock.
 * @module
 */

import { addressKey, type AuctionState, type PeerAddress } from "./state.ts";
import {
  noteSessionsMoving,
  noteSubscriberGone,
  noteUserCounted,
  openSubscriptionsOf,
} from "./indexes.ts";
import { noteProvisionalGone } from "./provisional.ts";

/** Removes user `key`, its session and its subscriptions. */
export function removeUser(state: AuctionState, key: string): void {
  const user = state.users[key];
  if (!user) return;
  if (user.session) delete state.sessions[addressKey(user.session)];
  noteUserCounted(state, user, -1);
  if (user.provisional) noteProvisionalGone(state, key, user);
  // From the index: no walk over the open items for a user who follows none (every provisional
  // one: a request that subscribes also shows the session).
  if (openSubscriptionsOf(state, key) > 0) {
    for (const id of Object.values(state.openItems)) {
      const item = state.items[id];
      if (item) item.subscribers = item.subscribers.filter((subscriber) => subscriber !== key);
    }
    noteSubscriberGone(state, key);
  }
  delete state.users[key];
}

/** Makes `address` the session of user `key`, taking it from whoever had it. */
export function bindSession(state: AuctionState, key: string, address: PeerAddress): void {
  const user = state.users[key];
  if (!user) return;
  if (user.session) delete state.sessions[addressKey(user.session)];
  const taken = state.sessions[addressKey(address)];
  const previous = taken === undefined ? undefined : state.users[taken];
  noteSessionsMoving(state, user, previous);
  if (previous && previous !== user) previous.session = null;
  user.session = address.node === undefined
    ? { hostname: address.hostname, port: address.port }
    : { hostname: address.hostname, port: address.port, node: address.node };
  state.sessions[addressKey(address)] = key;
}
