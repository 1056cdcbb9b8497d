/**
 * Implicit differentiation at an iterate: ∂θx = −(∇²ₓₓF)⁻¹ ∇²ₓθF, by a dense Cholesky solve
 * or by conjugate gradients on Hessian–vector products (one solve per θ direction; the
 * Hessian is never formed).
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { choleskyFactor, eigenFactor, symmetricEigenvalues, transpose } from '../linalg/dense.ts';
import { dotProduct } from '../linalg/vector.ts';

/**
 * Which linear solver implicit differentiation uses.
 * @category Solvers and tracking
 */
export type LinearSolver = 'direct' | 'cg';

/**
 * Thrown when the Hessian is singular or not positive definite where a solve needs it.
 * @category Solvers and tracking
 */
export class ImplicitSolveError extends Error {
  override readonly name = 'ImplicitSolveError';
}

/** Beyond this condition number a solve in double precision has no correct digit left. */
const MAX_CONDITION = 1e14;

/**
 * Solves H X = B for the Hessian H (n×n) and B (n×m), after checking that H is positive
 * definite and not too ill-conditioned; otherwise throws an {@link ImplicitSolveError} naming
 * the extreme eigenvalues and the condition estimate, so no NaN ever reaches an output.
 * @category Solvers and tracking
 */
export function solveHessian(H: Float64Array, n: number, B: Float64Array, m: number, what: string): Float64Array {
  const eigenvalues = symmetricEigenvalues(H, n);
  const [lo, hi] = [eigenvalues[0], eigenvalues[n - 1]];
  const condition = Math.abs(hi) / Math.abs(lo);
  if (!(lo > 0) || !(condition < MAX_CONDITION)) {
    const kind = lo < 0 ? 'indefinite' : 'singular or nearly so';
    throw new ImplicitSolveError(
      `${what}: the Hessian is ${kind} (smallest eigenvalue ${lo.toExponential(3)}, largest ${hi.toExponential(3)}, condition estimate ${Number.isFinite(condition) ? condition.toExponential(2) : '∞'})`,
    );
  }
  // Rounding can still defeat Cholesky near the condition limit; the eigendecomposition cannot fail.
  return (choleskyFactor(H, n) ?? eigenFactor(H, n, 0)).solve(B, m);
}

/**
 * ∂θx at `x`, tangent-major (P columns of length D).
 * @category Solvers and tracking
 */
export function implicitJacobian(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, solver: LinearSolver, tolerance = 1e-12): Float64Array {
  const D = kernels.dimension;
  const P = kernels.parameters;
  if (solver === 'direct') {
    const solution = solveHessian(kernels.denseHessian(x, theta), D, kernels.denseCross(x, theta), P, 'implicit differentiation');
    return transpose(solution, D, P).map((v) => -v);
  }
  const out = new Float64Array(D * P);
  const direction = new Float64Array(P);
  const rhs = new Float64Array(D);
  for (let p = 0; p < P; p++) {
    direction[p] = 1;
    kernels.full('cross', x, theta, direction, rhs);
    direction[p] = 0;
    for (let j = 0; j < D; j++) rhs[j] = -rhs[j];
    out.set(hessianConjugateGradient(kernels, x, theta, rhs, tolerance, 'implicit differentiation'), p * D);
  }
  return out;
}

/**
 * Solves ∇²ₓₓF(x, θ) v = b by conjugate gradients on Hessian–vector products. When CG meets
 * negative or zero curvature, the dense Hessian is built (only then) so that the error names its
 * extreme eigenvalues and condition estimate, as the direct solve's does. A singular Hessian with
 * b in its range is not an error for CG: it returns a solution in the Krylov space, which never
 * sees the null space.
 * @category Solvers and tracking
 */
export function hessianConjugateGradient(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, b: Float64Array, tolerance: number, what: string): Float64Array {
  try {
    return conjugateGradient((v, into) => kernels.full('hvp', x, theta, v, into), b, tolerance);
  } catch (error) {
    if (!(error instanceof ImplicitSolveError)) throw error;
    // Throws the eigenvalue diagnosis; if the dense Hessian passes its checks, CG's own stands.
    solveHessian(kernels.denseHessian(x, theta), kernels.dimension, b, 1, what);
    throw error;
  }
}

/**
 * Solves H v = b for a symmetric positive definite H given as a product `apply(v, into)`.
 * Stops when ‖r‖ ≤ tolerance·‖b‖ or after 10·n iterations; throws on negative curvature.
 * @category Solvers and tracking
 */
export function conjugateGradient(apply: (v: Float64Array, into: Float64Array) => void, b: Float64Array, tolerance: number): Float64Array {
  const n = b.length;
  const v = new Float64Array(n);
  const r = Float64Array.from(b);
  const d = Float64Array.from(b);
  const Hd = new Float64Array(n);
  const target = tolerance * Math.sqrt(dotProduct(b, b));
  let rr = dotProduct(r, r);
  for (let it = 0; it < 10 * n && Math.sqrt(rr) > target; it++) {
    apply(d, Hd);
    const curvature = dotProduct(d, Hd);
    if (!(curvature > 0)) throw new ImplicitSolveError(`implicit differentiation: the Hessian is not positive definite (dᵀHd = ${curvature.toExponential(3)} in conjugate gradients)`);
    const alpha = rr / curvature;
    for (let j = 0; j < n; j++) {
      v[j] += alpha * d[j];
      r[j] -= alpha * Hd[j];
    }
    const next = dotProduct(r, r);
    const beta = next / rr;
    rr = next;
    for (let j = 0; j < n; j++) d[j] = r[j] + beta * d[j];
  }
  return v;
}
