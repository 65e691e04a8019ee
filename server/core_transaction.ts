/**
 * One transaction of `AuctionCore.run` (`core.ts`): what its work sees, and the core's hooks it
 * calls back into.
 * @module
 */

import type { ServerMessage } from "../protocol/mod.ts";
import type { AuctionEvent } from "../auction/events.ts";
import type { AuctionState, PeerAddress } from "../auction/state.ts";
import type { ServerConfig } from "./config.ts";
import type { AuctionCore, Delivery, Transaction } from "./core.ts";

/** The core's side of a transaction. */
export interface TransactionHooks {
  core: AuctionCore;
  emit(transaction: Transaction, events: AuctionEvent[], event: AuctionEvent): void;
  nextServerRq(transaction: Transaction): number;
}

/**
 * One transaction of {@linkcode AuctionCore.run}: methods on a prototype rather than four new
 * closures per request (the bid path runs one per datagram).
 */
export class CoreTransaction implements Transaction {
  readonly state: Readonly<AuctionState>;
  readonly nowMs: number;
  readonly config: Readonly<ServerConfig>;
  readonly #hooks: TransactionHooks;
  readonly #events: AuctionEvent[];
  readonly #deliveries: Delivery[];

  constructor(hooks: TransactionHooks, events: AuctionEvent[], deliveries: Delivery[]) {
    this.#hooks = hooks;
    this.state = hooks.core.state;
    this.nowMs = hooks.core.clock.now();
    this.config = hooks.core.config;
    this.#events = events;
    this.#deliveries = deliveries;
  }

  emit(event: AuctionEvent): void {
    this.#hooks.emit(this, this.#events, event);
  }

  nextServerRq(): number {
    return this.#hooks.nextServerRq(this);
  }

  push(userKey: string, build: (rq: number) => ServerMessage): void {
    const session = this.state.users[userKey]?.session;
    if (session) this.#deliveries.push({ to: session, message: build(this.nextServerRq()) });
  }

  sendTo(to: PeerAddress, message: ServerMessage, withReply?: boolean): void {
    this.#deliveries.push({ to, message, withReply });
  }
}
