/**
 * `sgd run` on a file with `outer_solve`: hyperparameter optimization end to end, with the
 * outer solver plugin the block names. Each outer step runs the inner solver warm-started at the
 * previous step's last iterate, takes the first chosen estimator's hypergradient (or SID's), and
 * moves θ. The reference at each θ (μ, L for the inner schedules; x* and g* for the exact ℓ and
 * the error columns) is iterative, Newton–CG warm-started at the previous x*: no dense Hessian
 * is formed per outer step. With reference = none only μ and L are computed, and the exact
 * columns are empty.
 */
import {
  compileScalarExpression,
  computeRunReference,
  HypergradientObserver,
  runOuterLoop,
  runSolver,
  sidFixedPoint,
  stochasticImplicitDifferentiation,
  type Estimator,
  type OuterSolverPlugin,
  type OuterStep,
  type RunReference,
} from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { referenceHypergradient } from './hyper-session.ts';
import { runSpec, type RunJob } from './job.ts';
import type { RunSession } from './session.ts';
import { solverRunReference } from './solver-reference.ts';

/**
 * The outer loop's records and its last θ.
 * @category CLI
 */
export interface OuterRun {
  /** One record per outer step, with the exact ℓ(θ_m) and the estimate's error added (NaN with reference = none). */
  readonly steps: ReadonlyArray<OuterStep & { readonly exactObjective: number; readonly error: number }>;
  /** θ after the last step (the instance's θ is updated in place). */
  readonly theta: Float64Array;
  /** The estimator used. */
  readonly estimator: Estimator;
}

/**
 * Runs the outer loop of a session whose file has `outer` and `outer_solve`.
 * @category CLI
 */
export function runOuter(session: RunSession, job: RunJob, outerSolvers: ReadonlyMap<string, OuterSolverPlugin>): OuterRun {
  const { problem, kernels, program, hyper, settings } = session;
  const spec = problem.outerSolve;
  if (!spec || !hyper) throw new UserError(`${job.file}: error: outer_solve needs an outer objective`);
  const solver = outerSolvers.get(spec.solver);
  if (!solver) throw new UserError(`${job.file}: error: unknown outer solver '${spec.solver}'`);
  const functions = problem.builder.functions;
  const evaluateStep = compileScalarExpression(spec.expressions.step, ['m'], functions);
  const estimator = hyper.chosen[0];
  const theta = kernels.instance.theta;
  const x0 = kernels.instance.x0;
  const start = Float64Array.from(x0);
  const mode = settings.reference === 'none' ? 'none' : 'iterative';
  const extra = new Map<number, { exactObjective: number; error: number }>();
  let previous: RunReference | undefined;
  let m = 0;
  try {
    const steps = runOuterLoop(solver, Number(spec.options.iterations), (k) => evaluateStep([k]), theta, () => {
      const warmStart = previous && previous.mode !== 'none' ? previous.x : undefined;
      const reference =
        (session.reference.mode === 'solver' ? solverRunReference(program.solver, kernels, theta, start, job.seed) : undefined) ??
        computeRunReference(kernels, theta, start, mode, { seed: job.seed, jacobian: false, ...(warmStart ? { warmStart } : {}) });
      previous = reference;
      const exact = referenceHypergradient(problem, hyper.estimators, reference, job.file)?.value;
      const nonSid = estimator === 'sid' ? [] : [estimator];
      const observer = new HypergradientObserver(hyper.estimators, nonSid, exact);
      const result = runSolver(program, kernels, reference, { ...runSpec(session, job.seed, m, [settings.iterations], observer), metrics: [] }, functions);
      if (result.divergence) throw new UserError(`${job.file}: error: the inner solver diverged at outer step ${m}, inner iteration ${result.divergence.iteration}`, 2);
      let gradient = estimator === 'sid' ? undefined : observer.last.get(estimator);
      if (estimator === 'sid' && hyper.sid) {
        // No check of the linear system at every outer step (an exact solve each): tolerance left out.
        const sidSpec = { ...hyper.sid, tolerance: undefined, seed: job.seed, run: m, recordAt: [], fixedPoint: sidFixedPoint(session.program, result) };
        gradient = stochasticImplicitDifferentiation(hyper.estimators, result.x, reference, sidSpec, exact ?? new Float64Array(theta.length).fill(NaN)).gradient;
      }
      if (!gradient) throw new Error(`no ${estimator} estimate at the end of the inner run`);
      const error = exact ? Math.hypot(...gradient.map((g, p) => g - exact[p])) : NaN;
      const exactObjective = reference.mode === 'none' ? NaN : hyper.estimators.outer.objective(reference.x, theta);
      extra.set(m++, { exactObjective, error });
      // The next inner run starts where this one ended.
      x0.set(result.x);
      return { gradient, objective: hyper.estimators.outer.objective(result.x, theta) };
    });
    return { steps: steps.map((s) => ({ ...s, ...(extra.get(s.m) as { exactObjective: number; error: number }) })), theta: Float64Array.from(theta), estimator };
  } finally {
    x0.set(start);
  }
}

/**
 * `outer.csv`: one row per outer step.
 * @category CLI
 */
export function outerCsv(run: OuterRun): string {
  const cell = (v: number): string => (Number.isNaN(v) ? '' : String(v));
  const rows = run.steps.map((s) => [s.m, s.objective, cell(s.exactObjective), s.gradientNorm, cell(s.error), s.step].join(','));
  return ['m,objective,exact_objective,hypergradient_norm,hypergradient_error,step', ...rows].join('\n') + '\n';
}
