/**
 * x*(θ) without a dense Hessian: inexact Newton steps H p = ∇F solved by conjugate gradients on
 * Hessian–vector products, with a backtracking line search. The CG tolerance follows the
 * gradient (forcing term η = min(1/2, √(‖∇F‖/scale))), so steps are cheap far away and the
 * convergence is superlinear near x*; a quadratic F gets an (almost) exact first solve.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { norm } from '../linalg/vector.ts';
import { truncatedConjugateGradient } from './truncated-cg.ts';

/**
 * Newton–CG's outcome.
 * @category Problems and references
 */
export interface NewtonCgResult {
  /** The point reached. */
  readonly x: Float64Array;
  /** ‖∇ₓF(x, θ)‖ there. */
  readonly gradientNorm: number;
  /** The scale the gradient norm is measured against (its size at the start, or L·max(1, ‖x₀‖) when that is 0). */
  readonly scale: number;
  /** Newton steps taken. */
  readonly steps: number;
  /** Hessian–vector products used by all the CG solves. */
  readonly products: number;
  /** True when some CG solve met non-positive curvature. */
  readonly negativeCurvature: boolean;
}

/**
 * Newton stops when ‖∇F‖ ≤ this × scale (what CG's recursive residual can still resolve).
 * @category Problems and references
 */
export const NEWTON_CG_TOLERANCE = 1e-13;

/** Most Newton steps. */
const MAX_STEPS = 100;

/** Most CG products per Newton step. */
const MAX_CG_PRODUCTS = 2000;

/**
 * Minimizes F(·, θ) from `start` by Newton–CG.
 * @param kernels - the problem's kernels
 * @param theta - θ
 * @param start - x₀
 * @param L - an estimate of the largest Hessian eigenvalue, for the scale when ∇F(x₀) = 0
 * @param quadratic - whether F is quadratic in x (one tight solve, then a refinement)
 * @category Problems and references
 */
export function newtonConjugateGradient(kernels: ProblemKernels, theta: Float64Array, start: Float64Array, L: number, quadratic: boolean): NewtonCgResult {
  const D = kernels.dimension;
  const none = new Float64Array(0);
  const x = Float64Array.from(start);
  const trial = new Float64Array(D);
  const gradient = new Float64Array(D);
  const trialGradient = new Float64Array(D);
  const hvp = (v: Float64Array, into: Float64Array): void => kernels.full('hvp', x, theta, v, into);
  kernels.full('gradX', x, theta, none, gradient);
  let gradientNorm = norm(gradient);
  // Not a fixed 1: F = c·f must give the same answer for c = 1e-200 as for c = 1e200.
  const scale = Math.max(gradientNorm, Math.abs(L) * Math.max(1, norm(start)));
  let value = kernels.objective(x, theta);
  let steps = 0;
  let products = 0;
  let negativeCurvature = false;
  while (steps < MAX_STEPS && gradientNorm > NEWTON_CG_TOLERANCE * scale && Number.isFinite(gradientNorm)) {
    const forcing = quadratic ? 1e-14 : Math.max(1e-14, Math.min(0.5, Math.sqrt(gradientNorm / scale)));
    const solve = truncatedConjugateGradient(hvp, gradient, forcing, MAX_CG_PRODUCTS);
    products += solve.iterations;
    negativeCurvature ||= solve.negativeCurvature;
    // On negative curvature at the first CG step there is no Newton direction: descend along −∇F.
    const direction = solve.iterations > 1 || !solve.negativeCurvature ? solve.x : Float64Array.from(gradient).map((g) => g / Math.max(Math.abs(L), 1e-300));
    const slope = direction.reduce((s, p, j) => s + p * gradient[j], 0);
    let t = 1;
    let accepted = false;
    for (let halvings = 0; halvings < 60 && !accepted; halvings++, t /= 2) {
      for (let j = 0; j < D; j++) trial[j] = x[j] - t * direction[j];
      const trialValue = kernels.objective(trial, theta);
      // Armijo, or — where F is flat to rounding near x* — a smaller gradient at no higher F.
      if (trialValue <= value - 1e-4 * t * slope) accepted = true;
      else if (trialValue <= value + 1e-12 * Math.abs(value)) {
        kernels.full('gradX', trial, theta, none, trialGradient);
        accepted = norm(trialGradient) < gradientNorm;
      }
      if (accepted) value = trialValue;
    }
    if (!accepted) break;
    x.set(trial);
    steps++;
    kernels.full('gradX', x, theta, none, gradient);
    gradientNorm = norm(gradient);
  }
  return { x, gradientNorm, scale, steps, products, negativeCurvature };
}
