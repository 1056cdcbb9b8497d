/**
 * Exact references for a problem instance: the solution x*(θ), its Jacobian ∂θx*(θ), F*, and
 * the constants μ, L, κ of F. When F is quadratic in x (detected symbolically: the Hessian
 * product graph does not depend on x) one Newton step is the exact linear solve; otherwise
 * Newton runs to machine precision and says when it cannot certify the result.
 */
import { topologicalOrder } from '../ir/node.ts';
import type { ProblemKernels } from '../derive/kernels.ts';
import { choleskySolve, pseudoInverseSolve, symmetricEigenvalues, transpose } from '../linalg/dense.ts';
import { norm } from '../linalg/vector.ts';

/** Strong convexity and smoothness constants of F, from the Hessian at the start point (exact for quadratics). */
export interface Conditioning {
  /** Smallest eigenvalue of ∇²ₓₓF(x₀, θ) (0 when it is at rounding level against L). */
  readonly mu: number;
  /** Largest eigenvalue of ∇²ₓₓF(x₀, θ). */
  readonly L: number;
  /** L / μ (∞ when μ = 0). */
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
  /**
   * True when the Hessian at x* is positive semidefinite and singular: x* is one minimizer among
   * many and `jacobian` the minimum-norm solution, not a derivative of a unique solution map.
   */
  readonly singular?: boolean;
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

/** Eigenvalues at most this fraction of the largest count as zero (a numerically singular Hessian). */
const SINGULAR_CUTOFF = 1e-12;

/** μ, L and κ from the Hessian at `x` (or the `hessian` already built there); μ at rounding level is 0, κ then ∞. */
export function conditioningAt(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, hessian = kernels.denseHessian(x, theta)): Conditioning {
  const D = kernels.dimension;
  const eigenvalues = symmetricEigenvalues(hessian, D);
  const L = eigenvalues[D - 1];
  const mu = Math.abs(eigenvalues[0]) <= SINGULAR_CUTOFF * Math.abs(L) ? 0 : eigenvalues[0];
  return { mu, L, kappa: L / mu };
}

const MAX_NEWTON_STEPS = 100;

/** Computes the reference at θ, starting Newton from `start` (usually x₀). */
export function computeReference(kernels: ProblemKernels, theta: Float64Array, start: Float64Array): Reference {
  const D = kernels.dimension;
  const P = kernels.parameters;
  const quadratic = isQuadraticInX(kernels);
  // Dense Hessians dominate the cost on large problems: the one at x₀ serves the conditioning and Newton's first step.
  let hessian: Float64Array | undefined = kernels.denseHessian(start, theta);
  const conditioning = conditioningAt(kernels, start, theta, hessian);
  const x = Float64Array.from(start);
  const gradient = new Float64Array(D);
  const none = new Float64Array(0);
  let steps = 0;
  let gradientNorm = Infinity;
  // A quadratic needs one step; a second one refines away the rounding of the first.
  const maxSteps = quadratic ? 2 : MAX_NEWTON_STEPS;
  // The gradient's own scale, for the stopping and certification tests: its size at x₀, or
  // L·max(1, ‖x₀‖) when x₀ is (nearly) stationary. Not a fixed 1: F = c·f must give the same
  // answer for c = 1e-200 as for c = 1e200.
  let scale = 0;
  while (steps < maxSteps) {
    kernels.full('gradX', x, theta, none, gradient);
    gradientNorm = norm(gradient);
    if (steps === 0) scale = Math.max(gradientNorm, Math.abs(conditioning.L) * Math.max(1, norm(start)));
    if (gradientNorm <= 1e-15 * scale) break;
    hessian ??= kernels.denseHessian(x, theta);
    const solve = referenceSolve(hessian, D, gradient, 1);
    let stepNorm = 0;
    for (let j = 0; j < D; j++) {
      x[j] -= solve.solution[j];
      stepNorm += solve.solution[j] ** 2;
    }
    steps++;
    const converged = !quadratic && Math.sqrt(stepNorm) <= 1e-15 * Math.max(1, norm(x));
    // After a step at rounding level (or on a quadratic) the Hessian is that of x* to rounding.
    if (!converged && !quadratic) hessian = undefined;
    if (converged) break;
  }
  kernels.full('gradX', x, theta, none, gradient);
  gradientNorm = norm(gradient);
  const solve = referenceSolve(hessian ?? kernels.denseHessian(x, theta), D, kernels.denseCross(x, theta), P);
  const jacobian = transpose(solve.solution, D, P).map((v) => -v);
  const converged = gradientNorm <= 1e-9 * scale;
  const singular = solve.kind === 'singular';
  // A positive definite Hessian and a gradient at rounding level at x* make it a strict local
  // minimizer, whatever the Hessians met on Newton's way there.
  const certified = solve.kind === 'positive definite' && converged;
  let warning: string | undefined;
  if (singular) {
    warning =
      `the Hessian at x* is singular (${solve.detail}): x* is one minimizer among many (Newton took minimum-norm steps) ` +
      'and the reference Jacobian is the minimum-norm solution of ∇²ₓₓF·J = −∇²ₓθF';
  } else if (solve.kind === 'indefinite') {
    warning = `the Hessian at the reference point is not positive definite (${solve.detail}): x* may not be a strict minimizer`;
  } else if (!converged) warning = `Newton stopped with ‖∇F‖ = ${gradientNorm.toExponential(2)} after ${steps} steps`;
  return { ...conditioning, x, jacobian, objective: kernels.objective(x, theta), quadratic, certified, singular, newtonSteps: steps, warning };
}

/** What a reference solve found the Hessian to be. */
type HessianKind = 'positive definite' | 'singular' | 'indefinite';

/**
 * Solves H X = B for the reference: by Cholesky when H is safely positive definite; otherwise
 * through the eigendecomposition, with the pseudo-inverse, so that on a singular positive
 * semidefinite H (minimizers forming a subspace) Newton takes minimum-norm steps and still
 * converges. An indefinite H is solved the same way and reported (x* is then not certified).
 */
function referenceSolve(H: Float64Array, n: number, B: Float64Array, m: number): { solution: Float64Array; kind: HessianKind; detail: string } {
  const solution = choleskySolve(H, n, B, m, SINGULAR_CUTOFF);
  if (solution) return { solution, kind: 'positive definite', detail: '' };
  const pseudo = pseudoInverseSolve(H, n, B, m, SINGULAR_CUTOFF);
  const [lo, hi] = pseudo.extremes;
  const detail = `rank ${pseudo.rank} of ${n}, eigenvalues from ${lo.toExponential(3)} to ${hi.toExponential(3)}`;
  const kind = lo < -SINGULAR_CUTOFF * Math.abs(hi) ? 'indefinite' : pseudo.rank < n ? 'singular' : 'positive definite';
  return { solution: pseudo.solution, kind, detail };
}
