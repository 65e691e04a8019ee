/**
 * The payment seam: a {@linkcode PaymentGateway} charges the buyer and credits the seller, and
 * the built-in {@linkcode SimulatedGateway} does it with a durable ledger of its own
 * (`payment_ledger.ts`). Card numbers pass through here and are never kept: a gateway's
 * records hold the last four digits only.
 * @module
 */

import {
  type CardExpiry,
  cardLastFour,
  isCardExpired,
  passesLuhn,
  splitPrice,
} from "../../protocol/mod.ts";
import { type Clock, systemClock } from "../clock.ts";
import { type LedgerRecord, MemoryLedger, type PaymentLedger } from "./payment_ledger.ts";

/** A card as read from an INFORM_Res; it lives only in memory for one exchange. */
export interface PaymentCard {
  /** Digits only, 12 to 19 of them. */
  number: string;
  /** Month and year the card is valid through. */
  expiry: CardExpiry;
  /** The card holder's name. */
  holder: string;
}

/** One sale to pay: charge the buyer `amountCents`, credit the seller the payout. */
export interface PaymentRequest {
  /** The same key for every attempt to pay one sale: a repeat must not charge again. */
  idempotencyKey: string;
  /** The final price, in cents. */
  amountCents: number;
  /** The card to charge. */
  buyerCard: PaymentCard;
  /** The card to credit. */
  sellerCard: PaymentCard;
}

/** What a gateway answers. */
export type PaymentResult =
  | { status: "settled"; feeCents: number; payoutCents: number }
  | { status: "declined"; reason: string };

/**
 * Charges buyers and credits sellers. Resolves with a decline; rejects only when unreachable
 * (the outcome is then unknown: ask {@linkcode PaymentGateway.lookup}).
 */
export interface PaymentGateway {
  /** Pays one sale; a repeat of an `idempotencyKey` answers the first result without paying. */
  pay(request: PaymentRequest): Promise<PaymentResult>;
  /** The result of an earlier `pay` with this key, or `undefined` if the gateway never did it. */
  lookup(idempotencyKey: string): Promise<PaymentResult | undefined>;
}

/** The card the simulated gateway always declines. */
export const DECLINED_TEST_CARD = "4000000000000002";

/** One payment the simulated gateway made; card numbers reduced to their last four digits. */
export interface LedgerEntry {
  /** The request's idempotency key. */
  idempotencyKey: string;
  /** Charged to the buyer, in cents. */
  chargedCents: number;
  /** Kept by the server, in cents. */
  feeCents: number;
  /** Credited to the seller, in cents. */
  payoutCents: number;
  /** Last four digits of the buyer's card. */
  buyerCardLast4: string;
  /** Last four digits of the seller's card. */
  sellerCardLast4: string;
  /** When it was paid. */
  atMs: number;
}

/** Options of {@linkcode SimulatedGateway}. */
export interface SimulatedGatewayOptions {
  /** Time, for the expiry check. @default systemClock */
  clock?: Clock;
  /** Where its decisions are kept. @default a MemoryLedger */
  ledger?: PaymentLedger;
}

/**
 * The built-in gateway. Declines {@linkcode DECLINED_TEST_CARD}, cards that fail the Luhn check
 * and expired cards, on either side. Every decision is in its ledger before `pay` answers, and a
 * repeated idempotency key gets the recorded decision: a key is charged at most once, even
 * across restarts and takeovers when the ledger is a file or a PostgreSQL table.
 */
export class SimulatedGateway implements PaymentGateway {
  readonly #clock: Clock;
  readonly #ledger: PaymentLedger;
  readonly #inFlight = new Map<string, Promise<PaymentResult>>();

  constructor(options: SimulatedGatewayOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#ledger = options.ledger ?? new MemoryLedger();
  }

  /** Payments made, in order (declines left out). */
  get ledger(): LedgerEntry[] {
    return this.#ledger.records().flatMap((record) =>
      record.status === "settled"
        ? [{
          idempotencyKey: record.key,
          chargedCents: record.chargedCents,
          feeCents: record.feeCents,
          payoutCents: record.payoutCents,
          buyerCardLast4: record.buyerCardLast4,
          sellerCardLast4: record.sellerCardLast4,
          atMs: record.atMs,
        }]
        : []
    );
  }

  pay(request: PaymentRequest): Promise<PaymentResult> {
    const key = request.idempotencyKey;
    const known = this.#ledger.get(key);
    if (known) return Promise.resolve(resultOf(known));
    const running = this.#inFlight.get(key);
    if (running) return running;
    const paying = this.#record(this.#decide(request))
      .finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, paying);
    return paying;
  }

  lookup(idempotencyKey: string): Promise<PaymentResult | undefined> {
    const known = this.#ledger.get(idempotencyKey);
    return Promise.resolve(known && resultOf(known));
  }

  /** Closes the ledger. */
  close(): Promise<void> {
    return this.#ledger.close();
  }

  async #record(record: LedgerRecord): Promise<PaymentResult> {
    // The ledger answers the first record of a key: one another node (or process) made counts.
    return resultOf(await this.#ledger.append(record));
  }

  #decide(request: PaymentRequest): LedgerRecord {
    const key = request.idempotencyKey;
    const atMs = this.#clock.now();
    const problem = this.#cardProblem(request.buyerCard, "buyer") ??
      this.#cardProblem(request.sellerCard, "seller");
    if (problem) return { key, status: "declined", reason: problem, atMs };
    if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
      return { key, status: "declined", reason: "amount must be more than 0", atMs };
    }
    const { feeCents, payoutCents } = splitPrice(request.amountCents);
    return {
      key,
      status: "settled",
      chargedCents: request.amountCents,
      feeCents,
      payoutCents,
      buyerCardLast4: cardLastFour(request.buyerCard.number),
      sellerCardLast4: cardLastFour(request.sellerCard.number),
      atMs,
    };
  }

  #cardProblem(card: PaymentCard, whose: string): string | undefined {
    const last4 = cardLastFour(card.number);
    if (card.number === DECLINED_TEST_CARD) return `${whose}'s card ending ${last4} was declined`;
    if (!/^\d{12,19}$/.test(card.number) || !passesLuhn(card.number)) {
      return `${whose}'s card ending ${last4} is not a valid card number`;
    }
    if (isCardExpired(card.expiry, this.#clock.now())) {
      return `${whose}'s card ending ${last4} has expired`;
    }
    return undefined;
  }
}

function resultOf(record: LedgerRecord): PaymentResult {
  return record.status === "settled"
    ? { status: "settled", feeCents: record.feeCents, payoutCents: record.payoutCents }
    : { status: "declined", reason: record.reason };
}
