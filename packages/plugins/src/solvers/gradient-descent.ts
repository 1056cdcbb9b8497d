/** Gradient descent and stochastic gradient descent: x_{k+1} = x_k − η_k g_k. */
import type { ConformanceDeclaration, Node, SolverPlugin, StepMapContext } from '@sgdiff/core';
import { stepOption } from './step-option.ts';

/**
 * x − η ∇ₓf(x, θ; ξ), per var; averaged over the batch by the framework.
 * @category Solvers and tracking
 */
export function gradientStep(ctx: StepMapContext, direction: (k: number) => Node | null = (k) => ctx.gradient[k]): Node[] {
  const b = ctx.builder;
  const eta = ctx.schedule('step');
  return ctx.vars.map((x, k) => {
    const g = direction(k);
    return g ? b.sub(x, b.mul(eta, g)) : x;
  });
}

/**
 * The rate gradient descent promises on a quadratic with η = 2/(L + μ): ‖x_k − x*‖ contracts by
 * (κ − 1)/(κ + 1) per step (full batch, so SGD's full-batch runs promise it too).
 * @category Solvers and tracking
 */
export const gradientDescentRate: ConformanceDeclaration = {
  rate: {
    text: '(kappa - 1) / (kappa + 1)',
    factor: ({ kappa }) => (kappa - 1) / (kappa + 1),
    schedules: { step: { text: '2 / (L + mu)', build: (b, v) => b.div(b.const(2), b.add(v.L, v.mu)) } },
  },
};

/**
 * Full-batch gradient descent on F.
 * @category Solvers and tracking
 */
export const gdSolver: SolverPlugin = {
  name: 'gd',
  doc: 'Gradient descent on the full objective: x_{k+1} = x_k − η_k ∇ₓF(x_k, θ).',
  sampling: 'full',
  options: [stepOption('1 / L')],
  stepMap: (ctx) => ({ next: gradientStep(ctx) }),
  conformance: gradientDescentRate,
};

/**
 * Stochastic gradient descent with the declared sample law.
 * @category Solvers and tracking
 */
export const sgdSolver: SolverPlugin = {
  name: 'sgd',
  doc: 'Stochastic gradient descent: x_{k+1} = x_k − η_k ∇ₓf(x_k, θ; ξ_{k+1}), ξ a sample (or the mean over a minibatch) of the declared law.',
  sampling: 'stochastic',
  options: [stepOption('1 / (mu * (k + 8 * kappa^2))')],
  stepMap: (ctx) => ({ next: gradientStep(ctx) }),
  conformance: gradientDescentRate,
};
