/**
 * Conjugate gradients that report how far they got, for the iterative reference: Newton–CG
 * needs the iterate reached when CG meets non-positive curvature (it then takes what it has),
 * and the reference's Jacobian products need the residual reached, so that a solve that did
 * not converge becomes a warning rather than a silently wrong metric. (The implicit tracking's
 * `conjugateGradient` throws instead, which is right for a run but not for a reference.)
 */
import { dotProduct } from '../linalg/vector.ts';

/**
 * A CG solve's outcome.
 * @category Problems and references
 */
export interface CgResult {
  /** The iterate reached. */
  readonly x: Float64Array;
  /** ‖b − Hx‖ / ‖b‖ at the end. */
  readonly relativeResidual: number;
  /** Products with H used. */
  readonly iterations: number;
  /** True when the relative residual reached the tolerance. */
  readonly converged: boolean;
  /** True when CG stopped on a direction d with dᵀHd ≤ 0 (H is not positive definite). */
  readonly negativeCurvature: boolean;
}

/**
 * Solves H x = b from x = 0 for a symmetric H given as `apply(v, into)`, stopping when
 * ‖r‖ ≤ tolerance·‖b‖, after `maxIterations` products, or on non-positive curvature.
 * @category Problems and references
 */
export function truncatedConjugateGradient(apply: (v: Float64Array, into: Float64Array) => void, b: Float64Array, tolerance: number, maxIterations: number): CgResult {
  const n = b.length;
  const x = new Float64Array(n);
  const r = Float64Array.from(b);
  const d = Float64Array.from(b);
  const Hd = new Float64Array(n);
  const bNorm = Math.sqrt(dotProduct(b, b));
  if (bNorm === 0) return { x, relativeResidual: 0, iterations: 0, converged: true, negativeCurvature: false };
  let rr = dotProduct(r, r);
  let iterations = 0;
  while (Math.sqrt(rr) > tolerance * bNorm && iterations < maxIterations) {
    apply(d, Hd);
    iterations++;
    const curvature = dotProduct(d, Hd);
    if (!(curvature > 0)) return { x, relativeResidual: Math.sqrt(rr) / bNorm, iterations, converged: false, negativeCurvature: true };
    const step = rr / curvature;
    for (let j = 0; j < n; j++) {
      x[j] += step * d[j];
      r[j] -= step * Hd[j];
    }
    const next = dotProduct(r, r);
    const beta = next / rr;
    rr = next;
    for (let j = 0; j < n; j++) d[j] = r[j] + beta * d[j];
  }
  const relativeResidual = Math.sqrt(rr) / bNorm;
  return { x, relativeResidual, iterations, converged: relativeResidual <= tolerance, negativeCurvature: false };
}
