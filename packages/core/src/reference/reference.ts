/**
 * Exact references for a problem instance: the solution x*(θ), its Jacobian ∂θx*(θ), F*, and
 * the constants μ, L, κ of F. When F is quadratic in x (detected symbolically: the Hessian
 * product graph does not depend on x) one Newton step is the exact linear solve; otherwise
 * Newton runs to machine precision and says when it cannot certify the result.
 */
import { topologicalOrder } from '../ir/node.ts';
import type { ProblemKernels } from '../derive/kernels.ts';
import { choleskyFactor, eigenFactor, symmetricEigenvalues, transpose, type SymmetricFactor } from '../linalg/dense.ts';
import { allFinite, norm } from '../linalg/vector.ts';

/**
 * Strong convexity and smoothness constants of F, from the Hessian at the start point (exact for quadratics).
 * @category Problems and references
 */
export interface Conditioning {
  /** Smallest eigenvalue of ∇²ₓₓF(x₀, θ) (0 when it is at rounding level against L). */
  readonly mu: number;
  /** Largest eigenvalue of ∇²ₓₓF(x₀, θ). */
  readonly L: number;
  /** L / μ (∞ when μ = 0). */
  readonly kappa: number;
}

/**
 * The exact solution and its derivative.
 * @category Problems and references
 */
export interface Reference extends Conditioning {
  /** Always `'exact'` (see `RunReference` for the other modes). */
  readonly mode: 'exact';
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

/**
 * True when ∇²ₓₓf·v does not depend on x: f is (at most) quadratic in x.
 * @category Problems and references
 */
export function isQuadraticInX(kernels: ProblemKernels): boolean {
  const roots = kernels.graphs.hvp.filter((n) => n !== null);
  return !topologicalOrder(roots).some((n) => n.op === 'input' && n.input?.kind === 'var');
}

/** Eigenvalues at most this fraction of the largest count as zero (a numerically singular Hessian). */
const SINGULAR_CUTOFF = 1e-12;

/**
 * μ, L and κ from the Hessian at `x` (or the `hessian` already built there); μ at rounding level
 * is 0, κ then ∞. A Hessian with a NaN or infinite entry gives NaN for all three (the caller names
 * the fault: see `hessianFault`).
 * @category Problems and references
 */
export function conditioningAt(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, hessian = kernels.denseHessian(x, theta)): Conditioning {
  const D = kernels.dimension;
  if (!allFinite(hessian)) return { mu: NaN, L: NaN, kappa: NaN };
  const eigenvalues = symmetricEigenvalues(hessian, D);
  const L = eigenvalues[D - 1];
  const mu = Math.abs(eigenvalues[0]) <= SINGULAR_CUTOFF * Math.abs(L) ? 0 : eigenvalues[0];
  return { mu, L, kappa: L / mu };
}

/** Enough for chord steps that contract by 1/2 from any start to rounding, with refreshes. */
const MAX_NEWTON_STEPS = 200;

/** From this dimension on, a dense Hessian (D Hessian–vector products) is worth reusing for chord steps. */
const CHORD_MIN_DIMENSION = 64;

/**
 * Computes the reference at θ, starting Newton from `start` (usually x₀).
 *
 * Dense Hessians dominate the cost on large problems (D Hessian–vector products over every
 * outcome each), so from D = 64 on Newton reuses a factorized Hessian for as long as the steps
 * it gives keep halving (chord steps, linear convergence to rounding), and builds a new one at
 * the current x when they would not. The Hessian at x₀ also gives μ, L, κ; the one at x* the
 * certification and ∂θx*.
 * @category Problems and references
 */
export function computeReference(kernels: ProblemKernels, theta: Float64Array, start: Float64Array): Reference {
  const D = kernels.dimension;
  const P = kernels.parameters;
  const quadratic = isQuadraticInX(kernels);
  const startHessian = kernels.denseHessian(start, theta);
  const conditioning = conditioningAt(kernels, start, theta, startHessian);
  if (Number.isNaN(conditioning.L)) {
    // Newton cannot start from a non-finite Hessian: no x*, and nothing certified.
    const warning = 'the Hessian at x₀ is not finite: x* is not known';
    return { mode: 'exact', ...conditioning, x: Float64Array.from(start), jacobian: new Float64Array(D * P).fill(NaN), objective: NaN, quadratic, certified: false, newtonSteps: 0, warning };
  }
  let factor: ReferenceFactor | undefined = referenceFactor(startHessian, D);
  // Whether `factor` is of the Hessian at the current x (to rounding).
  let factorAtX = true;
  const x = Float64Array.from(start);
  const gradient = new Float64Array(D);
  const none = new Float64Array(0);
  let steps = 0;
  let gradientNorm = Infinity;
  let previousStep = Infinity;
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
    if (gradientNorm <= 1e-15 * scale || !Number.isFinite(gradientNorm)) break;
    if (!factor) {
      factor = referenceFactor(kernels.denseHessian(x, theta), D);
      factorAtX = true;
    }
    let step = factor.solve(gradient, 1);
    // A chord step (from an older Hessian) that would not halve the last step is discarded
    // before it is taken: the Hessian has changed too much, so it is rebuilt here for a true
    // Newton step (a stale Hessian far below the current curvature would throw x far away).
    // Small problems always rebuild: their Hessians cost little, and Newton converges faster.
    if (!quadratic && !factorAtX && !(D >= CHORD_MIN_DIMENSION && norm(step) <= 0.5 * previousStep)) {
      factor = referenceFactor(kernels.denseHessian(x, theta), D);
      factorAtX = true;
      step = factor.solve(gradient, 1);
    }
    const stepNorm = norm(step);
    // No step (a Hessian that lost all its rank, e.g. by overflow) or a non-finite one: stop, uncertified.
    if (!(stepNorm > 0 && stepNorm < Infinity)) break;
    for (let j = 0; j < D; j++) x[j] -= step[j];
    steps++;
    const converged = !quadratic && stepNorm <= 1e-15 * Math.max(1, norm(x));
    // A quadratic's Hessian is the same everywhere; after a step at rounding level it is still
    // that of x* to rounding; otherwise x has moved away from where the factor was built.
    factorAtX = quadratic || (factorAtX && converged);
    if (converged) break;
    previousStep = stepNorm;
  }
  kernels.full('gradX', x, theta, none, gradient);
  gradientNorm = norm(gradient);
  const solve = factor && factorAtX ? factor : referenceFactor(kernels.denseHessian(x, theta), D);
  const jacobian = transpose(solve.solve(kernels.denseCross(x, theta), P), D, P).map((v) => -v);
  const converged = gradientNorm <= 1e-9 * scale;
  // Singular means a subspace of minimizers only at a stationary point; elsewhere Newton failed.
  const singular = solve.kind === 'singular' && converged;
  // A positive definite Hessian and a gradient at rounding level at x* make it a strict local
  // minimizer, whatever the Hessians met on Newton's way there.
  const objective = kernels.objective(x, theta);
  // F* must be a number: a NaN objective with a finite gradient (log of a negative value whose
  // derivative 1/x is still finite) would otherwise certify a point F is not even defined at.
  const certified = solve.kind === 'positive definite' && converged && Number.isFinite(objective);
  let warning: string | undefined;
  if (singular) {
    warning =
      `the Hessian at x* is singular (${solve.detail}): x* is one minimizer among many (Newton took minimum-norm steps) ` +
      'and the reference Jacobian is the minimum-norm solution of ∇²ₓₓF·J = −∇²ₓθF';
  } else if (!Number.isFinite(gradientNorm) || !allFinite(x)) {
    warning = `Newton diverged after ${steps} steps (a non-finite iterate or gradient): x* is not known`;
  } else if (solve.kind === 'indefinite') {
    warning = `the Hessian at the reference point is not positive definite (${solve.detail}): x* may not be a strict minimizer`;
  } else if (!Number.isFinite(objective)) {
    warning = `F(x*) = ${objective}: the objective is not finite at the point Newton reached`;
  } else if (!converged) warning = `Newton stopped with ‖∇F‖ = ${gradientNorm.toExponential(2)} after ${steps} steps`;
  return { mode: 'exact', ...conditioning, x, jacobian, objective, quadratic, certified, singular, newtonSteps: steps, warning };
}

/** What a reference factorization found the Hessian to be. */
type HessianKind = 'positive definite' | 'singular' | 'indefinite' | 'not finite';

/** A factorized Hessian for the reference, with what it is. */
interface ReferenceFactor extends SymmetricFactor {
  readonly kind: HessianKind;
  /** Rank and extreme eigenvalues, when the eigendecomposition was needed. */
  readonly detail: string;
}

/**
 * Factorizes a Hessian for the reference: Cholesky when it is safely positive definite;
 * otherwise the pseudo-inverse through the eigendecomposition, so that on a singular positive
 * semidefinite H (minimizers forming a subspace) Newton takes minimum-norm steps and still
 * converges. An indefinite H is handled the same way and reported (x* is then not certified).
 */
function referenceFactor(H: Float64Array, n: number): ReferenceFactor {
  // Newton can reach points where F is not defined (log, sqrt of a negative value): no factor, NaN steps, and Newton stops there.
  if (!allFinite(H)) return { solve: (B, m) => new Float64Array(n * m).fill(NaN), kind: 'not finite', detail: 'a NaN or infinite entry' };
  const cholesky = choleskyFactor(H, n, SINGULAR_CUTOFF);
  if (cholesky) return { solve: cholesky.solve, kind: 'positive definite', detail: '' };
  const pseudo = eigenFactor(H, n, SINGULAR_CUTOFF);
  const [lo, hi] = pseudo.extremes;
  const detail = `rank ${pseudo.rank} of ${n}, eigenvalues from ${lo.toExponential(3)} to ${hi.toExponential(3)}`;
  const kind = lo < -SINGULAR_CUTOFF * Math.abs(hi) ? 'indefinite' : pseudo.rank < n ? 'singular' : 'positive definite';
  return { solve: pseudo.solve, kind, detail };
}
