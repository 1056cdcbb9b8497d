/** The least-squares problem the benchmarks time, built through the real language pipeline. */
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileBenchProblem } from './compile-problem.ts';

/** f(x, θ; i) = ½(A[i]·x − θ[i])² with n samples and d unknowns, and an optional solve block. */
export function leastSquaresProblem(n: number, d: number, registry: PluginRegistry, solve = ''): Problem {
  return compileBenchProblem(
    [
      `dim n = ${n}`,
      `dim d = ${d}`,
      'data A : R[n, d] ~ normal(0, 1)',
      'param theta : R[n] ~ normal(0, 1)',
      'var x : R[d] ~ normal(0, 1)',
      'sample i ~ uniform(n)',
      'minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2',
      solve,
    ],
    registry,
  );
}
