/**
 * Answering INFORM_Req: with the payment profile when it is complete, otherwise by asking
 * (the shell) or waiting for a `pay` command (scripts). Card numbers and expiry dates are
 * only ever written to the server's connection; reports show the last four digits.
 * @module
 */

import {
  type CardExpiry,
  encodeMessage,
  isCardExpired,
  maskCard,
  message,
  type MessageOf,
  parseCardNumber,
  parseText,
  parseTypedCardExpiry,
  ProtocolError,
} from "../protocol/mod.ts";
import type { SaleConnection } from "./tcp.ts";

/** Payment details used to answer INFORM_Req without asking; any part may be missing. */
export interface PaymentProfile {
  fullName?: string;
  card?: string;
  expiry?: CardExpiry;
  address?: string;
}

/** A complete set of payment details. */
export type PaymentDetails = Required<PaymentProfile>;

/** An INFORM_Req waiting for its answer. */
export interface InformRequest {
  item: string;
  finalPriceCents: number;
  rq: number;
  /**
   * When the server gives up waiting, as the client guesses it from --inform-timeout (or the
   * server's default): INFORM_Req carries no deadline. In ms since the epoch.
   */
  deadlineMs: number;
  connection: SaleConnection;
}

/** How one payment detail is given: as a flag, or as the answer to the shell's question. */
export interface PaymentDetailSpec<T> {
  /** The command-line flag, without its dashes. */
  flag: string;
  /** The shell's question. */
  question: string;
  /** The name the shell's error messages give it. */
  label: string;
  /** Whether the shell masks it as it is typed. */
  secret: boolean;
  /** Parses it; throws a `ProtocolError` naming `field`. */
  parse(text: string, field: string): T;
}

/** Every payment detail, in the order the shell asks for them. */
export const PAYMENT_DETAILS: {
  readonly [K in keyof PaymentProfile]-?: PaymentDetailSpec<NonNullable<PaymentProfile[K]>>;
} = {
  fullName: {
    flag: "full-name",
    question: "Full name: ",
    label: "name",
    secret: false,
    parse: parseText,
  },
  card: {
    flag: "card",
    question: "Card number: ",
    label: "card",
    secret: true,
    parse: parseCardNumber,
  },
  expiry: {
    flag: "exp",
    question: "Card expiry (MM/YY): ",
    label: "expiry",
    secret: false,
    parse: parseUnexpiredCardExpiry,
  },
  address: {
    flag: "address",
    question: "Shipping address: ",
    label: "address",
    secret: false,
    parse: parseText,
  },
};

/**
 * An expiry `MM/YY` (or `M/YY`, as typed: see {@linkcode parseTypedCardExpiry}) that has not passed (valid through the end of its month, UTC, as the
 * server checks it): an expired card would only get the sale cancelled.
 */
export function parseUnexpiredCardExpiry(
  text: string,
  field: string,
  nowMs = Date.now(),
): CardExpiry {
  const expiry = parseTypedCardExpiry(text, field);
  if (isCardExpired(expiry, nowMs)) {
    throw new ProtocolError(`Invalid ${field}: this card has expired`, field);
  }
  return expiry;
}

/** The profile fields that are missing. */
export function missingDetails(profile: PaymentProfile): (keyof PaymentProfile)[] {
  return (Object.keys(PAYMENT_DETAILS) as (keyof PaymentProfile)[]).filter((key) =>
    profile[key] === undefined
  );
}

/** Writes INFORM_Res on the request's connection; returns the masked card for reports. */
export async function answerPayment(
  request: InformRequest,
  details: PaymentDetails,
): Promise<string> {
  const response: MessageOf<"INFORM_Res"> = message("INFORM_Res", request.rq, {
    name: details.fullName,
    card: details.card,
    expiry: details.expiry,
    address: details.address,
  });
  await request.connection.answer(encodeMessage(response));
  return maskCard(details.card);
}
