/**
 * SID, stochastic implicit differentiation (Grazzi, Pontil, Salzo 2021, Algorithm 1), after a
 * stochastic solver has produced x_t:
 *
 * 1. the linear system (I − ∂ₓΦᵀ) v = ∇ₓE(x_t) for the map Φ(x) = x − α∇ₓF is solved by the
 *    stochastic fixed-point iteration v_{k+1} = v_k + η_k (Ψ̂(v_k) − v_k) with
 *    Ψ̂(v) = ∂ₓΦ̂ᵀ v + ∇ₓE = v − α ∇²ₓₓf(x_t; ζ̂_k) v + ∇ₓE, from v_0 = 0, on fresh minibatches;
 * 2. ĝ = ∇θE(x_t) + ∂θΦ̂ᵀ v_k = ∇θE(x_t) − α ∇²θₓf(x_t; ζ) v_k on a fresh minibatch ζ.
 *
 * Each step costs one Hessian–vector product on a minibatch (on every outcome with
 * `sid_sampling = full`); nothing is ever formed densely.
 */
import { distance } from '../linalg/vector.ts';
import { RandomStream } from '../runtime/rng.ts';
import type { Schedule } from '../solver/schedule-kernel.ts';
import type { Conditioning } from '../reference/reference.ts';
import type { HypergradientEstimators } from './estimators.ts';

/** How SID solves its linear system. */
export interface SidSpec {
  /** Number k of fixed-point steps. */
  readonly iterations: number;
  /** η_k, the relaxation (1 for plain steps; β/(γ + k) to converge). */
  readonly step: Schedule;
  /** α, the step of the map Φ(x) = x − α∇ₓF. */
  readonly alpha: number;
  /** Minibatch size of each stochastic Hessian product (`sid_batch`, or the sample's `batch`). */
  readonly batch: number;
  /**
   * Exact products over every outcome instead of minibatches (`sid_sampling = full`): SID is
   * then the deterministic fixed-point iteration (AID-FP).
   */
  readonly full?: boolean;
  /** The run seed and index: SID draws from its own stream `SEED/sid/run/R`. */
  readonly seed: number;
  /** The run's index. */
  readonly run: number;
  /** Fixed-point steps after which the error ‖ĝ − g*‖ is recorded. */
  readonly recordAt: readonly number[];
}

/** SID's estimate and its error along the fixed-point iterations. */
export interface SidResult {
  /** ĝ after all the iterations. */
  readonly gradient: Float64Array;
  /** The recorded fixed-point steps. */
  readonly k: number[];
  /** ‖ĝ_k − g*‖ at those steps (ĝ_k combining v_k with a fresh minibatch). */
  readonly error: number[];
}

/** Runs SID at `x` (the stochastic solver's last iterate). */
export function stochasticImplicitDifferentiation(
  estimators: HypergradientEstimators,
  x: Float64Array,
  conditioning: Conditioning,
  spec: SidSpec,
  reference: Float64Array,
): SidResult {
  const lower = estimators.lower;
  const theta = lower.instance.theta;
  const D = lower.dimension;
  const outcomes = lower.outcomes;
  const stream = new RandomStream(`${spec.seed}/sid/run/${spec.run}`);
  const idx = new Int32Array(spec.batch);
  const draw = (): void => {
    for (let q = 0; q < spec.batch; q++) idx[q] = stream.index(outcomes);
  };
  const rhs = estimators.outerGradientX(x);
  const outerTheta = estimators.outerGradientTheta(x);
  const v = new Float64Array(D);
  const hv = new Float64Array(D);
  const correction = new Float64Array(lower.parameters);
  const product = (quantity: 'hvp' | 'crossTranspose', into: Float64Array): void => {
    if (spec.full) return lower.full(quantity, x, theta, v, into);
    draw();
    lower.batch(quantity, x, theta, v, idx, spec.batch, into);
  };
  const combine = (): Float64Array => {
    product('crossTranspose', correction);
    return outerTheta.map((g, p) => g - spec.alpha * correction[p]);
  };
  const result: SidResult = { gradient: new Float64Array(0), k: [], error: [] };
  const { mu, L, kappa } = conditioning;
  let next = 0;
  const record = (k: number): void => {
    while (next < spec.recordAt.length && spec.recordAt[next] === k) {
      result.k.push(k);
      result.error.push(distance(combine(), reference));
      next++;
    }
  };
  record(0);
  for (let k = 0; k < spec.iterations; k++) {
    product('hvp', hv);
    const eta = spec.step(k, mu, L, kappa);
    // Ψ̂(v) − v = ∇ₓE − α H_ζ v.
    for (let j = 0; j < D; j++) v[j] += eta * (rhs[j] - spec.alpha * hv[j]);
    record(k + 1);
  }
  return { ...result, gradient: combine() };
}
