/**
 * Which IP addresses have a session the reply budget may trust. A REGISTER or LOGIN can come
 * from a forged address, so a session counts only once its address has shown that it receives
 * what the server sends: a later request acted for its user (with session keys, only the
 * address that got the key can do that). Sessions loaded at start count as shown if they had
 * shown it before (`session_shown` journaled; sessions from before that was recorded count too).
 * @module
 */

import type { CoreView } from "../core.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import type { SessionView } from "./reply_budget.ts";
import { addressKey, nameKey, type PeerAddress } from "../../auction/state.ts";

/** What the index needs of the core: the state, and each event as it is applied. */
export interface SessionIpsCore {
  /** The live state, read-only. */
  readonly state: CoreView["state"];
  /** Follows every event as it is applied. */
  onEvent(listener: (event: AuctionEvent) => void): void;
}

/** An index of session addresses by IP, kept in step with the state through `core.onEvent`. */
export class SessionIps implements SessionView {
  readonly #core: SessionIpsCore;
  /** Session address (`host:port`) of each user key. */
  readonly #addressOf = new Map<string, string>();
  /** User key and IP of each session address. */
  readonly #holderOf = new Map<string, { userKey: string; ip: string }>();
  /** Session addresses that showed they receive. */
  readonly #shown = new Set<string>();
  /** How many shown session addresses each IP has. */
  readonly #shownPerIp = new Map<string, number>();

  constructor(core: SessionIpsCore) {
    this.#core = core;
    for (const [key, user] of Object.entries(core.state.users)) {
      if (!user.session) continue;
      this.#bind(key, user.session);
      // Only a session that showed it receives before the restart (`session_shown`).
      if (!user.sessionUnproven) this.#show(addressKey(user.session));
    }
    core.onEvent((event) => {
      if (
        event.type === "user_registered" || event.type === "user_logged_in" ||
        event.type === "user_deregistered"
      ) {
        this.#sync(nameKey(event.name));
      } else if (event.type === "accounts_expired") {
        for (const name of event.names) this.#sync(nameKey(name));
      }
    });
  }

  /** How many session addresses it follows (one per account with a session). */
  get trackedSessions(): number {
    return this.#holderOf.size;
  }

  /** Whether `ip` has a session that showed it receives. */
  hasSession(ip: string): boolean {
    return (this.#shownPerIp.get(ip) ?? 0) > 0;
  }

  /**
   * A request from `address` acted for the user whose session it is: it receives. `key` is the
   * address's key when the caller made it already (the dispatcher does, once per request).
   */
  confirm(address: PeerAddress, key: string = addressKey(address)): void {
    if (this.#holderOf.has(key)) this.#show(key);
  }

  /** Follows user `userKey`'s session after an event changed it. */
  #sync(userKey: string): void {
    const session = this.#core.state.users[userKey]?.session ?? null;
    const now = session ? addressKey(session) : undefined;
    const before = this.#addressOf.get(userKey);
    if (before === now) return;
    if (before !== undefined) this.#unbind(before);
    if (session) this.#bind(userKey, session);
  }

  #bind(userKey: string, session: PeerAddress): void {
    const key = addressKey(session);
    // The address is taken from whoever held it: a new binding has shown nothing yet.
    const previous = this.#holderOf.get(key);
    if (previous) this.#addressOf.delete(previous.userKey);
    this.#unbind(key);
    this.#addressOf.set(userKey, key);
    this.#holderOf.set(key, { userKey, ip: session.hostname });
  }

  #unbind(key: string): void {
    const holder = this.#holderOf.get(key);
    if (!holder) return;
    this.#holderOf.delete(key);
    this.#addressOf.delete(holder.userKey);
    if (this.#shown.delete(key)) {
      const count = (this.#shownPerIp.get(holder.ip) ?? 1) - 1;
      if (count > 0) this.#shownPerIp.set(holder.ip, count);
      else this.#shownPerIp.delete(holder.ip);
    }
  }

  #show(key: string): void {
    const holder = this.#holderOf.get(key);
    if (!holder || this.#shown.has(key)) return;
    this.#shown.add(key);
    this.#shownPerIp.set(holder.ip, (this.#shownPerIp.get(holder.ip) ?? 0) + 1);
  }
}
