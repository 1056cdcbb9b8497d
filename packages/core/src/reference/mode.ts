/**
 * Which reference a run computes (`reference = exact | iterative | none` in the solve block) and
 * the memory budget that picks the default: the exact reference forms the dense D×D Hessian and
 * factorizes it, so it is the default only while that fits {@link DEFAULT_REFERENCE_BUDGET_MIB}
 * (raisable with `reference_budget`); above it the iterative reference (Newton–CG and Lanczos on
 * Hessian–vector products, memory O(D)) is used.
 */

/**
 * The reference modes of the language.
 * @category Problems and references
 */
export const REFERENCE_MODES = ['automatic', 'exact', 'iterative', 'none'] as const;

/**
 * A mode as written in the solve block (`automatic`: exact within the budget, iterative above).
 * @category Problems and references
 */
export type ReferenceOption = (typeof REFERENCE_MODES)[number];

/**
 * The mode a run uses once `automatic` is resolved.
 * @category Problems and references
 */
export type ReferenceMode = Exclude<ReferenceOption, 'automatic'>;

/**
 * The default budget of the exact reference, in MiB (2^20 bytes).
 * @category Problems and references
 */
export const DEFAULT_REFERENCE_BUDGET_MIB = 256;

/**
 * Bytes the exact reference needs at dimension D: the D×D Hessian (8·D² bytes) and three D×D
 * work arrays of doubles alive at once while it is factorized (the symmetrized copy, the
 * eigenvectors or Cholesky factor, and the copy the factorization returns), 32·D² in all.
 * @category Problems and references
 */
export function denseReferenceBytes(dimension: number): number {
  return 32 * dimension * dimension;
}

/**
 * A byte count in MiB or GiB, for messages.
 * @category Problems and references
 */
export function formatBytes(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return mib >= 1024 ? `${(mib / 1024).toPrecision(3)} GiB` : `${mib.toPrecision(3)} MiB`;
}

/**
 * Why `reference = exact` cannot be used at dimension D within `budgetMiB`, or `undefined` when
 * it can. The message names D, the bytes needed and the budget.
 * @category Problems and references
 */
export function exactReferenceOverBudget(dimension: number, budgetMiB: number): string | undefined {
  const needed = denseReferenceBytes(dimension);
  if (needed <= budgetMiB * 2 ** 20) return undefined;
  return (
    `reference = exact needs the dense Hessian of D = ${dimension} unknowns: ${formatBytes(needed)} (32·D² bytes with its factorization), ` +
    `over the budget of ${budgetMiB} MiB; use reference = iterative (Hessian–vector products, O(D) memory) or raise reference_budget`
  );
}

/**
 * The mode a run uses: `automatic` becomes exact within the budget and iterative above it.
 * @category Problems and references
 */
export function resolveReferenceMode(option: ReferenceOption, dimension: number, budgetMiB: number): ReferenceMode {
  if (option !== 'automatic') return option;
  return exactReferenceOverBudget(dimension, budgetMiB) ? 'iterative' : 'exact';
}
