/**
 * The `marginal_violation` metric of entropic optimal transport. For the dual
 * L(f, g) = f·a + g·b + ε Σ exp(−(f_i + g_j + C_ij)/ε) the gradient is the marginal residual of
 * the plan P_ij = exp(−(f_i + g_j + C_ij)/ε): ∇_f L = a − P1, ∇_g L = b − Pᵀ1, so the violation
 * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ is the 1-norm of the gradient the run loop computes anyway.
 */
import type { MetricPlugin } from '@sgdiff/core';

/** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁, the 1-norm of ∇ₓF for the entropic dual. */
export const marginalViolationMetric: MetricPlugin = {
  name: 'marginal_violation',
  doc: 'Entropic OT: ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the plan of the current potentials (the 1-norm of ∇ₓF of the dual).',
  needs: {},
  compute(point) {
    let total = 0;
    for (const v of point.gradient) total += Math.abs(v);
    return total;
  },
};
