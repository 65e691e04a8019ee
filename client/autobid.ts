/**
 * Proxy bidding, done by the client: when someone else leads an item, bid the current price
 * plus STEP, never above MAX; report when MAX is reached. Driven by the messages the client
 * receives; sending and reporting are injected, so the rules are testable without sockets.
 * @module
 */

import { formatPrice, type Message } from "../protocol/mod.ts";
import type { KnownItem } from "./items.ts";
import type { RequestOutcome } from "./requests.ts";

/** What the autobidder reports. */
export type AutobidEvent =
  | { action: "started"; item: string; maxCents: number; stepCents: number }
  | { action: "bid"; item: string; amountCents: number; maxCents: number }
  | { action: "max_reached"; item: string; priceCents: number; maxCents: number }
  | { action: "stopped"; item: string; reason: string };

/** Why an autobid stopped at its max: the price passed it, or someone else leads at it. */
export function maxReachedReason(priceCents: number, maxCents: number): string {
  return `the price ${formatPrice(priceCents)} ${
    priceCents > maxCents ? "passed" : "reached"
  } your max ${formatPrice(maxCents)}`;
}

/** What a BID's outcome tells the autobidder: accepted, or refused with the server's reason. */
export function bidAnswer(outcome: RequestOutcome): { accepted: boolean; reason?: string } {
  return outcome.status === "replied" && outcome.reply.type === "BID_ACCEPTED"
    ? { accepted: true }
    : {
      accepted: false,
      reason: outcome.status === "replied" && "reason" in outcome.reply
        ? outcome.reply.reason
        : undefined,
    };
}

/** The seams of {@linkcode Autobidder}. */
export interface AutobidOptions {
  /** What the client knows of an item. */
  lookup(item: string): KnownItem | undefined;
  /** This client's user name, once registered or logged in. */
  self(): string | undefined;
  /** Sends a bid; resolves to its outcome: accepted, or refused with the server's reason. */
  bid(item: string, amountCents: number): Promise<{ accepted: boolean; reason?: string }>;
  /** Reports progress. */
  report(event: AutobidEvent): void;
}

interface Plan {
  item: string;
  maxCents: number;
  stepCents: number;
  inFlight: boolean;
}

/** Proxy bids for the items it was started on. */
export class Autobidder {
  readonly #options: AutobidOptions;
  readonly #plans = new Map<string, Plan>();
  /** Why the autobid on an item (lower-cased) stopped, until it is started again. */
  readonly #stopped = new Map<string, string>();

  constructor(options: AutobidOptions) {
    this.#options = options;
  }

  /** Whether an autobid runs for `item`. */
  isActive(item: string): boolean {
    return this.#plans.has(item.toLowerCase());
  }

  /** Why the autobid on `item` stopped, when it ran and stopped; undefined otherwise. */
  stoppedBecause(item: string): string | undefined {
    return this.isActive(item) ? undefined : this.#stopped.get(item.toLowerCase());
  }

  /** Starts (or changes) the autobid on `item`, and bids at once if someone else leads. */
  start(item: string, maxCents: number, stepCents: number): void {
    const key = item.toLowerCase();
    this.#stopped.delete(key);
    const plan = this.#plans.get(key) ?? { item, maxCents, stepCents, inFlight: false };
    plan.maxCents = maxCents;
    plan.stepCents = stepCents;
    this.#plans.set(key, plan);
    const known = this.#options.lookup(item)?.item ?? item;
    this.#options.report({ action: "started", item: known, maxCents, stepCents });
    this.#evaluate(plan);
  }

  /** Stops the autobid on `item`. */
  stop(item: string, reason = "stopped by you"): void {
    const plan = this.#plans.get(item.toLowerCase());
    if (!plan) return;
    this.#plans.delete(item.toLowerCase());
    this.#stopped.set(item.toLowerCase(), reason);
    this.#options.report({ action: "stopped", item: plan.item, reason });
  }

  /** Reacts to a message the client received (after the item book recorded it). */
  onMessage(message: Message): void {
    if (!("item" in message)) return;
    const plan = this.#plans.get(message.item.toLowerCase());
    if (plan) this.#evaluate(plan);
  }

  #evaluate(plan: Plan): void {
    if (plan.inFlight || this.#plans.get(plan.item.toLowerCase()) !== plan) return;
    const known = this.#options.lookup(plan.item);
    if (!known || known.priceCents === undefined) return; // Wait for an announcement.
    if (known.closed) {
      this.stop(plan.item, "the auction is over");
      return;
    }
    const self = this.#options.self();
    if (self !== undefined && known.leader?.toLowerCase() === self.toLowerCase()) return;
    const amountCents = Math.min(known.priceCents + plan.stepCents, plan.maxCents);
    if (amountCents <= known.priceCents) {
      this.#plans.delete(plan.item.toLowerCase());
      this.#stopped.set(plan.item.toLowerCase(), maxReachedReason(known.priceCents, plan.maxCents));
      this.#options.report({
        action: "max_reached",
        item: plan.item,
        priceCents: known.priceCents,
        maxCents: plan.maxCents,
      });
      return;
    }
    // Lines name the item as the server spells it.
    plan.item = known.item;
    plan.inFlight = true;
    const seen = `${known.priceCents} ${known.leader ?? ""}`;
    this.#options.report({ action: "bid", item: plan.item, amountCents, maxCents: plan.maxCents });
    this.#options.bid(plan.item, amountCents).then(
      ({ accepted, reason }) => {
        plan.inFlight = false;
        // Accepted: the BID_UPDATE that follows shows us leading.
        if (accepted) return;
        // Refused after someone bid in between: their BID_UPDATE tells the new price. Refused
        // with nothing new heard: bidding again would be refused again, so stop.
        const now = this.#options.lookup(plan.item);
        if (now && `${now.priceCents} ${now.leader ?? ""}` !== seen) this.#evaluate(plan);
        else this.stop(plan.item, `bid refused: ${reason ?? "no reply"}`);
      },
      () => {
        plan.inFlight = false;
      },
    );
  }
}
