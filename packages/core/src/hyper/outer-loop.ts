/**
 * The outer loop of hyperparameter optimization: minimize ℓ(θ) = E(x*(θ), θ) by gradient
 * descent (θ ← θ − η_m g) or mirror descent on the simplex (θ ← θ ⊙ exp(−η_m g) / Σ), where g
 * is a hypergradient estimate from an inner run of the solver at the current θ.
 */
import type { OptionSpec } from '../plugin/options.ts';
import { norm } from '../linalg/vector.ts';

/** The outer solvers the language accepts after `outer_solve`, with their options. */
export const OUTER_SOLVERS: ReadonlyMap<string, { readonly doc: string; readonly options: readonly OptionSpec[] }> = new Map([
  ['gd', { doc: 'Gradient descent on θ: θ_{m+1} = θ_m − η_m g_m.', options: outerOptions('0.1') }],
  ['mirror', { doc: 'Mirror descent on the simplex: θ_{m+1} ∝ θ_m ⊙ exp(−η_m g_m) (θ must start positive).', options: outerOptions('0.1') }],
]);

function outerOptions(defaultStep: string): OptionSpec[] {
  return [
    { name: 'iterations', type: 'integer', default: 50, min: 1, max: 1e6, doc: 'Number of outer steps on θ.' },
    { name: 'step', type: 'expression', default: defaultStep, variables: ['m'], doc: 'The outer step η_m, an expression of the outer iteration m (from 0).' },
  ];
}

/** One outer step's record. */
export interface OuterStep {
  /** The outer iteration m. */
  readonly m: number;
  /** E(x_t(θ_m), θ_m), the upper objective at the inner solver's last iterate. */
  readonly objective: number;
  /** ‖g_m‖, the norm of the hypergradient estimate used. */
  readonly gradientNorm: number;
  /** η_m. */
  readonly step: number;
}

/** What one outer step needs from the caller: an estimate of ∇ℓ and of ℓ at the current θ. */
export type HypergradientOracle = (theta: Float64Array) => { readonly gradient: Float64Array; readonly objective: number };

/** Runs the outer loop, updating `theta` in place; returns one record per step. */
export function runOuterLoop(
  method: 'gd' | 'mirror',
  iterations: number,
  step: (m: number) => number,
  theta: Float64Array,
  oracle: HypergradientOracle,
): OuterStep[] {
  const steps: OuterStep[] = [];
  for (let m = 0; m < iterations; m++) {
    const { gradient, objective } = oracle(theta);
    const eta = step(m);
    steps.push({ m, objective, gradientNorm: norm(gradient), step: eta });
    if (method === 'gd') {
      for (let p = 0; p < theta.length; p++) theta[p] -= eta * gradient[p];
    } else {
      let total = 0;
      for (let p = 0; p < theta.length; p++) total += (theta[p] *= Math.exp(-eta * gradient[p]));
      for (let p = 0; p < theta.length; p++) theta[p] /= total;
    }
  }
  return steps;
}
