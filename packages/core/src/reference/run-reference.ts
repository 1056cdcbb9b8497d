/**
 * The reference a run measures against, in the mode the solve block chose: the exact one (dense
 * Hessian, reference.ts), the iterative one (iterative.ts), or none (only μ, L, κ at x₀ for the
 * step-size schedules, by Lanczos). Metrics ask it what it can give (see `MetricNeeds`).
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { computeIterativeReference, conditioningOf, lanczosAt, type IterativeReference } from './iterative.ts';
import type { ReferenceMode } from './mode.ts';
import { computeReference, type Conditioning, type Reference } from './reference.ts';
import type { SolverReference } from '../solver/solver-reference.ts';

/**
 * No reference: the constants of F at x₀ only.
 * @category Problems and references
 */
export interface AbsentReference extends Conditioning {
  /** Always `'none'`. */
  readonly mode: 'none';
  /** Why μ, L may be inaccurate (Lanczos did not converge), when they may be. */
  readonly warning?: string;
}

/**
 * Any reference a run may have.
 * @category Problems and references
 */
export type RunReference = Reference | IterativeReference | AbsentReference | SolverReference;

/**
 * What the reference can give: a point x* with F*, J* as a matrix or as products, nothing.
 * @category Problems and references
 */
export type ReferenceLevel = 'point' | 'jacobian';

/**
 * Options of {@link computeRunReference}.
 * @category Problems and references
 */
export interface RunReferenceOptions {
  /** The run seed (Lanczos start vectors, Jacobian directions). */
  readonly seed: number;
  /** Whether a metric will ask for J* (the iterative mode then computes J* along a few directions). */
  readonly jacobian: boolean;
  /** Where an iterative Newton–CG starts instead of x₀ (the previous x* in an outer loop). */
  readonly warmStart?: Float64Array;
}

/**
 * The reference of `mode` at θ from x₀ = `start`.
 * @category Problems and references
 */
export function computeRunReference(kernels: ProblemKernels, theta: Float64Array, start: Float64Array, mode: ReferenceMode, options: RunReferenceOptions): RunReference {
  if (mode === 'exact') return computeReference(kernels, theta, start);
  if (mode === 'iterative') return computeIterativeReference(kernels, theta, start, options);
  const lanczos = lanczosAt(kernels, start, theta, options.seed);
  const warning = lanczos.converged ? undefined : `Lanczos at x₀ did not converge: μ and L have an error bound of ${lanczos.residual.toExponential(2)} after ${lanczos.iterations} products`;
  return { mode: 'none', ...conditioningOf(lanczos), ...(warning ? { warning } : {}) };
}

/**
 * Why `reference` cannot give `level`, or `undefined` when it can. A point needs x* (exact or
 * iterative) that is certified, or a singular but converged exact one (F* is then right); the
 * Jacobian also needs the exact J* or, iteratively, J* along directions.
 * @category Problems and references
 */
export function referenceLacks(reference: RunReference, level: ReferenceLevel): string | undefined {
  if (reference.mode === 'none') return 'reference = none';
  if (!reference.certified && !(reference.mode === 'exact' && reference.singular)) return `the reference is not certified (${reference.warning ?? 'unknown reason'})`;
  if (level === 'jacobian' && reference.mode === 'iterative' && !reference.jacobianSketch) return 'the iterative reference computed no Jacobian products';
  if (level === 'jacobian' && reference.mode === 'solver') return `the ${reference.solver} reference gives x* and g*, not ∂θx* (reference = exact computes it by Newton)`;
  return undefined;
}
