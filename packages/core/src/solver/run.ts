/**
 * The one run loop every solver shares: prepare the iteration, track derivatives, step, watch
 * for divergence, and record the metric plugins it is given (and observers' columns) against
 * the reference on a log-spaced schedule.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import type { FunctionTable } from '../ir/functions.ts';
import { allFinite, norm } from '../linalg/vector.ts';
import type { MetricPlugin, MetricPoint, MetricRunInfo } from '../plugin/contracts.ts';
import type { RunReference } from '../reference/run-reference.ts';
import type { StoppingRule } from './contract.ts';
import { ForwardTracker } from './forward-tracker.ts';
import type { FixedPointAt, FixedPointSolveInfo } from './fixed-point-implicit.ts';
import type { LinearSolver } from './implicit.ts';
import { implicitTracking, type ImplicitTracking } from './implicit-tracking.ts';
import type { FaultQuantity } from './numerical-fault.ts';
import { reportJacobianByPullback, reportJacobianFromState, reportValues, splitReports, type ReportResult } from './reports.ts';
import { ReverseTape, type Checkpointing } from './reverse.ts';
import type { StepProgram } from './step-program.ts';
import { Stepper, type StepperCheckpoint } from './stepper.ts';

/**
 * Derivative tracking modes.
 * @category Solvers and tracking
 */
export type Tracking = 'none' | 'forward' | 'reverse' | 'implicit';

/**
 * What an observer sees at a record point.
 * @category Solvers and tracking
 */
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
 * @category Solvers and tracking
 */
export interface RunObserver {
  /** Names of the metrics this observer adds, in order. */
  readonly metrics: readonly string[];
  /** Values at a record point (NaN where not available yet). */
  record(view: RunView): number[];
  /** Values after the run; receives the reverse tape when tracking in reverse. */
  finish?(view: RunView & { readonly tape?: ReverseTape }): number[];
}

/**
 * What to run.
 * @category Solvers and tracking
 */
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
  /** The metric plugins to record, in column order (none by default); their needs are the caller's to check. */
  readonly metrics?: readonly MetricPlugin[];
  /** What the metrics' `columns` read (the chosen hypergradient estimators). */
  readonly metricInfo?: MetricRunInfo;
  /** The hypergradient estimates at the current record point and g*, for metrics that read them (an observer fills `estimates`). */
  readonly hypergradients?: MetricPoint['hypergradients'];
  /** Observers run at each record point before the metrics (none by default), possibly adding columns. */
  readonly observers?: readonly RunObserver[];
  /**
   * Whether to compute ∂θx_t at the end (default true). In reverse mode that is one backward
   * sweep per entry of x_t; a run that needs only a few pullbacks (an observer's hypergradient)
   * turns it off, and `jacobian` and the last `jacobian_error` are then absent.
   */
  readonly jacobian?: boolean;
  /**
   * A test that ends the run before `iterations` steps (the solver's, from its options): after
   * every step ∇ₓF is evaluated and the run stops at the first x_k whose measure is at most the
   * tolerance. That x_k is recorded, and every tracker and estimator works at it.
   */
  readonly stop?: StoppingRule;
  /**
   * Mid-run checkpoints: `save` is called every `every` iterations with a function that captures
   * the run's state (it copies the trace: call it only to keep a checkpoint; only with
   * `track` none, forward or implicit and no observers, whose state lives only in the tracker
   * and the stepper; ignored otherwise).
   */
  readonly checkpoint?: RunCheckpointSink;
  /** A state captured through `checkpoint.save`: the run continues from it, with the same bits as if it had not stopped. */
  readonly resume?: RunCheckpoint;
}

/**
 * Where a run's mid-run checkpoints go (see {@link RunSpec.checkpoint}).
 * @category Solvers and tracking
 */
export interface RunCheckpointSink {
  /** Iterations between two calls of `save`. */
  readonly every: number;
  /** Called every `every` iterations; `capture()` copies the run's state, to be called only when a checkpoint is kept. */
  save(capture: () => RunCheckpoint): void;
}

/**
 * Everything a run needs to continue from iteration k: the stepper (state and streams), ∂θs, the trace so far.
 * @category Solvers and tracking
 */
export interface RunCheckpoint {
  /** The stepper after k steps (k is its `k`). */
  readonly stepper: StepperCheckpoint;
  /** ∂θs_k, when tracking forward. */
  readonly forward?: Float64Array;
  /** The trace recorded up to k. */
  readonly trace: Trace;
  /** The record points kept for the unbounded-below diagnosis. */
  readonly recent: readonly RecordedDescent[];
}

/**
 * Whether a run of `spec` can be checkpointed mid-run (see {@link RunSpec.checkpoint}).
 * @category Solvers and tracking
 */
export function checkpointable(spec: Pick<RunSpec, 'track' | 'observers'>): boolean {
  return spec.track !== 'reverse' && (spec.observers ?? []).length === 0;
}

/**
 * Why a run with a {@link StoppingRule} ended, and where.
 * @category Solvers and tracking
 */
export interface RunStop {
  /** `tolerance` when the measure reached it, `iterations` when the steps ran out first. */
  readonly reason: 'tolerance' | 'iterations';
  /** The last iteration k (x_k is the run's last iterate). */
  readonly iteration: number;
  /** The rule's measure at x_k. */
  readonly value: number;
}

/**
 * Metrics at the recorded iterations; NaN where a metric is not available (e.g. jacobian_error before the end in reverse mode).
 * @category Solvers and tracking
 */
export interface Trace {
  /** The recorded iterations. */
  readonly k: number[];
  /** One series per column (the metrics' columns, then the observers'), aligned with `k`. */
  readonly metrics: Record<string, number[]>;
}

/**
 * A record point's F(x_k) and ‖x_k‖, kept to tell an objective unbounded below from a step too large.
 * @category Solvers and tracking
 */
export interface RecordedDescent {
  /** The iteration. */
  readonly k: number;
  /** F(x_k). */
  readonly objective: number;
  /** ‖x_k‖. */
  readonly norm: number;
}

/**
 * Where a run stopped on a NaN or infinity: an iterate (checked after every step), or the
 * objective or gradient at a finite iterate (checked at the record points).
  * @category Solvers and tracking
 */
export interface Divergence {
  /** The iteration whose iterate (or objective, or gradient) is not finite. */
  readonly iteration: number;
  /** The step size η used for it. */
  readonly step: number;
  /** What was not finite (`iterate` when the solver state was). */
  readonly quantity: Extract<FaultQuantity, 'iterate' | 'objective' | 'gradient'>;
  /** The first non-finite value met. */
  readonly value: number;
  /** F and ‖x‖ at the last (up to {@link RECENT_RECORDS}) record points before it, oldest first. */
  readonly recent: readonly RecordedDescent[];
}

/**
 * Record points whose F(x_k) and ‖x_k‖ a divergence carries.
 * @category Solvers and tracking
 */
export const RECENT_RECORDS = 4;

/**
 * A run's outcome.
 * @category Solvers and tracking
 */
export interface RunResult {
  /** Steps completed. */
  readonly iterations: number;
  /** The last iterate x_t. */
  readonly x: Float64Array;
  /** ∂θx_t, tangent-major, when tracked. */
  readonly jacobian?: Float64Array;
  /** The recorded metrics. */
  readonly trace: Trace;
  /** Set when the run met a NaN or infinity: where and in what (see {@link Divergence}). */
  readonly divergence?: Divergence;
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
  /** With a stopping rule: why and where the run ended. */
  readonly stop?: RunStop;
}

/**
 * Runs one trajectory of `program` from x₀. `onProgress(k)` is called now and then.
 * @category Solvers and tracking
 */
export function runSolver(
  program: StepProgram,
  kernels: ProblemKernels,
  reference: RunReference,
  spec: RunSpec,
  functions: FunctionTable,
  onProgress?: (k: number) => void,
): RunResult {
  const stepper = new Stepper(program, kernels, reference, spec.seed, spec.run, functions);
  const theta = kernels.instance.theta;
  const forward = spec.track === 'forward' ? new ForwardTracker(stepper) : undefined;
  const tape = spec.track === 'reverse' ? new ReverseTape(stepper, spec.iterations, spec.checkpointing) : undefined;
  const observers = spec.observers ?? [];
  const info = spec.metricInfo ?? { estimators: [] };
  const metrics = (spec.metrics ?? []).map((plugin) => ({ plugin, columns: plugin.columns?.(info) ?? [plugin.name] }));
  const names = [...metrics.flatMap((m) => m.columns), ...observers.flatMap((o) => o.metrics)];
  const trace: Trace = { k: [], metrics: Object.fromEntries(names.map((m) => [m, []])) };
  const gradient = new Float64Array(kernels.dimension);
  const none = new Float64Array(0);
  /** The metric point at x_k; `finalJacobian` is ∂θx_t from the reverse sweep at the end. */
  const pointAt = (k: number, x: Float64Array, finalJacobian?: Float64Array): MetricPoint => {
    kernels.full('gradX', x, theta, none, gradient);
    let jacobian: Float64Array | undefined = finalJacobian;
    let computed = finalJacobian !== undefined;
    return {
      k,
      x,
      theta,
      gradient,
      step: stepper.stepAt(k),
      kernels,
      info,
      reference,
      hypergradients: spec.hypergradients,
      jacobian() {
        if (!computed) {
          computed = true;
          if (forward) jacobian = forward.jacobian();
          else if (spec.track === 'implicit') jacobian = implicitTracking(stepper, k, spec.linearSolver).jacobian;
        }
        return jacobian;
      },
    };
  };
  /** Writes the metrics' values at `point` into row `row` (a new row when it is the trace's length). */
  const writeMetrics = (point: MetricPoint, row: number, only?: (plugin: MetricPlugin) => boolean): void => {
    for (const { plugin, columns } of metrics) {
      if (only && !only(plugin)) continue;
      const value = plugin.compute(point);
      const values = typeof value === 'number' ? [value] : value;
      columns.forEach((c, j) => (trace.metrics[c][row] = values[j] ?? NaN));
    }
  };
  const recent: RecordedDescent[] = [];
  /** Records x_k; returns the fault when F(x_k) or ∇ₓF(x_k) is not finite. */
  const record = (k: number): Divergence | undefined => {
    const x = stepper.x;
    const row = trace.k.length;
    trace.k.push(k);
    const fixedPoint = program.gradientStep ? undefined : () => ({ program, state: Float64Array.from(stepper.s), hypers: stepper.noiselessInputs(Math.max(0, k - 1)) });
    const view = { k, x, forward, fixedPoint };
    const observed = observers.map((o) => o.record(view));
    writeMetrics(pointAt(k, x), row);
    observers.forEach((o, i) => observed[i].forEach((v, j) => (trace.metrics[o.metrics[j]][row] = v)));
    // The gradient is the one pointAt left in `gradient` (at x_k); F costs one more evaluation per record point.
    const objective = kernels.objective(x, theta);
    recent.push({ k, objective, norm: norm(x) });
    if (recent.length > RECENT_RECORDS) recent.shift();
    const badGradient = gradient.find((v) => !Number.isFinite(v));
    const step = stepper.stepAt(k);
    if (!Number.isFinite(objective)) return { iteration: k, step, quantity: 'objective', value: objective, recent: recent.slice(0, -1) };
    if (badGradient !== undefined) return { iteration: k, step, quantity: 'gradient', value: badGradient, recent: recent.slice(0, -1) };
    return undefined;
  };
  let next = 0;
  let divergence: Divergence | undefined;
  let k = 0;
  const saving = spec.checkpoint && checkpointable(spec) ? spec.checkpoint : undefined;
  if (spec.resume && checkpointable(spec)) {
    const from = spec.resume;
    stepper.restore(from.stepper);
    if (forward && from.forward) forward.restore(from.forward);
    for (const [name, values] of Object.entries(from.trace.metrics)) trace.metrics[name] = [...values];
    trace.k.push(...from.trace.k);
    recent.push(...from.recent);
    k = from.stepper.k;
    while (next < spec.recordAt.length && spec.recordAt[next] <= k) next++;
  } else if (spec.recordAt[next] === 0) divergence = record(spec.recordAt[next++]);
  const every = Math.max(1, Math.floor(spec.iterations / 200));
  let stop: RunStop | undefined;
  for (; k < spec.iterations && !divergence; k++) {
    tape?.beforePrepare(k);
    stepper.prepare(k);
    tape?.afterPrepare();
    forward?.update();
    stepper.advance();
    if (!allFinite(stepper.s)) {
      divergence = { iteration: k + 1, step: stepper.step, quantity: 'iterate', value: stepper.s.find((v) => !Number.isFinite(v)) as number, recent: [...recent] };
      break;
    }
    if (spec.stop) stop = stopTest(spec.stop, kernels, stepper.x, theta, gradient, k + 1, spec.iterations);
    while (!divergence && next < spec.recordAt.length && spec.recordAt[next] === k + 1) divergence = record(spec.recordAt[next++]);
    if (divergence) break;
    if (onProgress && (k + 1) % every === 0) onProgress(k + 1);
    if (stop?.reason === 'tolerance') {
      // The trace ends where the run stopped, with that point recorded.
      if (trace.k[trace.k.length - 1] !== k + 1) divergence = record(k + 1);
      k++;
      break;
    }
    if (saving && (k + 1) % saving.every === 0 && k + 1 < spec.iterations) {
      const done = k + 1;
      saving.save(() => ({
        stepper: stepper.checkpoint(done),
        ...(forward ? { forward: forward.stateJacobian() } : {}),
        trace: { k: [...trace.k], metrics: Object.fromEntries(Object.entries(trace.metrics).map(([name, values]) => [name, [...values]])) },
        recent: [...recent],
      }));
    }
  }
  if (divergence) {
    tape?.release();
    return { iterations: divergence.quantity === 'iterate' ? k : divergence.iteration, x: Float64Array.from(stepper.x), trace, divergence };
  }
  const iterations = k;
  tape?.end(iterations);
  let jacobian: Float64Array | undefined;
  if (forward) jacobian = forward.jacobian();
  let implicit: ImplicitTracking | undefined;
  if (spec.track === 'implicit') jacobian = (implicit = implicitTracking(stepper, iterations, spec.linearSolver)).jacobian;
  const x = Float64Array.from(stepper.x);
  // Reports and the fixed point are read before a reverse sweep replays segments through the stepper.
  const at = { s: Float64Array.from(stepper.s), h: Float64Array.from(stepper.h) };
  if (tape && spec.jacobian !== false) jacobian = tape.jacobian();
  const fixedPoint = program.gradientStep ? undefined : { state: at.s, inputs: stepper.noiselessInputs(Math.max(0, iterations - 1)) };
  const fixedPointView = fixedPoint && ((): FixedPointAt => ({ program, state: fixedPoint.state, hypers: fixedPoint.inputs }));
  const last = trace.k.length - 1;
  if (last >= 0 && trace.k[last] === iterations) {
    // The reverse sweep has replayed segments through the stepper: the observers and the metrics
    // get the saved x_t. Observers finish first (g2 by one pullback), then the metrics that read
    // ∂θx_t or the estimates are computed again with what the end of the run made available.
    for (const o of observers) o.finish?.({ k: iterations, x, forward, tape, fixedPoint: fixedPointView }).forEach((v, j) => (trace.metrics[o.metrics[j]][last] = v));
    if (tape) writeMetrics(pointAt(iterations, x, jacobian), last, (p) => p.needs.jacobian === true || p.needs.outer === true);
  }
  let reports: Record<string, ReportResult> | undefined;
  if (program.reports.length > 0) {
    let reportJacobian: Float64Array | undefined;
    if (forward) reportJacobian = reportJacobianFromState(program, kernels, at, forward.stateJacobian());
    if (implicit) reportJacobian = reportJacobianFromState(program, kernels, at, implicit.stateJacobian);
    if (tape && spec.jacobian !== false) reportJacobian = reportJacobianByPullback(program, kernels, at, tape);
    reports = splitReports(program, kernels.parameters, reportValues(program, kernels, at), reportJacobian);
  }
  // The tape's block goes back to the run's memory: the next trajectory's tape reuses it.
  tape?.release();
  return { iterations, x, jacobian, trace, peakStoredStates: tape?.peakStoredStates, reports, implicitSolve: implicit?.solve, fixedPoint, ...(stop ? { stop } : {}) };
}

/** The empty direction of a full-batch gradient evaluation. */
const NO_DIRECTION = new Float64Array(0);

/** The stopping rule's verdict at x_k (∇ₓF is evaluated into `gradient`): stopped by the tolerance, or by the steps at k = t. */
function stopTest(rule: StoppingRule, kernels: ProblemKernels, x: Float64Array, theta: Float64Array, gradient: Float64Array, k: number, t: number): RunStop | undefined {
  // Called after every step: no allocation on the way to the verdict.
  kernels.full('gradX', x, theta, NO_DIRECTION, gradient);
  const value = rule.measure(gradient, x);
  if (value <= rule.tolerance) return { reason: 'tolerance', iteration: k, value };
  return k === t ? { reason: 'iterations', iteration: k, value } : undefined;
}
