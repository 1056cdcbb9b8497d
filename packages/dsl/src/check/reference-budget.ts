/**
 * `reference = exact` on a problem whose dense Hessian does not fit `reference_budget`: an error
 * at the option, naming D, the bytes needed and the budget (the run would otherwise allocate
 * gigabytes before failing).
 */
import { DEFAULT_REFERENCE_BUDGET_MIB, exactReferenceOverBudget, sizeOf } from '@sgdiff/core';
import type { SolveDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';
import type { CheckedTensor } from './declarations.ts';
import type { CheckedSolve } from './solve.ts';

/** Reports `reference = exact` over the budget, at the option's value. */
export function checkReferenceBudget(decl: SolveDecl, solve: CheckedSolve | undefined, tensors: readonly CheckedTensor[], ctx: CheckContext): void {
  const option = decl.options.find((o) => o.key.name === 'reference');
  if (!option || solve?.given.get('reference') !== 'exact') return;
  const budget = Number(solve.given.get('reference_budget') ?? DEFAULT_REFERENCE_BUDGET_MIB);
  const dimension = tensors.filter((t) => t.kind === 'var').reduce((total, t) => total + sizeOf(t.shape), 0);
  const message = exactReferenceOverBudget(dimension, budget);
  if (message) ctx.error(option.value.range, 'reference-over-budget', message);
}
