/**
 * The payment seam: a {@linkcode PaymentGateway} charges the buyer and credits the seller, and
 * the built-in {@linkcode SimulatedGateway} does it in memory. Card numbers pass through here
 * and are never kept: a gateway's records hold the last four digits only.
 * @module
 */

import { type CardExpiry, cardLastFour, isCardExpired, passesLuhn } from "../protocol/mod.ts";
import { type Clock, systemClock } from "./clock.ts";

/** The server's share of every sale, in percent. */
export const FEE_PERCENT = 10;

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

/** Charges buyers and credits sellers. Resolves with a decline; rejects only when unreachable. */
export interface PaymentGateway {
  /** Pays one sale; a repeat of an `idempotencyKey` answers the first result without paying. */
  pay(request: PaymentRequest): Promise<PaymentResult>;
}

/** The fee (10%, rounded half up to the cent) and the seller's payout (the rest) of a price. */
export function splitPrice(priceCents: number): { feeCents: number; payoutCents: number } {
  if (!Number.isSafeInteger(priceCents) || priceCents < 0) {
    throw new RangeError(`Cannot split price ${priceCents}: use a whole number of cents`);
  }
  const feeCents = Math.floor((priceCents * FEE_PERCENT + 50) / 100);
  return { feeCents, payoutCents: priceCents - feeCents };
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
}

/**
 * The built-in gateway: pays in memory. Declines {@linkcode DECLINED_TEST_CARD}, cards that fail
 * the Luhn check and expired cards, on either side.
 */
export class SimulatedGateway implements PaymentGateway {
  /** Payments made, in order. */
  readonly ledger: LedgerEntry[] = [];
  readonly #clock: Clock;
  readonly #results = new Map<string, PaymentResult>();

  constructor(options: SimulatedGatewayOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  pay(request: PaymentRequest): Promise<PaymentResult> {
    const known = this.#results.get(request.idempotencyKey);
    if (known) return Promise.resolve(known);
    const result = this.#decide(request);
    this.#results.set(request.idempotencyKey, result);
    return Promise.resolve(result);
  }

  #decide(request: PaymentRequest): PaymentResult {
    const problem = this.#cardProblem(request.buyerCard, "buyer") ??
      this.#cardProblem(request.sellerCard, "seller");
    if (problem) return { status: "declined", reason: problem };
    if (!Number.isSafeInteger(request.amountCents) || request.amountCents <= 0) {
      return { status: "declined", reason: "amount must be more than 0" };
    }
    const { feeCents, payoutCents } = splitPrice(request.amountCents);
    this.ledger.push({
      idempotencyKey: request.idempotencyKey,
      chargedCents: request.amountCents,
      feeCents,
      payoutCents,
      buyerCardLast4: cardLastFour(request.buyerCard.number),
      sellerCardLast4: cardLastFour(request.sellerCard.number),
      atMs: this.#clock.now(),
    });
    return { status: "settled", feeCents, payoutCents };
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
