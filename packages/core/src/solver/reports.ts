/**
 * The quantities a solver reports (its `report` nodes): their values R(s_t) at the last
 * iterate and their Jacobians ∂θR(s_t) = ∂ₛR·∂θs_t + ∂θR, from whichever tracking the run did
 * (forward columns, a reverse pullback, or the implicit Jacobian of the state).
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import type { ReverseTape } from './reverse.ts';
import type { StepProgram } from './step-program.ts';

/**
 * One reported quantity after a run.
 * @category Solvers and tracking
 */
export interface ReportResult {
  /** R(s_t), flattened row-major. */
  readonly value: Float64Array;
  /** ∂θR(s_t), tangent-major (P columns of the report's size), when the run tracked derivatives. */
  readonly jacobian?: Float64Array;
}

/**
 * Where the reports are evaluated: the last state and per-iteration inputs (copies).
 * @category Solvers and tracking
 */
export interface ReportPoint {
  /** s_t. */
  readonly s: Float64Array;
  /** The per-iteration inputs of the last iteration. */
  readonly h: Float64Array;
}

/**
 * R(s) for every report, one vector (reportSize entries).
 * @category Solvers and tracking
 */
export function reportValues(program: StepProgram, kernels: ProblemKernels, at: ReportPoint): Float64Array {
  const out = new Float64Array(program.reportSize);
  const none = new Float64Array(0);
  program.report.run(at.s, kernels.instance.theta, none, none, kernels.everyOutcome, kernels.outcomes, out, at.h);
  return out;
}

/**
 * ∂θR from the state's Jacobian ∂θs (tangent-major, P columns of stateSize): ∂ₛR·∂θs + ∂θR, tangent-major.
 * @category Solvers and tracking
 */
export function reportJacobianFromState(program: StepProgram, kernels: ProblemKernels, at: ReportPoint, stateJacobian: Float64Array): Float64Array {
  const S = program.stateSize;
  const R = program.reportSize;
  const P = kernels.parameters;
  const out = new Float64Array(R * P);
  const direction = new Float64Array(P);
  for (let p = 0; p < P; p++) {
    direction[p] = 1;
    program.reportForward.run(at.s, kernels.instance.theta, stateJacobian.subarray(p * S, (p + 1) * S), direction, kernels.everyOutcome, kernels.outcomes, out.subarray(p * R, (p + 1) * R), at.h);
    direction[p] = 0;
  }
  return out;
}

/**
 * ∂θR by reverse mode: one cotangent per report entry, pulled back through the tape in one sweep.
 * @category Solvers and tracking
 */
export function reportJacobianByPullback(program: StepProgram, kernels: ProblemKernels, at: ReportPoint, tape: ReverseTape): Float64Array {
  const S = program.stateSize;
  const R = program.reportSize;
  const P = kernels.parameters;
  const out = new Float64Array(S + P);
  const w = new Float64Array(R);
  const direct: Float64Array[] = [];
  const cotangents: Float64Array[] = [];
  for (let r = 0; r < R; r++) {
    w.fill(0);
    w[r] = 1;
    program.reportReverse.run(at.s, kernels.instance.theta, w, new Float64Array(0), kernels.everyOutcome, kernels.outcomes, out, at.h);
    cotangents.push(Float64Array.from(out.subarray(0, S)));
    direct.push(Float64Array.from(out.subarray(S)));
  }
  const pulled = tape.pullback(cotangents);
  const jacobian = new Float64Array(R * P);
  for (let r = 0; r < R; r++) for (let p = 0; p < P; p++) jacobian[p * R + r] = pulled[r][p] + direct[r][p];
  return jacobian;
}

/**
 * The report vector and its Jacobian split by report name.
 * @category Solvers and tracking
 */
export function splitReports(program: StepProgram, parameters: number, values: Float64Array, jacobian?: Float64Array): Record<string, ReportResult> {
  const R = program.reportSize;
  const out: Record<string, ReportResult> = {};
  for (const slot of program.reports) {
    const value = values.slice(slot.offset, slot.offset + slot.size);
    if (!jacobian) {
      out[slot.name] = { value };
      continue;
    }
    const own = new Float64Array(slot.size * parameters);
    for (let p = 0; p < parameters; p++) own.set(jacobian.subarray(p * R + slot.offset, p * R + slot.offset + slot.size), p * slot.size);
    out[slot.name] = { value, jacobian: own };
  }
  return out;
}
