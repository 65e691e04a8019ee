/**
 * Reliable requests over UDP: each request gets an RQ#, is sent again with the same bytes
 * after a random 1 to 1.5 s, then after twice that, and so on, at most 4 times, until a reply
 * with its RQ# arrives. Replies are matched by RQ#; one with an RQ# this client is not waiting
 * for is logged and ignored. With several server nodes (`failover`), two unanswered tries at one
 * node move the client to the next, and the request is sent again there. When to send again, and
 * when to give up or move, is `RetryPolicy`'s (`retry_policy.ts`).
 * @module
 */

import {
  type ClientMessageType,
  encodeMessage,
  type Message,
  type MessageOf,
  NO_REPLY_TYPES,
  REPLY_TYPES,
} from "../protocol/mod.ts";
import type { EngineFailover } from "./failover.ts";
import type { Logger } from "./log.ts";
import { type RequestTries, RetryPolicy } from "./retry_policy.ts";
import { systemTimers, type Timers } from "./timers.ts";

/** A message a client sends to the server over UDP. */
export type ClientRequest = {
  [N in Exclude<ClientMessageType, "INFORM_Res">]: MessageOf<N>;
}[Exclude<ClientMessageType, "INFORM_Res">];

/** How a request ended. */
export type RequestOutcome =
  | { status: "replied"; request: ClientRequest; raw: string; reply: Message; attempts: number }
  | { status: "timeout"; request: ClientRequest; raw: string; attempts: number }
  | { status: "sent"; request: ClientRequest; raw: string; attempts: number }
  | { status: "cancelled"; request: ClientRequest; raw: string; attempts: number };

// The roles are columns of the message table; re-exported for the client's own modules.
export { NO_REPLY_TYPES, REFUSAL_TYPES, REPLY_TYPES } from "../protocol/mod.ts";

/** Options of {@linkcode RequestEngine}. */
export interface RequestEngineOptions {
  /** Sends one datagram to the server. */
  send: (line: string) => void;
  /** @default systemTimers */
  timers?: Timers;
  /** A number in [0, 1); @default Math.random */
  random?: () => number;
  /** @default 4 */
  maxRetransmissions?: number;
  /** First retransmission after this plus up to half of it again, in ms. @default 1000 */
  initialDelayMs?: number;
  /** The first RQ#. @default a random number from 1 to 100000 */
  firstRq?: number;
  /** Moving to another server node when one does not answer; absent: one node, no moves. */
  failover?: EngineFailover;
  logger?: Logger;
}

/** Options of one {@linkcode RequestEngine.request}. */
export interface RequestOptions {
  /** Another message that counts as the answer (a PRICE_ADJUSTMENT answers ACCEPT). */
  settleBy?: (message: Message) => boolean;
  /**
   * A request of the move itself (LOGIN, SUBSCRIBE at the new node): never paused by a move,
   * and given up after the failover's `afterTries` unanswered tries instead of moving.
   */
  pinned?: boolean;
}

/** A request waiting for its answer: its tries so far, its timer and its promise. */
interface Pending extends RequestTries {
  request: ClientRequest;
  raw: string;
  delayMs: number;
  timer: unknown;
  settleBy?: (message: Message) => boolean;
  /** Waiting for a move to end before it is sent (again). */
  paused: boolean;
  resolve: (outcome: RequestOutcome) => void;
}

/** Sends requests and matches their replies; time and randomness are injected. */
export class RequestEngine {
  readonly #send: (line: string) => void;
  readonly #timers: Timers;
  readonly #policy: RetryPolicy;
  readonly #failover?: EngineFailover;
  #moving = false;
  readonly #logger?: Logger;
  readonly #pending = new Map<number, Pending>();
  #nextRq: number;
  readonly #firstRq: number;

  constructor(options: RequestEngineOptions) {
    const random = options.random ?? Math.random;
    this.#send = options.send;
    this.#timers = options.timers ?? systemTimers;
    this.#policy = new RetryPolicy({
      random,
      maxRetransmissions: options.maxRetransmissions,
      initialDelayMs: options.initialDelayMs,
      failover: options.failover,
    });
    this.#logger = options.logger;
    this.#failover = options.failover;
    this.#nextRq = options.firstRq ?? 1 + Math.floor(random() * 100_000);
    this.#firstRq = this.#nextRq;
  }

  /** Requests still waiting for an answer. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** The RQ# the next request will carry. */
  get nextRq(): number {
    return this.#nextRq;
  }

  /**
   * Sends `build(rq)` and resolves when it is answered, given up, or (for a request the table
   * gives no reply) when the first retransmission delay passed without a refusal.
   * While the client moves to another node, a new request waits and is sent once it is there.
   */
  request(
    build: (rq: number) => ClientRequest,
    options: RequestOptions = {},
  ): Promise<RequestOutcome> {
    const request = build(this.#nextRq++);
    const raw = encodeMessage(request);
    const { promise, resolve } = Promise.withResolvers<RequestOutcome>();
    const pending: Pending = {
      request,
      raw,
      attempts: 0,
      delayMs: 0,
      timer: 0,
      settleBy: options.settleBy,
      triesHere: 0,
      moves: 0,
      pinned: options.pinned ?? false,
      expectsNoReply: NO_REPLY_TYPES.has(request.type),
      paused: false,
      resolve,
    };
    this.#pending.set(request.rq, pending);
    if (this.#moving && !pending.pinned) pending.paused = true;
    else this.#sendFresh(pending);
    return promise;
  }

  /**
   * Offers an incoming message: a reply settles the request with its RQ#. Returns true when
   * it settled one; a reply nobody waits for is logged and ignored, and so is a refusal that
   * asks to try again while retransmissions are left (false: it answers nothing yet).
   */
  receive(message: Message): boolean {
    if (REPLY_TYPES.has(message.type)) {
      const pending = this.#pending.get(message.rq);
      if (!pending && message.rq >= this.#firstRq && message.rq < this.#nextRq) {
        // A retransmitted request answered twice: normal on a slow or lossy network.
        this.#logger?.debug("Ignoring a second reply to an answered request", {
          type: message.type,
          rq: message.rq,
        });
        return false;
      }
      if (!pending) {
        this.#logger?.warn("Ignoring a reply to an RQ# this client is not waiting for", {
          type: message.type,
          rq: message.rq,
        });
        return false;
      }
      if (this.#policy.waitsOut(message, pending.attempts)) {
        // Never remembered by the server: the retransmission already scheduled is evaluated
        // again, as PROTOCOL.md's client is expected to do.
        this.#logger?.debug("Server busy: retransmitting later", { rq: message.rq });
        pending.toldToRetry = true;
        return false;
      }
      this.#settle(pending, { status: "replied", reply: message });
      return true;
    }
    for (const pending of this.#pending.values()) {
      if (pending.settleBy?.(message)) {
        this.#settle(pending, { status: "replied", reply: message });
        return true;
      }
    }
    return false;
  }

  /** Gives up every pending request (outcome `cancelled`). */
  cancelAll(): void {
    for (const pending of [...this.#pending.values()]) {
      this.#settle(pending, { status: "cancelled" });
    }
  }

  /** Sends a request's first try at the current node, with a new 1 to 1.5 s delay. */
  #sendFresh(pending: Pending): void {
    pending.attempts++;
    pending.triesHere = 1;
    pending.delayMs = this.#policy.firstDelayMs();
    this.#send(pending.raw);
    pending.timer = this.#timers.setTimeout(() => this.#onTimer(pending), pending.delayMs);
  }

  #onTimer(pending: Pending): void {
    if (this.#pending.get(pending.request.rq) !== pending) return;
    const step = this.#policy.whenDelayPasses(pending);
    pending.toldToRetry = false;
    if (step === "retransmit") {
      this.#retransmit(pending);
    } else if (step === "move") {
      pending.paused = true;
      void this.#move(this.#failover!);
    } else {
      if (step === "timeout" && !this.#failover) {
        // Debug only: the outcome reaches the user (the shell's line, the script's `timeout`
        // record, the probe's "unreachable"); a warning too printed it twice.
        this.#logger?.debug("No reply after all retransmissions", {
          rq: pending.request.rq,
          type: pending.request.type,
          attempts: pending.attempts,
        });
      }
      this.#settle(pending, { status: step });
    }
  }

  /** Sends a request again at the same node, after twice the last delay. */
  #retransmit(pending: Pending): void {
    pending.attempts++;
    pending.triesHere++;
    pending.delayMs = this.#policy.nextDelayMs(pending.delayMs);
    this.#logger?.info("Retransmitting", {
      rq: pending.request.rq,
      type: pending.request.type,
      attempt: pending.attempts,
    });
    this.#send(pending.raw);
    pending.timer = this.#timers.setTimeout(() => this.#onTimer(pending), pending.delayMs);
  }

  /**
   * Moves to another node once (requests that ran out of tries meanwhile wait for the same
   * move): every request not of the move waits, then is sent again there with the same RQ# and
   * bytes but the new key; the server compares repeats without the key, so none is done twice.
   */
  async #move(failover: EngineFailover): Promise<void> {
    if (this.#moving) return;
    this.#moving = true;
    for (const pending of this.#pending.values()) {
      if (pending.pinned || pending.expectsNoReply) continue;
      this.#timers.clear(pending.timer);
      pending.paused = true;
    }
    const result = await failover.move().catch((error) => {
      this.#logger?.warn("Cannot move to another node", { error });
      return { moved: false } as const;
    });
    this.#moving = false;
    for (const pending of [...this.#pending.values()].filter((each) => each.paused)) {
      pending.paused = false;
      if (!result.moved) {
        this.#settle(pending, { status: "timeout" });
        continue;
      }
      if (pending.attempts > 0) pending.moves++;
      if (result.key !== undefined && "key" in pending.request && pending.request.key) {
        pending.request = { ...pending.request, key: result.key } as ClientRequest;
        pending.raw = encodeMessage(pending.request);
      }
      this.#sendFresh(pending);
    }
  }

  #settle(
    pending: Pending,
    end:
      | { status: "replied"; reply: Message }
      | { status: "timeout" | "sent" | "cancelled" },
  ): void {
    this.#pending.delete(pending.request.rq);
    this.#timers.clear(pending.timer);
    pending.resolve({
      ...end,
      request: pending.request,
      raw: pending.raw,
      attempts: pending.attempts,
    });
  }
}
