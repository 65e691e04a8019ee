/**
 * Card numbers kept off the screen, out of logs, history and JSON records: any card-like
 * number (12 to 19 digits, or more, with spaces or dashes between groups) in a line the client
 * echoes is masked to its last four digits. Pure functions.
 * @module
 */

/**
 * A card-like number: 12 or more digits in one run, or in groups of 3 to 6 digits with a
 * single space or dash between them (`4111 1111 1111 1111`, `3782-822463-10005`), not part
 * of a longer number or a dotted one (an IP address followed by ports is not a card). The
 * digits are counted after the match: groups totalling fewer than 12 are not a card.
 */
const CARD_LIKE = /(?<!\d|\d\.)(?:\d{12,}|\d{3,6}(?:[ \t-]\d{3,6})+)(?!\d|\.\d)/g;
const MIN_CARD_DIGITS = 12;

function digitCount(text: string): number {
  return text.replace(/\D/g, "").length;
}

/** Whether `text` holds a card-like number. */
export function containsCardNumber(text: string): boolean {
  return [...text.matchAll(CARD_LIKE)].some(([match]) => digitCount(match) >= MIN_CARD_DIGITS);
}

/**
 * `text` with every card-like number masked in place: each digit but the last four becomes
 * `*`, separators stay (`4111 1111 1111 1111` → `**** **** **** 1111`), so the length is kept.
 */
export function maskCardNumbers(text: string): string {
  return text.replace(CARD_LIKE, (match) => {
    if (digitCount(match) < MIN_CARD_DIGITS) return match;
    let keep = 4;
    const masked = [...match].reverse().map((character) => {
      if (!/\d/.test(character)) return character;
      return keep-- > 0 ? character : "*";
    });
    return masked.reverse().join("");
  });
}
