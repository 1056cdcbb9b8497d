/**
 * The stochastic fixed-point (Krasnoselskii–Mann) iteration of Grazzi, Pontil, Salzo (2021):
 * x_{k+1} = x_k + η_k (T̂(x_k, ξ) − x_k) for the map T̂(x, ξ) = x − α ∇ₓf(x, θ; ξ), a contraction
 * in expectation when α < 2/L (with α = 2/(L + μ) its factor is q = (κ − 1)/(κ + 1)). A constant
 * η stalls at a noise level ∝ η; η_k = β/(γ + k) with β = γ = 2/(1 − q²) converges as O(1/k).
 */
import { SCHEDULE_VARIABLES, type SolverPlugin } from '@sgdiff/core';

/**
 * The stochastic fixed-point solver.
 * @category Solvers and tracking
 */
export const fixedPointSolver: SolverPlugin = {
  name: 'fixed_point',
  doc: 'Stochastic fixed-point iteration x_{k+1} = x_k + η_k (T̂(x_k, ξ) − x_k), T̂(x, ξ) = x − α ∇ₓf(x, θ; ξ).',
  sampling: 'stochastic',
  options: [
    {
      name: 'step',
      type: 'expression',
      default: '1',
      variables: SCHEDULE_VARIABLES,
      doc: 'The relaxation η_k: 1 (plain fixed-point steps), or β / (γ + k) such as 2 / (1 - q^2) / (2 / (1 - q^2) + k).',
    },
    {
      name: 'alpha',
      type: 'expression',
      default: '2 / (L + mu)',
      variables: SCHEDULE_VARIABLES,
      doc: 'The step α of the map T̂(x) = x − α∇ₓf; 2 / (L + mu) gives the best contraction q = (kappa − 1) / (kappa + 1).',
    },
  ],
  // The suite sets expression options other than `step` to 0 in its deterministic checks (right
  // for a perturbation size), which would freeze this map, whose `alpha` is its gradient step.
  conformance: {
    schedules: { deterministic: { alpha: { text: '2 / (L + mu)', build: (b, v) => b.div(b.const(2), b.add(v.L, v.mu)) } } },
  },
  stepMap(ctx) {
    const b = ctx.builder;
    const eta = ctx.schedule('step');
    const alpha = ctx.schedule('alpha');
    return {
      next: ctx.vars.map((x, k) => {
        const g = ctx.gradient[k];
        // x + η (T̂(x) − x) with T̂(x) − x = −α ∇ₓf.
        return g ? b.sub(x, b.mul(b.mul(eta, alpha), g)) : x;
      }),
    };
  },
};
