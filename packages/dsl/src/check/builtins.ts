/**
 * The names the language itself defines: distributions. Operators and elementwise functions
 * come from the environment (the plugins' records), including their constant evaluation.
 */

/** Distributions a data, param or var can be drawn from, with their parameter names. */
export const TENSOR_DISTRIBUTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['normal', ['mean', 'sd']],
  ['uniform', ['lo', 'hi']],
  ['sparse_normal', ['r', 'sd']],
]);

/** The only law of a sample: `uniform(n)` or `uniform(n, batch = b)`. */
export const SAMPLE_DISTRIBUTION = 'uniform';

/** The one named argument of a sample's law. */
export const BATCH_ARGUMENT = 'batch';

/** `1 argument` or `2 arguments`. */
export function argumentCount(n: number): string {
  return n === 1 ? '1 argument' : `${n} arguments`;
}
