/**
 * Answering INFORM_Req: with the payment profile when it is complete, otherwise by asking
 * (the shell) or waiting for a `pay` command (scripts). Card numbers and expiry dates are
 * only ever written to the server's connection; reports show the last four digits.
 * @module
 */

import { encodeMessage, maskCard, message, type MessageOf } from "../protocol/mod.ts";
import type { PaymentProfile } from "./flags.ts";
import type { SaleConnection } from "./tcp.ts";

/** A complete set of payment details. */
export type PaymentDetails = Required<PaymentProfile>;

/** An INFORM_Req waiting for its answer. */
export interface PaymentRequest {
  item: string;
  finalPriceCents: number;
  rq: number;
  /** When the server gives up waiting (from --inform-timeout), in ms since the epoch. */
  deadlineMs: number;
  connection: SaleConnection;
}

/** The profile fields that are missing. */
export function missingDetails(profile: PaymentProfile): (keyof PaymentProfile)[] {
  return (["fullName", "card", "expiry", "address"] as const).filter((key) =>
    profile[key] === undefined
  );
}

/** Writes INFORM_Res on the request's connection; returns the masked card for reports. */
export async function answerPayment(
  request: PaymentRequest,
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
