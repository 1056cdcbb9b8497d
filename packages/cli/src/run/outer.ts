/**
 * `sgd run` on a file with `outer_solve`: hyperparameter optimization end to end. Each outer
 * step recomputes the reference at the current θ (μ, L for the inner schedules; g* for the
 * error column), runs the inner solver from x₀, takes the first chosen estimator's hypergradient
 * (or SID's), and moves θ.
 */
import {
  compileScalarExpression,
  computeReference,
  HypergradientObserver,
  runOuterLoop,
  runSolver,
  sidFixedPoint,
  stochasticImplicitDifferentiation,
  type Estimator,
  type OuterStep,
} from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { referenceHypergradient } from './hyper-session.ts';
import { runSpec, type RunJob } from './job.ts';
import type { RunSession } from './session.ts';

/** The outer loop's records and its last θ. */
export interface OuterRun {
  /** One record per outer step, with the exact ℓ(θ_m) and the estimate's error added. */
  readonly steps: ReadonlyArray<OuterStep & { readonly exactObjective: number; readonly error: number }>;
  /** θ after the last step (the instance's θ is updated in place). */
  readonly theta: Float64Array;
  /** The estimator used. */
  readonly estimator: Estimator;
}

/** Runs the outer loop of a session whose file has `outer` and `outer_solve`. */
export function runOuter(session: RunSession, job: RunJob): OuterRun {
  const { problem, kernels, program, hyper, settings } = session;
  const spec = problem.outerSolve;
  if (!spec || !hyper) throw new UserError(`${job.file}: error: outer_solve needs an outer objective`);
  const method = spec.solver === 'mirror' ? 'mirror' : 'gd';
  const functions = problem.builder.functions;
  const evaluateStep = compileScalarExpression(spec.expressions.step, ['m'], functions);
  const estimator = hyper.chosen[0];
  const theta = kernels.instance.theta;
  if (method === 'mirror' && theta.some((v) => !(v > 0))) throw new UserError(`${job.file}: error: outer_solve mirror needs θ with positive entries at the start`);
  const extra = new Map<number, { exactObjective: number; error: number }>();
  let m = 0;
  const steps = runOuterLoop(method, Number(spec.options.iterations), (k) => evaluateStep([k]), theta, () => {
    const reference = computeReference(kernels, theta, kernels.instance.x0);
    const exact = referenceHypergradient(problem, hyper.estimators, reference, job.file);
    const nonSid = estimator === 'sid' ? [] : [estimator];
    const observer = new HypergradientObserver(hyper.estimators, nonSid, exact);
    const result = runSolver(program, kernels, reference, runSpec(session, job.seed, m, [settings.iterations], observer), functions);
    if (result.divergence) throw new UserError(`${job.file}: error: the inner solver diverged at outer step ${m}, inner iteration ${result.divergence.iteration}`, 2);
    let gradient = estimator === 'sid' ? undefined : observer.last.get(estimator);
    if (estimator === 'sid' && hyper.sid) {
      const sidSpec = { ...hyper.sid, seed: job.seed, run: m, recordAt: [], fixedPoint: sidFixedPoint(session.program, result) };
      gradient = stochasticImplicitDifferentiation(hyper.estimators, result.x, reference, sidSpec, exact).gradient;
    }
    if (!gradient) throw new Error(`no ${estimator} estimate at the end of the inner run`);
    const error = Math.hypot(...gradient.map((g, p) => g - exact[p]));
    extra.set(m++, { exactObjective: hyper.estimators.outer.objective(reference.x, theta), error });
    return { gradient, objective: hyper.estimators.outer.objective(result.x, theta) };
  });
  return { steps: steps.map((s) => ({ ...s, ...(extra.get(s.m) as { exactObjective: number; error: number }) })), theta: Float64Array.from(theta), estimator };
}

/** `outer.csv`: one row per outer step. */
export function outerCsv(run: OuterRun): string {
  const rows = run.steps.map((s) => [s.m, s.objective, s.exactObjective, s.gradientNorm, s.error, s.step].join(','));
  return ['m,objective,exact_objective,hypergradient_norm,hypergradient_error,step', ...rows].join('\n') + '\n';
}
