/** The `step` option shared by the gradient solvers. */
import { SCHEDULE_VARIABLES, type OptionSpec } from '@sgdiff/core';

/**
 * A step-size option with the given default expression.
 * @category Solvers and tracking
 */
export function stepOption(defaultExpression: string): OptionSpec {
  return {
    name: 'step',
    type: 'expression',
    default: defaultExpression,
    variables: SCHEDULE_VARIABLES,
    doc: 'Step size η_k: an expression of k (the iteration, from 0) and the constants of F: mu, L, kappa and q.',
  };
}
