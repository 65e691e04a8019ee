/**
 * When a request is sent again and when it is given up, decided without timers or sockets: the
 * delays (a random 1 to 1.5 s, then twice the last), the end after `maxRetransmissions`, the move
 * to another node after `afterTries` unanswered tries at one, and the refusals that ask to be
 * retried. The engine (`requests.ts`) keeps the timers, the sends and the moves.
 * @module
 */

import type { Message } from "../protocol/mod.ts";
import type { EngineFailover } from "./failover.ts";

/** Options of {@linkcode RetryPolicy}. */
export interface RetryPolicyOptions {
  /** A number in [0, 1); @default Math.random */
  random?: () => number;
  /** @default 4 */
  maxRetransmissions?: number;
  /** First retransmission after this plus up to half of it again, in ms. @default 1000 */
  initialDelayMs?: number;
  /** When to move to another server node; absent: one node, no moves. */
  failover?: Pick<EngineFailover, "afterTries" | "maxMoves">;
}

/** What a request went through so far, as the policy reads it. */
export interface RequestTries {
  /** Sends at every node. */
  attempts: number;
  /** Sends at the current node. */
  triesHere: number;
  /** Moves to another node it was sent again after. */
  moves: number;
  /** A request of the move itself (LOGIN, SUBSCRIBE at the new node): given up, never moved. */
  pinned: boolean;
  /** The message table gives its type no reply. */
  expectsNoReply: boolean;
  /** The last try was refused with a refusal to try again (`Server busy`, `Rate limit exceeded`). */
  toldToRetry?: boolean;
}

/**
 * What to do when a request's delay passed without an answer: settle it as `sent` (a request
 * with no reply that nobody refused), give it up (`timeout`), move to another node, or send it
 * again at this one.
 */
export type RetryStep = "sent" | "timeout" | "move" | "retransmit";

/** The retransmission schedule and its limits; randomness is injected. */
export class RetryPolicy {
  readonly #random: () => number;
  readonly #maxRetransmissions: number;
  readonly #initialDelayMs: number;
  readonly #failover: RetryPolicyOptions["failover"];

  constructor(options: RetryPolicyOptions = {}) {
    this.#random = options.random ?? Math.random;
    this.#maxRetransmissions = options.maxRetransmissions ?? 4;
    this.#initialDelayMs = options.initialDelayMs ?? 1000;
    this.#failover = options.failover;
  }

  /** The delay after a request's first try at a node: 1 to 1.5 times `initialDelayMs`. */
  firstDelayMs(): number {
    return this.#initialDelayMs * (1 + this.#random() / 2);
  }

  /** The delay after a retransmission: twice the last one. */
  nextDelayMs(lastDelayMs: number): number {
    return lastDelayMs * 2;
  }

  /** What to do now that the delay after the last try passed without an answer. */
  whenDelayPasses(tries: RequestTries): RetryStep {
    if (tries.expectsNoReply && !tries.toldToRetry) return "sent";
    const failover = this.#failover;
    if (failover && tries.triesHere >= (failover.afterTries ?? 2)) {
      return tries.pinned || tries.moves >= failover.maxMoves ? "timeout" : "move";
    }
    if (!failover && tries.attempts > this.#maxRetransmissions) return "timeout";
    return "retransmit";
  }

  /**
   * Whether `reply`, to a request sent `attempts` times, is a refusal to try again while
   * retransmissions are left: it answers nothing yet, the next retransmission goes out as planned.
   */
  waitsOut(reply: Message, attempts: number): boolean {
    return isTryAgain(reply) && attempts <= this.#maxRetransmissions;
  }
}

/**
 * A refusal the server does not remember and expects to be retried (`Server busy: try again`
 * while passwords are hashed, `Rate limit exceeded`).
 */
function isTryAgain(message: Message): boolean {
  const reason = (message as { reason?: unknown }).reason;
  return typeof reason === "string" && /^(Server busy|Rate limit exceeded)/.test(reason);
}
