/**
 * The one run loop every solver shares: prepare the iteration, track derivatives, step, watch
 * for divergence, and record metrics against the reference on a log-spaced schedule.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import type { FunctionTable } from '../ir/functions.ts';
import { allFinite, distance, norm } from '../linalg/vector.ts';
import type { Reference } from '../reference/reference.ts';
import { ForwardTracker } from './forward-tracker.ts';
import type { FixedPointAt, FixedPointSolveInfo } from './fixed-point-implicit.ts';
import type { LinearSolver } from './implicit.ts';
import { implicitTracking, type ImplicitTracking } from './implicit-tracking.ts';
import { reportJacobianByPullback, reportJacobianFromState, reportValues, splitReports, type ReportResult } from './reports.ts';
import { ReverseTape, type Checkpointing } from './reverse.ts';
import type { StepProgram } from './step-program.ts';
import { Stepper } from './stepper.ts';

/** The metrics a run can record, in the order traces list them. */
export const RUN_METRICS = ['suboptimality', 'distance', 'jacobian_error', 'gradient_norm', 'step'] as const;

/** One of {@link RUN_METRICS}. */
export type RunMetric = (typeof RUN_METRICS)[number];

/** Derivative tracking modes. */
export type Tracking = 'none' | 'forward' | 'reverse' | 'implicit';

/** What an observer sees at a record point. */
export interface RunView {
  /** The iteration recorded. */
  readonly k: number;
  /** x_k (a view: copy it to keep it). */
  readonly x: Float64Array;
  /** The forward tracker, when tracking forward (∂θx_k is `forward.jacobian()`). */
  readonly forward?: ForwardTracker;
  /**
   * When the step map is not a plain gradient step: the map at s_k with the inputs of the step
   * that led there (for estimators that differentiate through the solver's fixed point).
   */
  readonly fixedPoint?: () => FixedPointAt;
}

/**
 * Extra metrics computed alongside a run (hypergradient estimators are one). `record` gives the
 * values at each record point; `finish`, when given, the final values once the run is over
 * (with the reverse tape, whose sweep is only possible then), replacing the last record.
 */
export interface RunObserver {
  /** Names of the metrics this observer adds, in order. */
  readonly metrics: readonly string[];
  /** Values at a record point (NaN where not available yet). */
  record(view: RunView): number[];
  /** Values after the run; receives the reverse tape when tracking in reverse. */
  finish?(view: RunView & { readonly tape?: ReverseTape }): number[];
}

/** What to run. */
export interface RunSpec {
  /** Number of steps t. */
  readonly iterations: number;
  /** How ∂θx_k is followed. */
  readonly track: Tracking;
  /** Reverse-mode storage. */
  readonly checkpointing: Checkpointing;
  /** Implicit-mode linear solver. */
  readonly linearSolver: LinearSolver;
  /** The run seed (the same as the instance's). */
  readonly seed: number;
  /** The run's index in a Monte Carlo batch. */
  readonly run: number;
  /** Iterations at which metrics are recorded, ascending, within [0, iterations]. */
  readonly recordAt: readonly number[];
  /** Observers adding metrics (none by default). */
  readonly observers?: readonly RunObserver[];
  /**
   * Whether to compute ∂θx_t at the end (default true). In reverse mode that is one backward
   * sweep per entry of x_t; a run that needs only a few pullbacks (an observer's hypergradient)
   * turns it off, and `jacobian` and the last `jacobian_error` are then absent.
   */
  readonly jacobian?: boolean;
}

/** Metrics at the recorded iterations; NaN where a metric is not available (e.g. jacobian_error before the end in reverse mode). */
export interface Trace {
  /** The recorded iterations. */
  readonly k: number[];
  /** One series per metric (the {@link RUN_METRICS}, then the observers'), aligned with `k`. */
  readonly metrics: Record<string, number[]>;
}

/** A run's outcome. */
export interface RunResult {
  /** Steps completed. */
  readonly iterations: number;
  /** The last iterate x_t. */
  readonly x: Float64Array;
  /** ∂θx_t, tangent-major, when tracked. */
  readonly jacobian?: Float64Array;
  /** The recorded metrics. */
  readonly trace: Trace;
  /** Set when an iterate stopped being finite: the iteration reached and the step used. */
  readonly divergence?: { readonly iteration: number; readonly step: number };
  /** Reverse mode: the most iterates stored at once. */
  readonly peakStoredStates?: number;
  /** The solver's reported quantities (its `report` nodes) at x_t, with their Jacobians when tracked. */
  readonly reports?: Record<string, ReportResult>;
  /** Implicit mode through the step map's fixed point: the GMRES residual and condition met at x_t. */
  readonly implicitSolve?: FixedPointSolveInfo;
  /**
   * When the step map is not a plain gradient step: the last state s_t and the noiseless
   * per-iteration inputs of the last step, the map whose fixed point SID differentiates through.
   */
  readonly fixedPoint?: { readonly state: Float64Array; readonly inputs: Float64Array };
}

/** Runs one trajectory of `program` from x₀. `onProgress(k)` is called now and then. */
export function runSolver(
  program: StepProgram,
  kernels: ProblemKernels,
  reference: Reference,
  spec: RunSpec,
  functions: FunctionTable,
  onProgress?: (k: number) => void,
): RunResult {
  const stepper = new Stepper(program, kernels, reference, spec.seed, spec.run, functions);
  const theta = kernels.instance.theta;
  const forward = spec.track === 'forward' ? new ForwardTracker(stepper) : undefined;
  const tape = spec.track === 'reverse' ? new ReverseTape(stepper, spec.iterations, spec.checkpointing) : undefined;
  const observers = spec.observers ?? [];
  const names = [...RUN_METRICS, ...observers.flatMap((o) => o.metrics)];
  const trace: Trace = { k: [], metrics: Object.fromEntries(names.map((m) => [m, []])) };
  const gradient = new Float64Array(kernels.dimension);
  const none = new Float64Array(0);
  const record = (k: number): void => {
    const x = stepper.x;
    kernels.full('gradX', x, theta, none, gradient);
    let jacobianError = NaN;
    if (forward) jacobianError = forward.distanceTo(reference.jacobian);
    if (spec.track === 'implicit') jacobianError = distance(implicitTracking(stepper, k, spec.linearSolver).jacobian, reference.jacobian);
    trace.k.push(k);
    trace.metrics.suboptimality.push(kernels.objective(x, theta) - reference.objective);
    trace.metrics.distance.push(distance(x, reference.x));
    trace.metrics.jacobian_error.push(jacobianError);
    trace.metrics.gradient_norm.push(norm(gradient));
    trace.metrics.step.push(stepper.stepAt(k));
    const fixedPoint = program.gradientStep ? undefined : () => ({ program, state: Float64Array.from(stepper.s), hypers: stepper.noiselessInputs(Math.max(0, k - 1)) });
    for (const o of observers) o.record({ k, x, forward, fixedPoint }).forEach((v, j) => trace.metrics[o.metrics[j]].push(v));
  };
  let next = 0;
  if (spec.recordAt[next] === 0) record(spec.recordAt[next++]);
  const every = Math.max(1, Math.floor(spec.iterations / 200));
  let k = 0;
  let divergence: RunResult['divergence'];
  for (; k < spec.iterations; k++) {
    tape?.beforePrepare(k);
    stepper.prepare(k);
    tape?.afterPrepare();
    forward?.update();
    stepper.advance();
    if (!allFinite(stepper.s)) {
      divergence = { iteration: k + 1, step: stepper.step };
      break;
    }
    while (next < spec.recordAt.length && spec.recordAt[next] === k + 1) record(spec.recordAt[next++]);
    if (onProgress && (k + 1) % every === 0) onProgress(k + 1);
  }
  if (divergence) return { iterations: k, x: Float64Array.from(stepper.x), trace, divergence };
  let jacobian: Float64Array | undefined;
  if (forward) jacobian = forward.jacobian();
  let implicit: ImplicitTracking | undefined;
  if (spec.track === 'implicit') jacobian = (implicit = implicitTracking(stepper, spec.iterations, spec.linearSolver)).jacobian;
  const x = Float64Array.from(stepper.x);
  // Reports are read before a reverse sweep replays segments through the stepper.
  const at = { s: Float64Array.from(stepper.s), h: Float64Array.from(stepper.h) };
  if (tape && spec.jacobian !== false) {
    jacobian = tape.jacobian();
    // The sweep has replayed segments through the stepper; the last iterate was saved above.
    const last = trace.k.length - 1;
    if (last >= 0 && trace.k[last] === spec.iterations) trace.metrics.jacobian_error[last] = distance(jacobian, reference.jacobian);
  }
  const fixedPoint = program.gradientStep ? undefined : { state: at.s, inputs: stepper.noiselessInputs(Math.max(0, spec.iterations - 1)) };
  const last = trace.k.length - 1;
  for (const o of observers) {
    if (!o.finish || last < 0 || trace.k[last] !== spec.iterations) continue;
    // The sweep above replayed segments through the stepper, so the observer gets the saved x_t.
    o.finish({ k: spec.iterations, x, forward, tape, fixedPoint: fixedPoint && (() => ({ program, state: fixedPoint.state, hypers: fixedPoint.inputs })) }).forEach((v, j) => (trace.metrics[o.metrics[j]][last] = v));
  }
  let reports: Record<string, ReportResult> | undefined;
  if (program.reports.length > 0) {
    let reportJacobian: Float64Array | undefined;
    if (forward) reportJacobian = reportJacobianFromState(program, kernels, at, forward.stateJacobian());
    if (implicit) reportJacobian = reportJacobianFromState(program, kernels, at, implicit.stateJacobian);
    if (tape && spec.jacobian !== false) reportJacobian = reportJacobianByPullback(program, kernels, at, tape);
    reports = splitReports(program, kernels.parameters, reportValues(program, kernels, at), reportJacobian);
  }
  return { iterations: spec.iterations, x, jacobian, trace, peakStoredStates: tape?.peakStoredStates, reports, implicitSolve: implicit?.solve, fixedPoint };
}
