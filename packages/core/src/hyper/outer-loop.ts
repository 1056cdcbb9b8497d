/**
 * The outer loop of hyperparameter optimization: minimize ℓ(θ) = E(x*(θ), θ) with an outer
 * solver plugin (`outer_solve NAME`, an init/update pair: gradient descent and mirror descent
 * are built in), where g is a hypergradient estimate from an inner run at the current θ.
 */
import type { OuterSolverPlugin } from '../plugin/contracts.ts';
import type { OptionSpec } from '../plugin/options.ts';
import { norm } from '../linalg/vector.ts';

/**
 * The options every outer solver declares: `iterations`, and `step` (an expression of m, default `defaultStep`).
 * @category Hypergradients
 */
export function outerSolverOptions(defaultStep: string): OptionSpec[] {
  return [
    { name: 'iterations', type: 'integer', default: 50, min: 1, max: 1e6, doc: 'Number of outer steps on θ.' },
    { name: 'step', type: 'expression', default: defaultStep, variables: ['m'], doc: 'The outer step η_m, an expression of the outer iteration m (from 0).' },
  ];
}

/**
 * One outer step's record.
 * @category Hypergradients
 */
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

/**
 * What one outer step needs from the caller: an estimate of ∇ℓ and of ℓ at the current θ.
 * @category Hypergradients
 */
export type HypergradientOracle = (theta: Float64Array) => { readonly gradient: Float64Array; readonly objective: number };

/**
 * Thrown when an outer solver refuses θ₀ (its `init` returned a reason).
 * @category Hypergradients
 */
export class OuterSolverInitError extends Error {
  override readonly name = 'OuterSolverInitError';
}

/**
 * Runs the outer loop with `solver`, updating `theta` in place; returns one record per step.
 * @category Hypergradients
 */
export function runOuterLoop(solver: OuterSolverPlugin, iterations: number, step: (m: number) => number, theta: Float64Array, oracle: HypergradientOracle): OuterStep[] {
  const started = solver.init(theta);
  if (typeof started === 'string') throw new OuterSolverInitError(`outer_solve ${solver.name} ${started}`);
  const steps: OuterStep[] = [];
  for (let m = 0; m < iterations; m++) {
    const { gradient, objective } = oracle(theta);
    const eta = step(m);
    steps.push({ m, objective, gradientNorm: norm(gradient), step: eta });
    started.update(theta, gradient, eta, m);
  }
  return steps;
}
