/**
 * ∂θx* = −(∇²ₓₓF)⁻¹∇²ₓθF at x* only as the products a metric or estimator asks for, each one CG
 * solve on Hessian–vector products: J*·u (the Jacobian error against a few directions u) and
 * J*ᵀw (g* = ∇θE + J*ᵀ∇ₓE). The dense D×P Jacobian is never formed.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { RandomStream } from '../runtime/rng.ts';
import { truncatedConjugateGradient } from './truncated-cg.ts';

/**
 * Relative residual the reference's CG solves aim for.
 * @category Problems and references
 */
export const PRODUCT_TOLERANCE = 1e-11;

/** Most Hessian–vector products per solve. */
const MAX_PRODUCTS = 5000;

/**
 * How many directions the Jacobian error is measured along when θ has more entries.
 * @category Problems and references
 */
export const JACOBIAN_DIRECTIONS = 8;

/**
 * A product with J* and how well its solve converged.
 * @category Problems and references
 */
export interface ReferenceProduct {
  /** The product. */
  readonly value: Float64Array;
  /** ‖b − Hv‖/‖b‖ reached by its CG solve. */
  readonly relativeResidual: number;
  /** True when the residual reached {@link PRODUCT_TOLERANCE}. */
  readonly converged: boolean;
}

/**
 * J*·u = −H⁻¹(∇²ₓθF u) at `x` (length D).
 * @category Problems and references
 */
export function jacobianTimes(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, u: Float64Array): ReferenceProduct {
  const rhs = new Float64Array(kernels.dimension);
  kernels.full('cross', x, theta, u, rhs);
  const solve = truncatedConjugateGradient((v, into) => kernels.full('hvp', x, theta, v, into), rhs, PRODUCT_TOLERANCE, MAX_PRODUCTS);
  return { value: solve.x.map((v) => -v), relativeResidual: solve.relativeResidual, converged: solve.converged };
}

/**
 * J*ᵀw = −∇²θₓF H⁻¹w at `x` (length P).
 * @category Problems and references
 */
export function jacobianTransposeTimes(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, w: Float64Array): ReferenceProduct {
  const solve = truncatedConjugateGradient((v, into) => kernels.full('hvp', x, theta, v, into), w, PRODUCT_TOLERANCE, MAX_PRODUCTS);
  const value = new Float64Array(kernels.parameters);
  kernels.full('crossTranspose', x, theta, solve.x, value);
  return { value: value.map((v) => -v), relativeResidual: solve.relativeResidual, converged: solve.converged };
}

/**
 * J* along a few directions, for the Jacobian error. With P ≤ {@link JACOBIAN_DIRECTIONS} the
 * directions are the P unit vectors and the error is exactly ‖J − J*‖_F; otherwise they are
 * {@link JACOBIAN_DIRECTIONS} standard normal vectors u_i drawn from the seed, and the error
 * √(mean_i ‖(J − J*)u_i‖²) is an estimate of ‖J − J*‖_F (E‖Au‖² = ‖A‖_F² for u ~ N(0, I)).
 * @category Problems and references
 */
export interface JacobianSketch {
  /** `unit` (exact) or `gaussian` (an estimate). */
  readonly kind: 'unit' | 'gaussian';
  /** Number of directions r. */
  readonly count: number;
  /** The directions, direction-major: u_i at `i * P`. */
  readonly directions: Float64Array;
  /** J*u_i, direction-major: at `i * D`. */
  readonly products: Float64Array;
  /** The weight of each ‖(J − J*)u_i‖² in the squared error: 1 for unit directions, 1/r for Gaussian ones. */
  readonly weight: number;
  /** The largest relative CG residual reached. */
  readonly relativeResidual: number;
  /** True when every solve converged. */
  readonly converged: boolean;
}

/**
 * The directions of a {@link JacobianSketch} for P parameters and `seed`.
 * @category Problems and references
 */
export function jacobianDirections(parameters: number, seed: number): { readonly kind: 'unit' | 'gaussian'; readonly count: number; readonly directions: Float64Array } {
  if (parameters <= JACOBIAN_DIRECTIONS) {
    const directions = new Float64Array(parameters * parameters);
    for (let p = 0; p < parameters; p++) directions[p * parameters + p] = 1;
    return { kind: 'unit', count: parameters, directions };
  }
  const stream = RandomStream.forDeclaration(seed, 'reference', 'jacobian-directions');
  const directions = new Float64Array(JACOBIAN_DIRECTIONS * parameters);
  for (let j = 0; j < directions.length; j++) directions[j] = stream.normal(0, 1);
  return { kind: 'gaussian', count: JACOBIAN_DIRECTIONS, directions };
}

/**
 * J* along the directions of {@link jacobianDirections}, at `x`.
 * @category Problems and references
 */
export function jacobianSketch(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, seed: number): JacobianSketch {
  const D = kernels.dimension;
  const P = kernels.parameters;
  const { kind, count, directions } = jacobianDirections(P, seed);
  const products = new Float64Array(count * D);
  let relativeResidual = 0;
  let converged = true;
  for (let i = 0; i < count; i++) {
    const product = jacobianTimes(kernels, x, theta, directions.subarray(i * P, (i + 1) * P));
    products.set(product.value, i * D);
    relativeResidual = Math.max(relativeResidual, product.relativeResidual);
    converged &&= product.converged;
  }
  return { kind, count, directions, products, weight: kind === 'unit' ? 1 : 1 / count, relativeResidual, converged };
}

/**
 * The Jacobian error of `jacobian` (tangent-major, P columns of length D) against a sketch: √(weight·Σ_i ‖J u_i − J*u_i‖²).
 * @category Problems and references
 */
export function sketchedJacobianError(jacobian: Float64Array, sketch: JacobianSketch, D: number, P: number): number {
  let total = 0;
  for (let i = 0; i < sketch.count; i++) {
    for (let r = 0; r < D; r++) {
      let ju = 0;
      for (let p = 0; p < P; p++) ju += jacobian[p * D + r] * sketch.directions[i * P + p];
      total += (ju - sketch.products[i * D + r]) ** 2;
    }
  }
  return Math.sqrt(sketch.weight * total);
}
