/**
 * The `marginal_violation` metric of entropic optimal transport. For the dual
 * L(f, g) = f·a + g·b + ε Σ exp(−(f_i + g_j + C_ij)/ε) the gradient is the marginal residual of
 * the plan P_ij = exp(−(f_i + g_j + C_ij)/ε): ∇_f L = a − P1, ∇_g L = b − Pᵀ1, so the violation
 * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ is the 1-norm of the gradient the run loop computes anyway. Also the
 * hypergradient error in the tangent space of the simplex, for a histogram param.
 */
import { errorMetric, type Estimator, type MetricPlugin } from '@sgdiff/core';

/**
 * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁, the 1-norm of ∇ₓF for the entropic dual.
 * @category Solvers and tracking
 */
export const marginalViolationMetric: MetricPlugin = {
  name: 'marginal_violation',
  doc: 'Entropic OT: ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the plan of the current potentials (the 1-norm of ∇ₓF of the dual).',
  needs: { solver: 'sinkhorn' },
  compute(point) {
    let total = 0;
    for (const v of point.gradient) total += Math.abs(v);
    return total;
  },
};

/** ‖P(v − w)‖ with P the projection onto {Σ = 0}, the tangent space of the simplex. */
function tangentDistance(v: Float64Array, w: Float64Array): number {
  let mean = 0;
  for (let i = 0; i < v.length; i++) mean += v[i] - w[i];
  mean /= v.length;
  let total = 0;
  for (let i = 0; i < v.length; i++) total += (v[i] - w[i] - mean) ** 2;
  return Math.sqrt(total);
}

/**
 * ‖P(g_k − g*)‖ per estimator, P the projection onto the tangent space {Σ = 0} of the simplex. A
 * histogram's gradient is only defined up to a multiple of 1 (off the simplex the dual is
 * unbounded), and a gauge that depends on θ moves that component at the rate of the iterates.
 * @category Solvers and tracking
 */
export const simplexHypergradientErrorMetric: MetricPlugin = {
  name: 'simplex_hypergradient_error',
  doc: '‖P(g_k − g*)‖ per estimator, P the projection onto the simplex’s tangent space {Σ = 0} (for a histogram param).',
  needs: { reference: 'point', outer: true, solver: 'sinkhorn' },
  columns: (info) => info.estimators.filter((e) => e !== 'sid').map((e) => `simplex_${errorMetric(e as Estimator)}`),
  compute(point) {
    const exact = point.hypergradients?.exact;
    if (!exact) throw new Error('internal error: simplex_hypergradient_error was computed without g*');
    return point.info.estimators
      .filter((e) => e !== 'sid')
      .map((e) => {
        const g = point.hypergradients?.estimates.get(e);
        return g ? tangentDistance(g, exact) : NaN;
      });
  },
};
