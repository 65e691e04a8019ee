/**
 * "Did you mean ...?": the known word closest to a mistyped one (`regster` → `register`,
 * `Kiet` → `Kite`), by edit distance, case aside. Pure functions.
 * @module
 */

/** The most edits (a letter added, removed, changed, or two swapped) a suggestion may be away. */
export const MAX_SUGGESTION_EDITS = 2;

/**
 * The edit distance between `a` and `b` (optimal string alignment: insertions, deletions,
 * substitutions and swaps of two neighbours each count one), case aside.
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let before: number[] = [];
  let previous = Array.from({ length: y.length + 1 }, (_, index) => index);
  for (let i = 1; i <= x.length; i++) {
    const current = [i];
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) {
        best = Math.min(best, before[j - 2]! + 1);
      }
      current.push(best);
    }
    before = previous;
    previous = current;
  }
  return previous[y.length]!;
}

/**
 * The word of `known` closest to `typed`, at most {@linkcode MAX_SUGGESTION_EDITS} edits away
 * and one edit per 3 letters typed (`fly` is 2 from `pay`, too far for 3 letters); the first of
 * a tie; none for a word `known` holds (whatever its case).
 */
export function closestWord(typed: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(MAX_SUGGESTION_EDITS, Math.floor(typed.length / 3)) + 1;
  for (const word of known) {
    const distance = editDistance(typed, word);
    if (distance === 0) return undefined;
    if (distance < bestDistance) {
      best = word;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * For a refusal `Item not found`: ` (did you mean Kite?)` when exactly one of the items named by
 * the commands waiting for an answer (`asked`) is not in `known`, and a known item is close to
 * it; else empty (with two unknown names in flight, the refusal could be either's).
 */
export function itemNotFoundHint(asked: readonly string[], known: readonly string[]): string {
  const knownNames = new Set(known.map((name) => name.toLowerCase()));
  const unknown = new Set(
    asked.map((name) => name.toLowerCase()).filter((name) => !knownNames.has(name)),
  );
  if (unknown.size !== 1) return "";
  const guess = closestWord([...unknown][0]!, known);
  return guess === undefined ? "" : ` (did you mean ${guess}?)`;
}
