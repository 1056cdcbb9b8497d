/** The built-in outer solvers (`outer_solve gd | mirror`), as init/update plugins. */
import { outerSolverOptions, type OuterSolverPlugin } from '@sgdiff/core';

/**
 * Gradient descent on θ: θ_{m+1} = θ_m − η_m g_m.
 * @category Hypergradients
 */
export const gdOuterSolver: OuterSolverPlugin = {
  name: 'gd',
  doc: 'Gradient descent on θ: θ_{m+1} = θ_m − η_m g_m.',
  options: outerSolverOptions('0.1'),
  init: () => ({
    update(theta, gradient, step) {
      for (let p = 0; p < theta.length; p++) theta[p] -= step * gradient[p];
    },
  }),
};

/**
 * Mirror descent on the simplex (entropic mirror map): θ_{m+1} ∝ θ_m ⊙ exp(−η_m g_m).
 * @category Hypergradients
 */
export const mirrorOuterSolver: OuterSolverPlugin = {
  name: 'mirror',
  doc: 'Mirror descent on the simplex: θ_{m+1} ∝ θ_m ⊙ exp(−η_m g_m) (θ must start positive).',
  options: outerSolverOptions('0.1'),
  init(theta) {
    if (theta.some((v) => !(v > 0))) return 'needs θ with positive entries at the start';
    return {
      update(theta, gradient, step) {
        let total = 0;
        for (let p = 0; p < theta.length; p++) total += (theta[p] *= Math.exp(-step * gradient[p]));
        for (let p = 0; p < theta.length; p++) theta[p] /= total;
      },
    };
  },
};

/**
 * The built-in outer solvers.
 * @category Hypergradients
 */
export const builtinOuterSolvers: readonly OuterSolverPlugin[] = [gdOuterSolver, mirrorOuterSolver];
