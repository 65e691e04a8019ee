/**
 * The sentences that end a sale, for each side: the buyer's PAID and the seller's Shipping_Info,
 * each with what the shell remembers of the sale (neither message carries all of it). Pure.
 * @module
 */

import { FEE_PERCENT, formatPrice, type MessageOf, splitPrice } from "../protocol/mod.ts";

/**
 * PAID to the buyer, as a sentence: what was charged to which card and, when the shell knows
 * them, who ships where. PAID carries neither: the seller comes from WINNER, the address is the
 * one the buyer gave (the seller's own address is never sent to the buyer).
 */
export function describePaid(
  paid: MessageOf<"PAID">,
  shipping: { seller?: string; address?: string } = {},
): string {
  const charged = `[${paid.item}] Paid ${
    formatPrice(paid.finalPrice)
  } with card ending ${paid.cardLast4}`;
  const seller = shipping.seller ?? "the seller";
  const to = shipping.address ?? "the address you gave";
  return `${charged}; ${seller} ships to ${to}.`;
}

/**
 * Shipping_Info to the seller, as a sentence: what is credited to which card, when the shell
 * knows them (the price from SOLD, the card from the answer to INFORM_Req; Shipping_Info carries
 * neither), and who to ship to.
 */
export function describeShipping(
  shipping: MessageOf<"Shipping_Info">,
  sale: { finalPrice?: number; card?: string } = {},
): string {
  const shipTo = `ship to ${shipping.name}, ${shipping.address}.`;
  if (sale.finalPrice === undefined) return `Paid: ${shipTo}`;
  const { payoutCents } = splitPrice(sale.finalPrice);
  const card = sale.card === undefined ? "your card" : `card ${sale.card}`;
  return `Paid: ${formatPrice(payoutCents)} credited to ${card} (${
    formatPrice(sale.finalPrice)
  } less the ${FEE_PERCENT}% fee); ${shipTo}`;
}
