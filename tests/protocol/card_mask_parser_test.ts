import assert from "node:assert/strict";
import { CARD_SEPARATOR, parseCardNumber, passesLuhn } from "../../protocol/card.ts";
import { containsCardNumber, maskCardNumbers } from "../../protocol/card_mask.ts";
import { redactSecrets } from "../../protocol/redact.ts";
import { pure } from "../_support/pure.ts";

/** Every character the parser removes between a card's digits (all of `\s`, and `-`). */
const PARSER_SEPARATORS = Array.from({ length: 0x10000 }, (_, code) => String.fromCharCode(code))
  .filter((character) => new RegExp(`^${CARD_SEPARATOR}$`).test(character));

/** A small seeded generator (mulberry32), so that a failure can be replayed. */
function randomFrom(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state + 0x6d2b79f5) | 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed);
    return (((mixed ^ (mixed >>> 14)) >>> 0) % below);
  };
}

function luhnCard(random: (below: number) => number, length: number): string {
  let digits = "";
  while (digits.length < length - 1) digits += String(random(10));
  for (let check = 0;; check++) {
    if (passesLuhn(`${digits}${check}`)) return `${digits}${check}`;
  }
}

/** Group sizes: all 1, all 2, all 4, or random from 1 to 6. */
function layoutOf(random: (below: number) => number, length: number): number[] {
  const kind = random(4);
  const sizes: number[] = [];
  for (let left = length; left > 0;) {
    const size = Math.min(left, [1, 2, 4][kind] ?? 1 + random(6));
    sizes.push(size);
    left -= size;
  }
  return sizes;
}

/** One to three separators the parser takes, `-` one time in three. */
function separatorOf(random: (below: number) => number): string {
  let separator = "";
  for (let count = 1 + random(3); count > 0; count--) {
    separator += random(3) === 0 ? "-" : PARSER_SEPARATORS[random(PARSER_SEPARATORS.length)];
  }
  return separator;
}

/** `masked` hides each digit of `card` (found at `at`) but its last four. */
function assertHidden(masked: string, card: string, at: number): void {
  const digitIndexes = [...card].flatMap((character, index) => /\d/.test(character) ? [index] : []);
  for (const index of digitIndexes.slice(0, -4)) {
    assert.equal(masked[at + index], "*", `digit ${index} of ${JSON.stringify(card)} shown`);
  }
}

Deno.test(
  "maskCardNumbers() hides every card the parser takes, whatever separators it is written with",
  pure,
  async (t) => {
    assert.ok(PARSER_SEPARATORS.length > 20, "every kind of white space, and -");
    const random = randomFrom(20261127);
    for (let round = 0; round < 2000; round++) {
      const digits = luhnCard(random, 12 + random(8));
      const groups: string[] = [];
      let at = 0;
      for (const size of layoutOf(random, digits.length)) {
        groups.push(digits.slice(at, at + size));
        at += size;
      }
      const card = groups.reduce((text, group) => `${text}${separatorOf(random)}${group}`);
      assert.equal(parseCardNumber(card), digits, "the parser takes it");
      const alone = maskCardNumbers(card);
      assertHidden(alone, card, 0);
      // Alone, the last four stay readable.
      assert.equal(alone.replace(/[^\d]/g, ""), digits.slice(-4), JSON.stringify(card));

      const typed = `pay Kite Ann ${card} 12/30 Home`;
      assert.ok(containsCardNumber(typed), JSON.stringify(typed));
      assertHidden(maskCardNumbers(typed), card, "pay Kite Ann ".length);
      const logged = `Shipping_Info 9 Ann ${card} 1 Main St`;
      assertHidden(redactSecrets(logged), card, "Shipping_Info 9 Ann ".length);
    }
    await t.step("the tester's line", () => {
      const typed = "pay Kite Ann 4111--1111--1111--1111 12/30 Home";
      assert.equal(maskCardNumbers(typed), "pay Kite Ann ****--****--****--1111 12/30 Home");
      assert.ok(containsCardNumber(typed));
    });
  },
);
