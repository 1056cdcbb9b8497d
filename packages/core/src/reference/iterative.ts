/**
 * The iterative reference, for problems whose dense Hessian does not fit the budget: x* by
 * Newton–CG, μ and L at x₀ by Lanczos (what the step-size schedules read, as the exact
 * reference's eigendecomposition), and the certificate at x* (a gradient at rounding level
 * against its scale, and a Lanczos smallest eigenvalue above 0). Memory O(D) plus the Lanczos
 * basis; ∂θx* only as products (jacobian-products.ts), computed when a metric asks.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { allFinite } from '../linalg/vector.ts';
import { jacobianSketch, type JacobianSketch } from './jacobian-products.ts';
import { lanczosExtremes, type LanczosResult } from './lanczos.ts';
import { newtonConjugateGradient } from './newton-cg.ts';
import { isQuadraticInX, type Conditioning } from './reference.ts';

/** Eigenvalues at most this fraction of the largest count as zero (as in the exact reference). */
const SINGULAR_CUTOFF = 1e-12;

/**
 * Lanczos's target for μ and L at x₀: each within 1e-6·L of an eigenvalue of the Hessian (by the
 * error bound of lanczos.ts). Enough for step-size schedules; 1e-8 would take about four times
 * the products on a spectrum clustered at its ends (measured: 55 against 240 on the logistic
 * example with d = 5000).
 * @category Problems and references
 */
export const LANCZOS_TOLERANCE = 1e-6;

/**
 * Most Lanczos products (its basis holds that many vectors of length D).
 * @category Problems and references
 */
export const LANCZOS_MAX_ITERATIONS = 300;

/**
 * The gradient norm, relative to its scale, below which x* is certified (as in the exact reference).
 * @category Problems and references
 */
export const CERTIFY_GRADIENT = 1e-9;

/**
 * What a Lanczos run reports in the reference.
 * @category Problems and references
 */
export interface LanczosSummary {
  /** Products used. */
  readonly iterations: number;
  /** The larger extreme Ritz residual reached. */
  readonly residual: number;
  /** True when it reached {@link LANCZOS_TOLERANCE}. */
  readonly converged: boolean;
}

/**
 * The iterative reference.
 * @category Problems and references
 */
export interface IterativeReference extends Conditioning {
  /** Always `'iterative'`. */
  readonly mode: 'iterative';
  /** x*(θ) by Newton–CG. */
  readonly x: Float64Array;
  /** F(x*, θ). */
  readonly objective: number;
  /** True when F is quadratic in x. */
  readonly quadratic: boolean;
  /** True when ‖∇F(x*)‖ ≤ 1e-9·scale and Lanczos at x* finds a smallest eigenvalue above its error bound. */
  readonly certified: boolean;
  /** Newton steps taken. */
  readonly newtonSteps: number;
  /** ‖∇F(x*)‖ / scale reached. */
  readonly relativeGradient: number;
  /** Hessian–vector products of Newton's CG solves. */
  readonly cgProducts: number;
  /** Lanczos at x₀ (μ, L, κ) and at x* (the certificate). */
  readonly lanczos: { readonly start: LanczosSummary; readonly solution: LanczosSummary & { readonly smallest: number } };
  /** J* along a few directions, when a Jacobian error was asked for. */
  readonly jacobianSketch?: JacobianSketch;
  /** Why the reference is not certified or not fully accurate, when it is not. */
  readonly warning?: string;
}

function summary(result: LanczosResult): LanczosSummary {
  return { iterations: result.iterations, residual: result.residual, converged: result.converged };
}

/**
 * μ, L, κ from a Lanczos run (μ at rounding level against L is 0, κ then ∞).
 * @category Problems and references
 */
export function conditioningOf(result: LanczosResult): Conditioning {
  const L = result.largest;
  const mu = Math.abs(result.smallest) <= SINGULAR_CUTOFF * Math.abs(L) ? 0 : result.smallest;
  return { mu, L, kappa: L / mu };
}

/**
 * The extreme eigenvalues of ∇²ₓₓF(x, θ) by Lanczos on Hessian–vector products; with
 * `untilPositive`, stopping as soon as the smallest is certified above 0 (what x*'s certificate needs).
 * @category Problems and references
 */
export function lanczosAt(kernels: ProblemKernels, x: Float64Array, theta: Float64Array, seed: number, untilPositive = false): LanczosResult {
  const apply = (v: Float64Array, into: Float64Array): void => kernels.full('hvp', x, theta, v, into);
  return lanczosExtremes(apply, kernels.dimension, { tolerance: LANCZOS_TOLERANCE, maxIterations: LANCZOS_MAX_ITERATIONS, seed, untilPositive });
}

/**
 * Options of {@link computeIterativeReference}.
 * @category Problems and references
 */
export interface IterativeReferenceOptions {
  /** The run seed (the Lanczos start vectors and the Jacobian directions derive from it). */
  readonly seed: number;
  /** Whether to compute J* along a few directions (for a Jacobian error). */
  readonly jacobian: boolean;
  /** Where Newton–CG starts instead of `start` (an outer loop passes the previous x*); μ, L stay those at `start`. */
  readonly warmStart?: Float64Array;
}

/**
 * Computes the iterative reference at θ, starting Newton–CG from `start`.
 * @category Problems and references
 */
export function computeIterativeReference(kernels: ProblemKernels, theta: Float64Array, start: Float64Array, options: IterativeReferenceOptions): IterativeReference {
  const quadratic = isQuadraticInX(kernels);
  const atStart = lanczosAt(kernels, start, theta, options.seed);
  const conditioning = conditioningOf(atStart);
  const newton = newtonConjugateGradient(kernels, theta, options.warmStart ?? start, conditioning.L, quadratic);
  const x = newton.x;
  // A quadratic's Hessian is the same everywhere: the start's Lanczos is the solution's.
  const atSolution = quadratic ? atStart : lanczosAt(kernels, x, theta, options.seed + 1, true);
  const relativeGradient = newton.gradientNorm / newton.scale;
  const positive = atSolution.smallest - atSolution.residual > SINGULAR_CUTOFF * Math.abs(atSolution.largest);
  // At x* Lanczos stops once the smallest eigenvalue is certified positive: that is its success.
  const solutionSettled = atSolution.converged || positive;
  const stationary = relativeGradient <= CERTIFY_GRADIENT;
  const objective = kernels.objective(x, theta);
  // F* must be a number to certify x* (see the exact reference).
  const finite = allFinite(x) && Number.isFinite(newton.gradientNorm) && Number.isFinite(objective);
  const sketch = options.jacobian && finite ? jacobianSketch(kernels, x, theta, options.seed) : undefined;
  const warnings: string[] = [];
  if (!finite && allFinite(x) && Number.isFinite(newton.gradientNorm)) warnings.push(`F(x*) = ${objective}: the objective is not finite at the point Newton–CG reached`);
  else if (!finite) warnings.push(`Newton–CG diverged after ${newton.steps} steps (a non-finite iterate or gradient): x* is not known`);
  else if (!stationary) warnings.push(`Newton–CG stopped with ‖∇F‖/scale = ${relativeGradient.toExponential(2)} after ${newton.steps} steps (${newton.products} Hessian–vector products)`);
  if (!solutionSettled) warnings.push(`Lanczos at x* did not converge: error bound ${atSolution.residual.toExponential(2)} after ${atSolution.iterations} products`);
  else if (!positive) warnings.push(`the Hessian at x* is not positive definite (Lanczos smallest eigenvalue ${atSolution.smallest.toExponential(3)}, residual ${atSolution.residual.toExponential(2)})`);
  if (!atStart.converged) warnings.push(`Lanczos at x₀ did not converge: μ and L have an error bound of ${atStart.residual.toExponential(2)} after ${atStart.iterations} products`);
  if (sketch && !sketch.converged) warnings.push(`the CG solves of J*·u reached a relative residual of ${sketch.relativeResidual.toExponential(2)} only`);
  return {
    mode: 'iterative',
    ...conditioning,
    x,
    objective,
    quadratic,
    certified: finite && stationary && positive,
    newtonSteps: newton.steps,
    relativeGradient,
    cgProducts: newton.products,
    lanczos: { start: summary(atStart), solution: { ...summary(atSolution), smallest: atSolution.smallest } },
    ...(sketch ? { jacobianSketch: sketch } : {}),
    ...(warnings.length > 0 ? { warning: warnings.join('; ') } : {}),
  };
}
