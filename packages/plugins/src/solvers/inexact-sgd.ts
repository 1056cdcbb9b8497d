/**
 * SGD on an inexact gradient oracle, as in the SGD-derivatives paper's inexact recursion:
 * x_{k+1} = x_k − η_k (∇ₓf(x_k, θ; ξ_{k+1}) + e_{k+1}) with E‖e_{k+1}‖² = σ_k², σ_k the
 * declared `perturbation` schedule. The perturbation does not depend on x or θ, so the
 * derivative recursion is SGD′ itself.
 */
import { SCHEDULE_VARIABLES, sizeOf, type SolverPlugin } from '@sgdiff/core';
import { gradientStep } from './gradient-descent.ts';
import { stepOption } from './step-option.ts';

/**
 * Inexact SGD with a decreasing perturbation.
 * @category Solvers and tracking
 */
export const inexactSgdSolver: SolverPlugin = {
  name: 'inexact_sgd',
  doc: 'SGD on a gradient oracle perturbed by e_k = σ_k z_k / √D, z_k ~ N(0, I), so that E‖e_k‖² = σ_k².',
  sampling: 'stochastic',
  options: [
    stepOption('1 / (mu * (k + 8 * kappa^2))'),
    {
      name: 'perturbation',
      type: 'expression',
      default: '1 / (k + 1)',
      variables: SCHEDULE_VARIABLES,
      doc: 'σ_k, the root-mean-square size of the gradient error at iteration k.',
    },
  ],
  stepMap(ctx) {
    const b = ctx.builder;
    const dimension = ctx.vars.reduce((n, x) => n + sizeOf(x.shape), 0);
    const sigma = b.div(ctx.schedule('perturbation'), b.const(Math.sqrt(dimension)));
    return {
      next: gradientStep(ctx, (k) => {
        const x = ctx.vars[k];
        const error = b.mul(sigma, ctx.noise(`e_${k}`, x.shape));
        const g = ctx.gradient[k];
        return g ? b.add(g, error) : error;
      }),
    };
  },
};
