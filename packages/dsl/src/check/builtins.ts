/**
 * The names the language itself defines: reductions and distributions. Elementwise
 * functions come from the environment; the standard ones also have evaluators here so that
 * constants such as `const c = exp(1)` can be computed at check time.
 */

/** Reductions: one tensor argument (a scalar is accepted), scalar result. */
export const REDUCTIONS: ReadonlySet<string> = new Set(['sum', 'norm2', 'logsumexp']);

/** Distributions a data, param or var can be drawn from, with their parameter names. */
export const TENSOR_DISTRIBUTIONS: ReadonlyMap<string, readonly [string, string]> = new Map([
  ['normal', ['mean', 'sd']],
  ['uniform', ['lo', 'hi']],
]);

/** The only law of a sample: `uniform(n)` or `uniform(n, batch = b)`. */
export const SAMPLE_DISTRIBUTION = 'uniform';

/** The one named argument of a sample's law. */
export const BATCH_ARGUMENT = 'batch';

/** Evaluators of the standard elementwise functions, for constant expressions. */
export const CONSTANT_FUNCTIONS: ReadonlyMap<string, (z: number) => number> = new Map([
  ['exp', Math.exp],
  ['log', Math.log],
  ['log1p', Math.log1p],
  ['sqrt', Math.sqrt],
  // log(1 + e^z) without overflow for large z.
  ['softplus', (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)))],
  ['sigmoid', (z: number) => 1 / (1 + Math.exp(-z))],
  ['tanh', Math.tanh],
]);

/** `1 argument` or `2 arguments`. */
export function argumentCount(n: number): string {
  return n === 1 ? '1 argument' : `${n} arguments`;
}
