/**
 * Numerical faults of `sgd run`, named: a NaN or infinity in the objective, gradient or Hessian
 * at x₀ (before any work), or in an iterate, the objective or the gradient during a run. The
 * message gives the run, the iteration, the quantity and, where the objective's graph shows it,
 * the cause; `result.json` of a faulty run records the same as `status`.
 */
import { describeFault, hessianFault, nonFiniteCause, norm, runSolver, startPointFault, type Divergence, type NonFiniteCause, type ProblemKernels, type RecordedDescent, type RunReference } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import type { JobRunResult, RunJob } from './job.ts';
import { runSpec } from './job.ts';
import type { RunSession } from './session.ts';

/**
 * `result.json` of a run stopped by a numerical fault (instead of the results of a complete run).
 * @category CLI
 */
export interface FaultDocument {
  /** `numerical fault` at x₀ (no run started), `diverged` during a run. */
  readonly status: 'numerical fault' | 'diverged';
  /** The Monte Carlo run that met it (absent at x₀). */
  readonly run?: number;
  /** The iteration whose quantity is not finite (0: x₀). */
  readonly iteration: number;
  /** What was not finite. */
  readonly quantity: 'objective' | 'gradient' | 'Hessian' | 'iterate';
  /** Its first non-finite value as text (`NaN`, `+Infinity`, `-Infinity`): JSON has no such numbers. */
  readonly value: string;
  /** The cause, when known (see docs/cli.md, "Numerical faults"). */
  readonly cause?: string;
  /** The IR expression whose value first went non-finite, when found. */
  readonly expression?: string;
  /** The step size η at the iteration and 2/L (L at x₀), during a run. */
  readonly step?: number;
  /** 2/L. */
  readonly twoOverL?: number;
}

/**
 * A fault found at x₀: the run is refused before any reference or step is computed.
 * @category CLI
 */
export class StartPointFaultError extends UserError {
  /**
   * @param message - the one-line error
   * @param document - what `result.json` records
   * @param kernels - the problem's kernels over its instance (for `instance.json`)
   */
  constructor(
    message: string,
    readonly document: FaultDocument,
    readonly kernels: ProblemKernels,
  ) {
    super(message, 2);
  }
}

/**
 * Throws a {@link StartPointFaultError} when F or ∇ₓF is not finite at (x₀, θ).
 * @category CLI
 */
export function checkStartPoint(kernels: ProblemKernels, file: string): void {
  const { x0, theta } = kernels.instance;
  const fault = startPointFault(kernels, x0, theta);
  if (fault) throw startError(kernels, file, fault.quantity, fault.value, fault.cause);
}

/**
 * Throws a {@link StartPointFaultError} when μ or L came out non-finite: the Hessian at x₀ is not.
 * @category CLI
 */
export function checkStartHessian(kernels: ProblemKernels, reference: RunReference, file: string): void {
  if (Number.isFinite(reference.L) && Number.isFinite(reference.mu)) return;
  const { x0, theta } = kernels.instance;
  const fault = hessianFault(kernels, x0, theta);
  throw startError(kernels, file, 'Hessian', fault?.value ?? NaN, fault?.cause);
}

function startError(kernels: ProblemKernels, file: string, quantity: FaultDocument['quantity'], value: number, cause: NonFiniteCause | undefined): StartPointFaultError {
  return new StartPointFaultError(`${file}: error: numerical fault at the start point x₀: ${describeFault(quantity, value, cause)}`, {
    status: 'numerical fault',
    iteration: 0,
    quantity,
    value: valueText(value),
    ...causeFields(cause),
  }, kernels);
}

/**
 * The diagnosis of a diverged run: the one-line error's tail and `result.json`.
 * @category CLI
 */
export interface DivergenceDiagnosis {
  /** `the iterate is NaN; cause: ...`. */
  readonly text: string;
  /** What `result.json` records. */
  readonly document: FaultDocument;
}

/**
 * Names what made run `run` diverge. The objective or gradient went non-finite at a finite
 * iterate: the first node of its graph to do so. An iterate went non-finite at step k: the run is
 * replayed (same streams, same bits) to x_{k−1}, and the cause is the gradient there if it is not
 * finite; else an objective unbounded below when F kept decreasing while ‖x‖ grew over the last
 * record points and up to x_{k−1} (see {@link unboundedBelow}); else a step above 2/L; else an
 * overflow of the step itself.
  * @category CLI
 */
export function diagnoseDivergence(session: RunSession, job: RunJob, run: number, result: JobRunResult): DivergenceDiagnosis {
  const divergence = result.divergence as Divergence;
  const { kernels, reference } = session;
  const theta = kernels.instance.theta;
  const twoOverL = 2 / reference.L;
  const base = { status: 'diverged' as const, run, iteration: divergence.iteration, quantity: divergence.quantity, value: valueText(divergence.value), step: divergence.step, twoOverL };
  if (divergence.quantity !== 'iterate') {
    const cause = nonFiniteCause(kernels, divergence.quantity, result.x, theta);
    // F below −1.8e308 at a finite iterate after a descent: the one non-finite value that says what F is, not where it broke.
    const descent = [...divergence.recent, { k: divergence.iteration, objective: divergence.value, norm: norm(result.x) }];
    if (divergence.quantity === 'objective' && divergence.value === -Infinity && unboundedBelow(descent)) {
      const text = `${unboundedText(descent)} (F overflowed to -Infinity${cause ? ` in ${cause.expression}` : ''})`;
      return { text: `${describeFault('objective', divergence.value)}; cause: ${text}`, document: { ...base, cause: text, ...(cause ? { expression: cause.expression } : {}) } };
    }
    if (!Number.isNaN(divergence.value) && divergence.step > twoOverL && twoOverL > 0) {
      // An overflow after steps above 2/L: the step is the cause, the node only where it showed.
      const text = `the step ${divergence.step.toPrecision(4)} is above 2/L = ${twoOverL.toPrecision(4)}${cause ? ` (overflow in ${cause.expression})` : ''}`;
      return { text: `${describeFault(divergence.quantity, divergence.value)}; cause: ${text}`, document: { ...base, cause: text, ...(cause ? { expression: cause.expression } : {}) } };
    }
    return { text: describeFault(divergence.quantity, divergence.value, cause), document: { ...base, ...causeFields(cause) } };
  }
  const what = describeFault('iterate', divergence.value);
  const previous = iterateBefore(session, job, run, divergence.iteration);
  const gradient = new Float64Array(kernels.dimension);
  kernels.full('gradX', previous, theta, new Float64Array(0), gradient);
  if (!gradient.every(Number.isFinite)) {
    const cause = nonFiniteCause(kernels, 'gradient', previous, theta);
    const text = `${describeFault('gradient', gradient.find((v) => !Number.isFinite(v)) as number, cause)} at x_${divergence.iteration - 1}`;
    return { text: `${what}; cause: ${text}`, document: { ...base, cause: text, ...(cause ? { expression: cause.expression } : {}) } };
  }
  const descent = [...divergence.recent, { k: divergence.iteration - 1, objective: kernels.objective(previous, theta), norm: norm(previous) }];
  let cause: string;
  if (unboundedBelow(descent)) cause = unboundedText(descent);
  else if (divergence.step > twoOverL && twoOverL > 0) cause = `the step ${divergence.step.toPrecision(4)} is above 2/L = ${twoOverL.toPrecision(4)}`;
  else cause = `the step overflowed: ‖∇F(x_${divergence.iteration - 1})‖ = ${norm(gradient).toPrecision(4)}`;
  return { text: `${what}; cause: ${cause}`, document: { ...base, cause } };
}

/**
 * The criterion for "unbounded below" (docs/cli.md): over at least three points — the last
 * record points before the divergence and x_{k−1} — F strictly decreases and ‖x‖ strictly grows,
 * and ‖x‖ at the last is at least 10 times what it is at the first. A run that diverges by a step
 * too large oscillates (F grows); one that converges slowly does not diverge.
  * @category CLI
 */
export function unboundedBelow(descent: readonly RecordedDescent[]): boolean {
  if (descent.length < 3) return false;
  for (let j = 1; j < descent.length; j++) {
    if (!(descent[j].objective < descent[j - 1].objective) || !(descent[j].norm > descent[j - 1].norm)) return false;
  }
  return descent[descent.length - 1].norm >= 10 * descent[0].norm;
}

function unboundedText(descent: readonly RecordedDescent[]): string {
  const [first, last] = [descent[0], descent[descent.length - 1]];
  return (
    `the objective appears unbounded below: F(x_k) fell from ${first.objective.toPrecision(4)} (k = ${first.k}) to ${last.objective.toPrecision(4)} (k = ${last.k}) ` +
    `at every record point while ‖x_k‖ grew from ${first.norm.toPrecision(4)} to ${last.norm.toPrecision(4)}`
  );
}

/** x_{k−1} of run `run`, by replaying it without tracking or metrics (the streams make it the same bits). */
function iterateBefore(session: RunSession, job: RunJob, run: number, iteration: number): Float64Array {
  const spec = { ...runSpec(session, job.seed, run, []), iterations: iteration - 1, track: 'none' as const, metrics: [], observers: [], jacobian: false };
  return runSolver(session.program, session.kernels, session.reference, spec, session.problem.builder.functions).x;
}

function causeFields(cause: NonFiniteCause | undefined): Pick<FaultDocument, 'cause' | 'expression'> {
  return cause ? { cause: cause.cause, expression: cause.expression } : {};
}

function valueText(value: number): string {
  return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity';
}
