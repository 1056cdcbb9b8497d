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
 *
 * When the solver's step map is not a plain gradient step, SID runs on the map's own fixed
 * point instead (`fixedPoint`): the system is (I − ∂ₛΦᵀ) v = ∇ₛE(s_t) over the whole state
 * s = (x, solver states), Ψ̂(v) = ∂ₛΦ̂ᵀ v + ∇ₛE with ∂ₛΦ̂ᵀ v from the step program's reverse
 * kernel on a minibatch, and ĝ = ∇θE + ∂θΦ̂ᵀ v (the same kernel call's other half). For
 * Φ = x − α∇ₓf the two forms coincide step for step.
 *
 * Defaults from the problem ({@link sidIterations}, {@link SID_DECREASING_STEP}): α = 2/(L + μ) makes Φ a contraction of factor
 * q = (κ − 1)/(κ + 1). With exact products (`sid_sampling = full`) η = 1 and ‖v_k − v*‖ ≤ qᵏ‖v*‖,
 * so k = ⌈ln ε / ln q⌉ steps reach the relative accuracy ε (`sid_tolerance`). On minibatches a
 * constant η stalls at a noise floor (Grazzi et al., Thm 4.1), so η_k = β/(γ + k) with
 * β = 2/(1 − q²) (their experiments; Thm 4.2 asks β > 1/(1 − q²)) and γ = 10β (γ ≥ β(1 + σ₂) with a
 * margin for minibatch Hessians far from a contraction); their bound (31),
 * E‖v_k − v*‖² ≤ max{γ‖v*‖², ·}/(γ + k), gives a relative error ε after k = ⌈γ/ε²⌉ steps when its
 * first term dominates. Since the noise term of that bound is not known, whether the system was
 * solved is checked afterwards ({@link SidResult.linearSystemError}): ĝ against the hypergradient
 * of the exact solution of the same system at the same x_t, on every outcome (g3 at x_t: CG on the
 * Hessian, or GMRES through the solver's own map). That measures what the linear system alone
 * costs the estimate, apart from the error of x_t, which SID cannot reduce. A residual test was
 * not used: with κ‖r‖/‖b‖ (the bound on ‖v − v*‖/‖v*‖) the constant-step MNIST example of
 * Grazzi et al. warns at 15.8 while its ĝ is within 4–7% of g3(x_t); the residual alone
 * (0.18–0.31 there) is dominated by the stiff directions, which barely move ĝ.
 */
import { distance, norm } from '../linalg/vector.ts';
import { RandomStream } from '../runtime/rng.ts';
import { ImplicitSolveError } from '../solver/implicit.ts';
import type { Schedule } from '../solver/schedule-kernel.ts';
import { noiseless, type FixedPointAt } from '../solver/fixed-point-implicit.ts';
import type { RunResult } from '../solver/run.ts';
import type { StepProgram } from '../solver/step-program.ts';
import type { Conditioning } from '../reference/reference.ts';
import type { HypergradientEstimators } from './estimators.ts';

/**
 * How SID solves its linear system.
 * @category Hypergradients
 */
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
  /**
   * The target relative accuracy ε (`sid_tolerance`): a warning is raised when ĝ is further than
   * ε‖g_t‖ from g_t, the hypergradient of the exact solution of the same linear system at the
   * same x_t (absent: no check, and no exact solve).
   */
  readonly tolerance?: number;
  /** Fixed-point steps after which the error ‖ĝ − g*‖ is recorded. */
  readonly recordAt: readonly number[];
  /**
   * The solver's own map, for a step map that is not a plain gradient step: SID then solves
   * (I − ∂ₛΦᵀ) v = ∇ₛE at the last state, and `alpha` is not used.
   */
  readonly fixedPoint?: SidFixedPoint;
}

/**
 * The map SID differentiates through when it is the solver's own: the program at the last state s_t and the inputs of the last step.
 * @category Hypergradients
 */
export type SidFixedPoint = FixedPointAt;

/**
 * SID's estimate and its error along the fixed-point iterations.
 * @category Hypergradients
 */
export interface SidResult {
  /** ĝ after all the iterations. */
  readonly gradient: Float64Array;
  /** The recorded fixed-point steps. */
  readonly k: number[];
  /** ‖ĝ_k − g*‖ at those steps (ĝ_k combining v_k with a fresh minibatch). */
  readonly error: number[];
  /**
   * ‖ĝ − g_t‖ / ‖g_t‖, g_t the hypergradient of the exact solution of SID's linear system at the
   * same x_t (g3 at x_t), when `tolerance` was given, g_t ≠ 0 and the exact solve succeeded.
   */
  readonly linearSystemError?: number;
  /** Why ĝ is inaccurate (its linear system missed `tolerance`, or could not be checked), when it is. */
  readonly warning?: string;
}

/**
 * SID's relaxation η_k on minibatches: β/(γ + k), β = 2/(1 − q²), γ = 10β (see the module comment).
 * @category Hypergradients
 */
export const SID_DECREASING_STEP = '2 / (1 - q^2) / (20 / (1 - q^2) + k)';

/**
 * The target relative accuracy of SID's linear system when `sid_tolerance` is not given.
 * @category Hypergradients
 */
export const DEFAULT_SID_TOLERANCE = 0.1;

/**
 * Most fixed-point steps the derived default takes (κ → ∞ would ask for unboundedly many).
 * @category Hypergradients
 */
export const MAX_DERIVED_SID_ITERATIONS = 1_000_000;

/**
 * SID's number of fixed-point steps derived from κ and the target relative accuracy ε:
 * ⌈ln ε / ln q⌉ with exact products (η = 1), ⌈γ/ε²⌉ with γ = 20/(1 − q²) on minibatches
 * (η_k = {@link SID_DECREASING_STEP}), at least 1 and at most {@link MAX_DERIVED_SID_ITERATIONS}.
 * @category Hypergradients
 */
export function sidIterations(kappa: number, tolerance: number, full: boolean): number {
  const q = (kappa - 1) / (kappa + 1);
  if (!Number.isFinite(kappa) || q >= 1) return MAX_DERIVED_SID_ITERATIONS;
  const k = full ? Math.log(tolerance) / Math.log(q) : 20 / (1 - q * q) / (tolerance * tolerance);
  return Math.min(MAX_DERIVED_SID_ITERATIONS, Math.max(1, Math.ceil(k)));
}

/**
 * SID's fixed-point form for a run of `program`: present exactly when its step map is not a plain gradient step.
 * @category Hypergradients
 */
export function sidFixedPoint(program: StepProgram, result: Pick<RunResult, 'fixedPoint'>): SidFixedPoint | undefined {
  return result.fixedPoint && { program, state: result.fixedPoint.state, hypers: result.fixedPoint.inputs };
}

/**
 * Runs SID at `x` (the stochastic solver's last iterate).
 * @category Hypergradients
 */
export function stochasticImplicitDifferentiation(
  estimators: HypergradientEstimators,
  x: Float64Array,
  conditioning: Conditioning,
  spec: SidSpec,
  reference: Float64Array,
): SidResult {
  const lower = estimators.lower;
  const outcomes = lower.outcomes;
  const stream = new RandomStream(`${spec.seed}/sid/run/${spec.run}`);
  const idx = new Int32Array(spec.batch);
  const draw = (): void => {
    for (let q = 0; q < spec.batch; q++) idx[q] = stream.index(outcomes);
  };
  const outerTheta = estimators.outerGradientTheta(x);
  const map = spec.fixedPoint ? ownMap(spec.fixedPoint, estimators, x) : gradientMap(estimators, x, spec.alpha);
  const v = new Float64Array(map.size);
  const rhs = map.rhs;
  const hv = new Float64Array(map.size);
  const correction = new Float64Array(lower.parameters);
  const batch = (): { idx: Int32Array; count: number } => {
    if (spec.full) return { idx: lower.everyOutcome, count: outcomes };
    draw();
    return { idx, count: spec.batch };
  };
  const combine = (): Float64Array => {
    const { idx: at, count } = batch();
    map.transposed(v, at, count, correction);
    return outerTheta.map((g, p) => g + correction[p]);
  };
  const result: Pick<SidResult, 'k' | 'error'> = { k: [], error: [] };
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
    const { idx: at, count } = batch();
    map.deviation(v, at, count, hv);
    const eta = spec.step(k, mu, L, kappa);
    // Ψ̂(v) − v = ∇ₛE − (I − ∂ₛΦ̂ᵀ) v.
    for (let j = 0; j < map.size; j++) v[j] += eta * (rhs[j] - hv[j]);
    record(k + 1);
  }
  const gradient = combine();
  // ‖∇ₛE − (I − ∂ₛΦᵀ) v‖ / ‖∇ₛE‖ with exact products over every outcome, for the warning's text.
  const residual = (): number => {
    const applied = new Float64Array(map.size);
    map.deviation(v, lower.everyOutcome, outcomes, applied);
    const scale = norm(rhs);
    return scale === 0 ? 0 : distance(rhs, applied) / scale;
  };
  return { ...result, gradient, ...(spec.tolerance === undefined ? {} : linearSystemCheck(estimators, x, spec, spec.tolerance, gradient, residual)) };
}

/**
 * SID's estimate against g_t, the exact solution of its linear system at the same x_t: the
 * relative error, and the warning when it exceeds the tolerance (or is not finite: a diverged v).
 */
function linearSystemCheck(
  estimators: HypergradientEstimators,
  x: Float64Array,
  spec: SidSpec,
  tolerance: number,
  gradient: Float64Array,
  residual: () => number,
): Pick<SidResult, 'linearSystemError' | 'warning'> {
  let exact: Float64Array;
  try {
    // CG to a residual 10³ below the tolerance (at most 1e-8): enough to tell ĝ's error from g_t's.
    exact = spec.fixedPoint ? estimators.implicitAtFixedPoint(spec.fixedPoint) : estimators.implicit(x, 'cg', Math.max(1e-13, Math.min(1e-8, tolerance * 1e-3)));
  } catch (error) {
    if (!(error instanceof ImplicitSolveError)) throw error;
    return { warning: `SID: its linear system could not be checked by an exact solve at the last iterate: ${error.message}` };
  }
  const scale = norm(exact);
  if (scale === 0) return {};
  const linearSystemError = distance(gradient, exact) / scale;
  if (linearSystemError <= tolerance) return { linearSystemError };
  return {
    linearSystemError,
    warning:
      `SID: its linear system (I − ∂Φᵀ) v = ∇E has not converged after ${spec.iterations} iterations: relative residual ${residual().toExponential(2)}; its estimate is off by ${linearSystemError.toExponential(2)} (relative) ` +
      `from the hypergradient of an exact solve at the same iterate (sid_tolerance = ${tolerance}); raise sid_iterations or sid_batch, or use sid_sampling = full`,
  };
}

/** The linear map SID iterates on: (I − ∂ₛΦ̂ᵀ) v and ∂θΦ̂ᵀ v on a batch, and the right-hand side ∇ₛE. */
interface SidMap {
  /** Length of v. */
  readonly size: number;
  /** ∇ₛE at the last state. */
  readonly rhs: Float64Array;
  /** into = (I − ∂ₛΦ̂ᵀ) v on the batch. */
  deviation(v: Float64Array, idx: Int32Array, count: number, into: Float64Array): void;
  /** into = ∂θΦ̂ᵀ v on the batch. */
  transposed(v: Float64Array, idx: Int32Array, count: number, into: Float64Array): void;
}

/** Φ(x) = x − α∇ₓF: I − ∂ₓΦᵀ = α H and ∂θΦᵀ = −α ∇²θₓF. */
function gradientMap(estimators: HypergradientEstimators, x: Float64Array, alpha: number): SidMap {
  const lower = estimators.lower;
  const theta = lower.instance.theta;
  return {
    size: lower.dimension,
    rhs: estimators.outerGradientX(x),
    deviation(v, idx, count, into) {
      lower.batch('hvp', x, theta, v, idx, count, into);
      for (let j = 0; j < into.length; j++) into[j] *= alpha;
    },
    transposed(v, idx, count, into) {
      lower.batch('crossTranspose', x, theta, v, idx, count, into);
      for (let p = 0; p < into.length; p++) into[p] *= -alpha;
    },
  };
}

/** The solver's own map through its reverse kernel: one call gives [∂ₛΦ̂ᵀ v, ∂θΦ̂ᵀ v]. */
function ownMap(fixedPoint: SidFixedPoint, estimators: HypergradientEstimators, x: Float64Array): SidMap {
  const { program, state } = fixedPoint;
  const theta = estimators.lower.instance.theta;
  const hypers = noiseless(program, fixedPoint.hypers);
  const S = program.stateSize;
  const out = new Float64Array(S + estimators.lower.parameters);
  const none = new Float64Array(0);
  const rhs = new Float64Array(S);
  rhs.set(estimators.outerGradientX(x));
  const pull = (v: Float64Array, idx: Int32Array, count: number): void => program.reverse.run(state, theta, v, none, idx, count, out, hypers);
  return {
    size: S,
    rhs,
    deviation(v, idx, count, into) {
      pull(v, idx, count);
      for (let j = 0; j < S; j++) into[j] = v[j] - out[j];
    },
    transposed(v, idx, count, into) {
      pull(v, idx, count);
      into.set(out.subarray(S));
    },
  };
}
