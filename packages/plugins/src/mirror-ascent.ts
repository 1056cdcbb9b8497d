/**
 * Mirror ascent on the simplex, θ_{m+1} ∝ θ_m ⊙ exp(+η_m g_m): the outer solver of a value
 * function to be maximized. The entropic Wasserstein barycenter is one: the dual L4 of Ablin et
 * al. has min L4 = ε − W_ε (a min formulation of W_ε, a supremum of linear functions of the
 * histogram, is necessarily its negative), so minimizing Σ_k W_ε(θ, b_k) is maximizing
 * ℓ(θ) = min Σ_k L4 — with g = ∇ℓ = the potentials f_k, this is Cuturi–Doucet's
 * θ ∝ θ ⊙ exp(−η ∇W).
 */
import { outerSolverOptions, type OuterSolverPlugin } from '@sgdiff/core';

/**
 * Mirror ascent on the simplex (entropic mirror map), normalized with the largest exponent shifted out.
 * @category Hypergradients
 */
export const mirrorAscentOuterSolver: OuterSolverPlugin = {
  name: 'mirror_ascent',
  doc: 'Mirror ascent on the simplex: θ_{m+1} ∝ θ_m ⊙ exp(+η_m g_m), for ℓ to maximize (θ must start positive), e.g. the Wasserstein barycenter with ℓ = min L4 = ε − W_ε.',
  options: outerSolverOptions('0.1'),
  init(theta) {
    if (theta.some((v) => !(v > 0))) return 'needs θ with positive entries at the start';
    return {
      update(theta, gradient, step) {
        // θ_p e^{η g_p} = e^{log θ_p + η g_p}: shifted by the largest exponent, nothing overflows.
        let top = -Infinity;
        for (let p = 0; p < theta.length; p++) top = Math.max(top, Math.log(theta[p]) + step * gradient[p]);
        let total = 0;
        for (let p = 0; p < theta.length; p++) total += (theta[p] = Math.exp(Math.log(theta[p]) + step * gradient[p] - top));
        for (let p = 0; p < theta.length; p++) theta[p] /= total;
      },
    };
  },
};
