/**
 * The hypergradient part of a run session, when the file declares `outer`: the estimators,
 * which of them the solve block chose, the exact hypergradient g* at the reference x*, and
 * SID's settings.
 */
import {
  compileSchedule,
  HypergradientEstimators,
  ImplicitSolveError,
  outerKernels,
  type Estimator,
  type PluginRegistry,
  type ProblemKernels,
  type Problem,
  type Reference,
  type Schedule,
  type Tracking,
} from '@sgdiff/core';
import { UserError } from '../errors.ts';

/** Hypergradient estimation for one session. */
export interface HyperSession {
  /** g1, g2, g3 evaluators. */
  readonly estimators: HypergradientEstimators;
  /** The estimators chosen by `estimator = ...`, in the order written. */
  readonly chosen: readonly Estimator[];
  /** g* = ∇θE(x*) − ∇²θₓF(x*) ∇²ₓₓF(x*)⁻¹ ∇ₓE(x*), by a direct solve at the certified x*. */
  readonly reference: Float64Array;
  /** SID settings, when `sid` is chosen. */
  readonly sid?: { readonly iterations: number; readonly step: Schedule; readonly alpha: number };
}

/** Builds the hypergradient session, or `undefined` for a file without `outer`. */
export function createHyperSession(problem: Problem, registry: PluginRegistry, kernels: ProblemKernels, reference: Reference, track: Tracking, file: string): HyperSession | undefined {
  const solve = problem.solve;
  if (!problem.outer || !solve) return undefined;
  const chosen = String(solve.options.estimator).split(',') as Estimator[];
  if (chosen.includes('automatic') && track !== 'forward' && track !== 'reverse') {
    throw new UserError(`${file}: error: estimator 'automatic' differentiates through the iterations: set track = forward or track = reverse (got track = ${track})`);
  }
  const estimators = new HypergradientEstimators(kernels, outerKernels(problem, registry, kernels), solve.options.linear_solver === 'cg' ? 'cg' : 'direct');
  let exact: Float64Array;
  try {
    exact = estimators.implicit(reference.x, 'direct');
  } catch (error) {
    if (error instanceof ImplicitSolveError) throw new UserError(`${file}: error: reference hypergradient: ${error.message}`);
    throw error;
  }
  const schedule = (option: string): Schedule => compileSchedule(solve.expressions[option], registry.functions);
  const sid = chosen.includes('sid')
    ? {
        iterations: Number(solve.options.sid_iterations),
        step: schedule('sid_step'),
        alpha: schedule('sid_alpha')(0, reference.mu, reference.L, reference.kappa),
      }
    : undefined;
  return { estimators, chosen, reference: exact, sid };
}
