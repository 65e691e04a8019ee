/**
 * What a command handler sees of its transaction (`CommandContext`), for the dispatcher.
 * @module
 */

import type { CommandContext, SessionKey } from "../../commands/define.ts";
import type { Delivery, Transaction } from "../core.ts";
import type { AuctionEvent } from "../../auction/events.ts";
import { type AuctionState, nameKey, type PeerAddress, type User } from "../../auction/state.ts";
import type { ServerConfig } from "../config.ts";
import type { ServerMessage } from "../../protocol/mod.ts";
import { newSessionKey } from "../identity/session_keys.ts";

/**
 * What a handler sees of its transaction; its events and pushes are held until it returns. A
 * class rather than an object literal: no new closures per request.
 */
export class HandlerContext implements CommandContext {
  readonly state: Readonly<AuctionState>;
  readonly nowMs: number;
  readonly config: Readonly<ServerConfig>;
  readonly userKey: string | undefined;
  /** The events emitted, in order. */
  readonly events: AuctionEvent[] = [];
  /** The messages pushed, in order. */
  readonly pushes: Delivery[] = [];
  readonly #transaction: Transaction;

  constructor(
    transaction: Transaction,
    readonly sender: PeerAddress,
    readonly user: User | undefined,
  ) {
    this.#transaction = transaction;
    this.state = transaction.state;
    this.nowMs = transaction.nowMs;
    this.config = transaction.config;
    this.userKey = user ? nameKey(user.name) : undefined;
  }

  emit(event: AuctionEvent): void {
    this.events.push(event);
  }

  nextServerRq(): number {
    return this.#transaction.nextServerRq();
  }

  push(userKey: string, build: (rq: number) => ServerMessage): void {
    const to = this.state.users[userKey]?.session;
    if (to) this.pushes.push({ to, message: build(this.#transaction.nextServerRq()) });
  }

  followUp(build: (rq: number) => ServerMessage): void {
    this.pushes.push({
      to: this.sender,
      message: build(this.#transaction.nextServerRq()),
      withReply: true,
    });
  }

  newSessionKey(): SessionKey {
    return newSessionKey();
  }
}
