/**
 * The hypergradient part of a run session, when the file declares `outer`: the estimators,
 * which of them the solve block chose, the exact hypergradient g* at the reference x*, and
 * SID's settings.
 */
import {
  compileSchedule,
  HypergradientEstimators,
  jacobianTransposeTimes,
  outerKernels,
  type Estimator,
  type PluginRegistry,
  type ProblemKernels,
  type Problem,
  type RunReference,
  type Schedule,
  sidIterations,
  type Conditioning,
  type Tracking,
} from '@sgdiff/core';
import { UserError } from '../errors.ts';

/**
 * Hypergradient estimation for one session.
 * @category CLI
 */
export interface HyperSession {
  /** g1, g2, g3 evaluators. */
  readonly estimators: HypergradientEstimators;
  /** The estimators chosen by `estimator = ...`, in the order written. */
  readonly chosen: readonly Estimator[];
  /** g* = ∇θE(x*) + (∂θx*)ᵀ∇ₓE(x*), with the reference's ∂θx* (see {@link referenceHypergradient}); absent with reference = none. */
  readonly reference?: Float64Array;
  /** Why g* may be inaccurate (its CG solve did not converge), when it may be. */
  readonly warning?: string;
  /** SID settings, when `sid` is chosen. */
  readonly sid?: SidSettings;
}

/**
 * SID's settings for one session: the options as given, the others derived from the problem (see {@link sidSettings}).
 * @category CLI
 */
export interface SidSettings {
  /** Fixed-point steps. */
  readonly iterations: number;
  /** Relaxation η_k. */
  readonly step: Schedule;
  /** α of Φ(x) = x − α∇ₓF. */
  readonly alpha: number;
  /** Exact products over every outcome (`sid_sampling = full`). */
  readonly full: boolean;
  /** Minibatch size of each product. */
  readonly batch: number;
  /** Target relative accuracy of the linear system (`sid_tolerance`), checked after the steps. */
  readonly tolerance: number;
}

/**
 * SID's settings: `sid_step` as written or defaulted (1 with exact products, the decreasing
 * β/(γ + k) of `SID_DECREASING_STEP` on minibatches: its option's `defaultWhen`); `sid_iterations` when not written (or 0) follows
 * from κ and `sid_tolerance` ({@link sidIterations}); α = `sid_alpha` at the reference's μ, L.
 * @category CLI
 */
export function sidSettings(problem: Problem, registry: PluginRegistry, reference: Conditioning): SidSettings {
  const solve = problem.solve!;
  const schedule = (option: string): Schedule => compileSchedule(solve.expressions[option], registry.functions);
  const full = solve.options.sid_sampling === 'full';
  const tolerance = Number(solve.options.sid_tolerance);
  const written = Number(solve.options.sid_iterations);
  return {
    iterations: written > 0 ? written : sidIterations(reference.kappa, tolerance, full),
    step: schedule('sid_step'),
    alpha: schedule('sid_alpha')(0, reference.mu, reference.L, reference.kappa),
    full,
    batch: Number(solve.options.sid_batch) || (problem.sample?.batch ?? 1),
    tolerance,
  };
}

/**
 * Builds the hypergradient session, or `undefined` for a file without `outer`.
 * @category CLI
 */
export function createHyperSession(problem: Problem, registry: PluginRegistry, kernels: ProblemKernels, reference: RunReference, track: Tracking, file: string): HyperSession | undefined {
  const solve = problem.solve;
  if (!problem.outer || !solve) return undefined;
  const chosen = String(solve.options.estimator).split(',') as Estimator[];
  if (chosen.includes('automatic') && track !== 'forward' && track !== 'reverse') {
    throw new UserError(`${file}: error: estimator 'automatic' differentiates through the iterations: set track = forward or track = reverse (got track = ${track})`);
  }
  const estimators = new HypergradientEstimators(kernels, outerKernels(problem, registry, kernels), solve.options.linear_solver === 'cg' ? 'cg' : 'direct');
  const exact = referenceHypergradient(problem, estimators, reference, file);
  const warning = exact?.converged === false ? `g*: the CG solve of J*ᵀ∇ₓE reached a relative residual of ${exact.relativeResidual.toExponential(2)} only` : undefined;
  const sid = chosen.includes('sid') ? sidSettings(problem, registry, reference) : undefined;
  return { estimators, chosen, ...(exact ? { reference: exact.value } : {}), ...(warning ? { warning } : {}), sid };
}

/**
 * g* = ∇θE(x*) + (∂θx*)ᵀ∇ₓE(x*): with the exact reference, ∂θx* from its direct solve at x*;
 * with the iterative one, (∂θx*)ᵀ∇ₓE as one CG solve on Hessian–vector products; none without
 * a reference. For `outer value` this is g3 at x*, which corrects ∇θF(x*) (Danskin) for the
 * rounding left in ∇ₓF(x*): on a degenerate minimum ∇θF(x*) is only as small as Newton's last
 * residual allows. With a singular Hessian ∂θx* is the minimum-norm solution, which is harmless
 * for `outer value` (∇ₓF(x*) ≈ 0 lies in the Hessian's range) but arbitrary for another upper
 * objective.
 * @category CLI
 */
export function referenceHypergradient(
  problem: Problem,
  estimators: HypergradientEstimators,
  reference: RunReference,
  file: string,
): { readonly value: Float64Array; readonly relativeResidual: number; readonly converged: boolean } | undefined {
  if (reference.mode === 'none') return undefined;
  // The solver's reference gives g* itself (sinkhorn: the envelope theorem at its certified potentials).
  if (reference.mode === 'solver') return reference.hypergradient && { value: reference.hypergradient, relativeResidual: 0, converged: true };
  if (reference.mode === 'iterative') {
    const pulled = jacobianTransposeTimes(estimators.lower, reference.x, estimators.lower.instance.theta, estimators.outerGradientX(reference.x));
    const value = estimators.automaticFromPullback(reference.x, pulled.value);
    return { value, relativeResidual: pulled.relativeResidual, converged: pulled.converged };
  }
  if (reference.singular && problem.outer?.kind !== 'value') {
    throw new UserError(`${file}: error: reference hypergradient: ${reference.warning}; ∇ℓ(θ) = ∇θE + (∂θx*)ᵀ∇ₓE needs a unique x*`);
  }
  return { value: estimators.automatic(reference.x, reference.jacobian), relativeResidual: 0, converged: true };
}
