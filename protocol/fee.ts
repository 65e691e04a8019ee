/**
 * The server's fee on a sale (PROTOCOL.md: the seller is credited 90% of the final price, the
 * server keeps 10%): one rule for the server that pays and the client that tells the seller.
 * @module
 */

/** The server's share of every sale, in percent. */
export const FEE_PERCENT = 10;

/** The fee (10%, rounded half up to the cent) and the seller's payout (the rest) of a price. */
export function splitPrice(priceCents: number): { feeCents: number; payoutCents: number } {
  if (!Number.isSafeInteger(priceCents) || priceCents < 0) {
    throw new RangeError(`Cannot split price ${priceCents}: use a whole number of cents`);
  }
  const feeCents = Math.floor((priceCents * FEE_PERCENT + 50) / 100);
  return { feeCents, payoutCents: priceCents - feeCents };
}
