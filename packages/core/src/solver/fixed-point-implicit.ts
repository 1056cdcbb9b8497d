/**
 * Implicit differentiation through a solver's own fixed point: at s = Φ(s, θ) (the full-batch
 * map, noise off), J = ∂θs solves (I − ∂ₛΦ) J = ∂θΦ, one θ direction at a time, by GMRES on
 * the step program's forward kernel (∂ₛΦ·t is the forward kernel with u = 0, ∂θΦ·e_p the same
 * kernel with t = 0 and u = e_p). Nothing is formed densely. The adjoint form,
 * (I − ∂ₛΦ)ᵀ v = w, runs GMRES on the reverse kernel and gives ∂θΦᵀ v = Jᵀ w.
 *
 * A gauge freedom (potentials defined up to a shift, as Sinkhorn's are) makes I − ∂ₛΦ singular
 * with ∂θΦ in its range: GMRES then returns the solution in the range of I − ∂ₛΦ (see
 * {@link gmres}); the residual and the condition met on the range are reported with it.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { gmres, type GmresResult } from './gmres.ts';
import type { StepProgram } from './step-program.ts';

/**
 * How the linear systems of one fixed-point solve went (the worst over the θ directions or cotangents).
 * @category Solvers and tracking
 */
export interface FixedPointSolveInfo {
  /** Largest ‖rhs − (I − ∂ₛΦ) v‖ / ‖rhs‖ over the solves. */
  readonly residual: number;
  /** Whether every solve met the tolerance. */
  readonly converged: boolean;
  /** Largest condition estimate of I − ∂ₛΦ met (on the explored Krylov spaces). */
  readonly condition: number;
  /** Products with ∂ₛΦ (or its transpose) in all. */
  readonly products: number;
}

/**
 * J = ∂θs at the fixed point, tangent-major (P columns of length stateSize), and how the solves went.
 * @category Solvers and tracking
 */
export interface FixedPointJacobian extends FixedPointSolveInfo {
  /** ∂θs, P columns of length stateSize. */
  readonly jacobian: Float64Array;
}

/**
 * A point of a step map: the program, a state s and the per-iteration inputs of the step taken there (noise entries are ignored).
 * @category Solvers and tracking
 */
export interface FixedPointAt {
  /** The compiled step map. */
  readonly program: StepProgram;
  /** s (vars, then solver states). */
  readonly state: Float64Array;
  /** The per-iteration inputs of the step. */
  readonly hypers: Float64Array;
}

/**
 * The per-iteration inputs `h` with every noise entry set to 0: the map whose fixed point is differentiated.
 * @category Solvers and tracking
 */
export function noiseless(program: StepProgram, h: Float64Array): Float64Array {
  const out = Float64Array.from(h);
  for (const slot of program.hypers) if (slot.kind === 'noise') out.fill(0, slot.offset, slot.offset + slot.size);
  return out;
}

function summarize(results: readonly GmresResult[]): FixedPointSolveInfo {
  return {
    residual: Math.max(0, ...results.map((r) => r.residual)),
    converged: results.every((r) => r.converged),
    // NaN: a right-hand side of 0, solved without exploring anything.
    condition: Math.max(0, ...results.map((r) => (Number.isNaN(r.condition) ? 0 : r.condition))),
    products: results.reduce((n, r) => n + r.products, 0),
  };
}

/**
 * Solves (I − ∂ₛΦ) J = ∂θΦ at the state `s` with per-iteration inputs `h` (noise is switched
 * off here), on every outcome.
 * @category Solvers and tracking
 */
export function fixedPointJacobian(program: StepProgram, kernels: ProblemKernels, s: Float64Array, h: Float64Array, tolerance = 1e-12): FixedPointJacobian {
  const S = program.stateSize;
  const P = kernels.parameters;
  const theta = kernels.instance.theta;
  const hypers = noiseless(program, h);
  const run = program.forward.run;
  const zeroState = new Float64Array(S);
  const zeroParams = new Float64Array(P);
  const direction = new Float64Array(P);
  const product = new Float64Array(S);
  const apply = (t: Float64Array, into: Float64Array): void => {
    run(s, theta, t, zeroParams, kernels.everyOutcome, kernels.outcomes, product, hypers);
    for (let j = 0; j < S; j++) into[j] = t[j] - product[j];
  };
  const jacobian = new Float64Array(S * P);
  const results: GmresResult[] = [];
  const rhs = new Float64Array(S);
  for (let p = 0; p < P; p++) {
    direction[p] = 1;
    run(s, theta, zeroState, direction, kernels.everyOutcome, kernels.outcomes, rhs, hypers);
    direction[p] = 0;
    const result = gmres(apply, rhs, { tolerance });
    jacobian.set(result.solution, p * S);
    results.push(result);
  }
  return { jacobian, ...summarize(results) };
}

/**
 * Jᵀ w for cotangents w on the state (length stateSize) at the fixed point: ∂θΦᵀ v with (I − ∂ₛΦ)ᵀ v = w.
 * @category Solvers and tracking
 */
export function fixedPointPullback(
  program: StepProgram,
  kernels: ProblemKernels,
  s: Float64Array,
  h: Float64Array,
  cotangents: readonly Float64Array[],
  tolerance = 1e-12,
): { readonly gradients: Float64Array[] } & FixedPointSolveInfo {
  const S = program.stateSize;
  const P = kernels.parameters;
  const theta = kernels.instance.theta;
  const hypers = noiseless(program, h);
  const none = new Float64Array(0);
  const out = new Float64Array(S + P);
  const reverse = (w: Float64Array): void => program.reverse.run(s, theta, w, none, kernels.everyOutcome, kernels.outcomes, out, hypers);
  const apply = (v: Float64Array, into: Float64Array): void => {
    reverse(v);
    for (let j = 0; j < S; j++) into[j] = v[j] - out[j];
  };
  const results: GmresResult[] = [];
  const gradients = cotangents.map((w) => {
    const result = gmres(apply, w, { tolerance });
    results.push(result);
    reverse(result.solution);
    return Float64Array.from(out.subarray(S, S + P));
  });
  return { gradients, ...summarize(results) };
}
