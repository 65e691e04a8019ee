/**
 * The lenient reading of an INFORM_Res, next to the strict one of the message table: for a line
 * the codec refused, the seed writes names and cards
 * with spaces unquoted (`INFORM_Res 4 Mohammed Zahed 4111 1111 1111 1111 12/30 St Laurent`).
 * The card is the run of digit groups that makes a valid card number, followed by a valid expiry;
 * what comes before is the name, what comes after is the address.
 * @module
 */

import { type CardExpiry, parseCardExpiry, parseCardNumber } from "./card.ts";
import { ProtocolError } from "./fields.ts";
import { tokenize } from "./tokenize.ts";

/** The fields of an INFORM_Res read without quotes. */
export interface UnquotedInform {
  /** The holder's name. */
  name: string;
  /** The card's digits. */
  card: string;
  /** The card's expiry. */
  expiry: CardExpiry;
  /** The address, its words joined by single spaces. */
  address: string;
}

const DIGIT_GROUP = /^[\d-]+$/;

/**
 * Reads `line` (an INFORM_Res) with unquoted fields, or `undefined` when no split gives a valid
 * card and expiry. When several splits fit, the card takes the most digit groups.
 */
export function readUnquotedInform(line: string): UnquotedInform | undefined {
  let words: string[];
  try {
    words = tokenize(line).slice(2); // after the name and the RQ#
  } catch (error) {
    if (error instanceof ProtocolError) return undefined;
    throw error;
  }
  for (let cardStart = 1; cardStart < words.length; cardStart++) {
    if (!DIGIT_GROUP.test(words[cardStart]!)) continue;
    let cardEnd = cardStart;
    while (cardEnd < words.length && DIGIT_GROUP.test(words[cardEnd]!)) cardEnd++;
    // The expiry is itself digits (`1230`), so try each end from the longest card down.
    for (let expiryAt = cardEnd; expiryAt > cardStart; expiryAt--) {
      const found = split(words, cardStart, expiryAt);
      if (found) return found;
    }
  }
  return undefined;
}

function split(words: string[], cardStart: number, expiryAt: number): UnquotedInform | undefined {
  const expiryText = words[expiryAt];
  const address = words.slice(expiryAt + 1).join(" ");
  if (expiryText === undefined || address === "") return undefined;
  try {
    return {
      name: words.slice(0, cardStart).join(" "),
      card: parseCardNumber(words.slice(cardStart, expiryAt).join("")),
      expiry: parseCardExpiry(expiryText),
      address,
    };
  } catch (error) {
    if (error instanceof ProtocolError) return undefined;
    throw error;
  }
}
