/**
 * Exact references for a problem instance: the solution x*(θ), its Jacobian ∂θx*(θ), F*, and
 * the constants μ, L, κ of F. When F is quadratic in x (detected symbolically: the Hessian
 * product graph does not depend on x) one Newton step is the exact linear solve; otherwise
 * Newton runs to machine precision and says when it cannot certify the result.
 */
import { topologicalOrder } from '../ir/node.ts';
import type { ProblemKernels } from '../derive/kernels.ts';
import { solveSymmetric, symmetricEigenvalues, transpose } from '../linalg/dense.ts';
import { solveHessian } from '../solver/implicit.ts';
import { norm } from '../linalg/vector.ts';

/** Strong convexity and smoothness constants of F, from the Hessian at the start point (exact for quadratics). */
export interface Conditioning {
  /** Smallest eigenvalue of ∇²ₓₓF(x₀, θ). */
  readonly mu: number;
  /** Largest eigenvalue of ∇²ₓₓF(x₀, θ). */
  readonly L: number;
  /** L / μ. */
  readonly kappa: number;
}

/** The exact solution and its derivative. */
export interface Reference extends Conditioning {
  /** x*(θ), var layout. */
  readonly x: Float64Array;
  /** ∂θx*(θ), tangent-major: column p (derivative along θ_p) at `p * D`. */
  readonly jacobian: Float64Array;
  /** F(x*, θ). */
  readonly objective: number;
  /** True when F is quadratic in x, so x* and ∂θx* come from one exact linear solve. */
  readonly quadratic: boolean;
  /** True when the Hessian at x* is positive definite and ‖∇F(x*)‖ is at rounding level. */
  readonly certified: boolean;
  /** Newton iterations used. */
  readonly newtonSteps: number;
  /** Why the reference is not certified, when it is not. */
  readonly warning?: string;
}

/** True when ∇²ₓₓf·v does not depend on x: f is (at most) quadratic in x. */
export function isQuadraticInX(kernels: ProblemKernels): boolean {
  const roots = kernels.graphs.hvp.filter((n) => n !== null);
  return !topologicalOrder(roots).some((n) => n.op === 'input' && n.input?.kind === 'var');
}

/** μ, L and κ from the Hessian at `x`. */
export function conditioningAt(kernels: ProblemKernels, x: Float64Array, theta: Float64Array): Conditioning {
  const D = kernels.dimension;
  const eigenvalues = symmetricEigenvalues(kernels.denseHessian(x, theta), D);
  const mu = eigenvalues[0];
  const L = eigenvalues[D - 1];
  return { mu, L, kappa: L / mu };
}

const MAX_NEWTON_STEPS = 100;

/** Computes the reference at θ, starting Newton from `start` (usually x₀). */
export function computeReference(kernels: ProblemKernels, theta: Float64Array, start: Float64Array): Reference {
  const D = kernels.dimension;
  const P = kernels.parameters;
  const quadratic = isQuadraticInX(kernels);
  const conditioning = conditioningAt(kernels, start, theta);
  const x = Float64Array.from(start);
  const gradient = new Float64Array(D);
  const none = new Float64Array(0);
  let steps = 0;
  let positiveDefinite = true;
  let gradientNorm = Infinity;
  // A quadratic needs one step; a second one refines away the rounding of the first.
  const maxSteps = quadratic ? 2 : MAX_NEWTON_STEPS;
  let scale = 1;
  while (steps < maxSteps) {
    kernels.full('gradX', x, theta, none, gradient);
    gradientNorm = norm(gradient);
    if (steps === 0) scale = Math.max(1, gradientNorm);
    if (gradientNorm <= 1e-15 * scale) break;
    // A singular Hessian has no Newton step: solveHessian explains why, with the condition estimate.
    const hessian = kernels.denseHessian(x, theta);
    const solve = safeSolve(hessian, D, gradient);
    positiveDefinite = solve.positiveDefinite;
    let stepNorm = 0;
    for (let j = 0; j < D; j++) {
      x[j] -= solve.solution[j];
      stepNorm += solve.solution[j] ** 2;
    }
    steps++;
    if (!quadratic && Math.sqrt(stepNorm) <= 1e-15 * Math.max(1, norm(x))) break;
  }
  kernels.full('gradX', x, theta, none, gradient);
  gradientNorm = norm(gradient);
  const hessian = kernels.denseHessian(x, theta);
  const cross = kernels.denseCross(x, theta);
  const solve = safeSolve(hessian, D, cross, P);
  positiveDefinite = positiveDefinite && solve.positiveDefinite;
  const jacobian = transpose(solve.solution, D, P).map((v) => -v);
  const converged = gradientNorm <= 1e-9 * scale;
  const certified = positiveDefinite && converged;
  const warning = certified
    ? undefined
    : !positiveDefinite
      ? 'the Hessian at the reference point is not positive definite: x* may not be a strict minimizer'
      : `Newton stopped with ‖∇F‖ = ${gradientNorm.toExponential(2)} after ${steps} steps`;
  return { ...conditioning, x, jacobian, objective: kernels.objective(x, theta), quadratic, certified, newtonSteps: steps, warning };
}

/** solveSymmetric, but a singular matrix raises the checked solve's error (eigenvalues, condition estimate). */
function safeSolve(H: Float64Array, n: number, B: Float64Array, m = 1): ReturnType<typeof solveSymmetric> {
  try {
    return solveSymmetric(H, n, B, m);
  } catch {
    solveHessian(H, n, B, m, 'the reference solution x*(θ)');
    throw new Error('unreachable: a singular Hessian passed the checked solve');
  }
}
