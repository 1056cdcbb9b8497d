/**
 * The built-in solvers' option declarations. The step map and run loop of each solver build
 * on these declarations; the checker validates `solve` blocks against them.
 */
import type { OptionSpec, SolverPlugin } from '@sgdiff/core';

/** Names a step-size expression may use: the iteration counter and the constants of F. */
export const STEP_VARIABLES = ['k', 'mu', 'L', 'kappa'] as const;

const iterations: OptionSpec = { name: 'iterations', type: 'integer', default: 1000, min: 1, max: 1e9, doc: 'Number of iterations k = 0, 1, ..., iterations − 1.' };

const track: OptionSpec = {
  name: 'track',
  type: 'enum',
  default: 'none',
  values: ['none', 'forward', 'reverse', 'implicit'],
  doc: 'Derivative tracking of ∂θx_k: none, forward (the SGD′ recursion), reverse (adjoints through the iterates) or implicit (at the last iterate).',
};

/** Full-batch gradient descent x_{k+1} = x_k − η_k ∇ₓF(x_k, θ). */
export const gdSolver: SolverPlugin = {
  name: 'gd',
  doc: 'Gradient descent on the full objective F.',
  options: [
    iterations,
    { name: 'step', type: 'expression', default: '1 / L', variables: STEP_VARIABLES, doc: 'Step size η_k, an expression of k, mu, L and kappa.' },
    track,
  ],
};

/** Stochastic gradient descent x_{k+1} = x_k − η_k ∇ₓf(x_k, θ; ξ_{k+1}). */
export const sgdSolver: SolverPlugin = {
  name: 'sgd',
  doc: 'Stochastic gradient descent: one sample (or minibatch) of the declared law per step.',
  options: [
    iterations,
    {
      name: 'step',
      type: 'expression',
      default: '1 / (mu * (k + 8 * kappa^2))',
      variables: STEP_VARIABLES,
      doc: 'Step size η_k, an expression of k, mu, L and kappa.',
    },
    track,
  ],
};
