/** "Did you mean ...?" hints for misspelled names. */

/** Levenshtein distance: insertions, deletions and substitutions each cost 1. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j] + 1, current[j - 1] + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * ` (did you mean 'x'?)` for the closest candidate within edit distance 2 (1 for names of up
 * to 3 characters, where 2 edits make almost anything look alike; ties go to the first
 * candidate), or the empty string when nothing is that close.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.min(name.length <= 3 ? 1 : 2, name.length - 1) + 1;
  for (const candidate of candidates) {
    // Lengths further apart than the best distance so far cannot beat it.
    if (Math.abs(candidate.length - name.length) >= bestDistance) continue;
    const distance = editDistance(name, candidate);
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  return best === undefined ? '' : ` (did you mean '${best}'?)`;
}

/**
 * How many name comparisons the hints of one check may make in all. A hint compares the name
 * with every declared one, so a file with 100,000 declarations and 100,000 unknown names
 * would take 10^10 comparisons; past the budget the remaining unknown names get no hint (the
 * first ones, which are listed, keep theirs). Typical files never reach it.
 */
export const HINT_COMPARISONS = 1_000_000;

/** {@link didYouMean} within a shared budget of {@link HINT_COMPARISONS} comparisons. */
export class HintBudget {
  private left = HINT_COMPARISONS;

  /** The hint for `name` among `candidates` (of which there are `count`), or '' once the budget is spent. */
  didYouMean(name: string, candidates: Iterable<string>, count: number): string {
    if (count > this.left) {
      this.left = 0;
      return '';
    }
    this.left -= count;
    return didYouMean(name, candidates);
  }
}

/** `'a', 'b', 'c'` for messages listing what is allowed, or `none` for an empty list. */
export function quotedList(names: Iterable<string>): string {
  const list = [...names].map((n) => `'${n}'`);
  return list.length === 0 ? 'none' : list.join(', ');
}
