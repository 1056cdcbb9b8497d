/**
 * Interpolators of an underdetermined system X w = y (X: N×d row-major, N < d, full row rank),
 * computed in the framework for the implicit-bias metrics: minimum ℓ2 norm (a direct solve),
 * minimum ℓ1 norm (basis pursuit by ADMM, certified by a duality gap) and the minimizer of the
 * hyperbolic-entropy potential Q (Newton's method on its smooth dual).
 */
import { choleskyFactor, type SymmetricFactor } from '@sgdiff/core';

/**
 * An underdetermined linear system.
 * @category Solvers and tracking
 */
export interface LinearSystem {
  /** N×d, row-major. */
  readonly X: Float64Array;
  /** N right-hand sides. */
  readonly y: Float64Array;
  /** Rows. */
  readonly N: number;
  /** Columns (unknowns). */
  readonly d: number;
}

/**
 * X v (length N).
 * @category Solvers and tracking
 */
export function apply(sys: LinearSystem, v: Float64Array): Float64Array {
  const out = new Float64Array(sys.N);
  for (let n = 0; n < sys.N; n++) {
    let s = 0;
    for (let j = 0; j < sys.d; j++) s += sys.X[n * sys.d + j] * v[j];
    out[n] = s;
  }
  return out;
}

/**
 * Xᵀ λ (length d).
 * @category Solvers and tracking
 */
export function applyTranspose(sys: LinearSystem, lambda: Float64Array): Float64Array {
  const out = new Float64Array(sys.d);
  for (let n = 0; n < sys.N; n++) for (let j = 0; j < sys.d; j++) out[j] += sys.X[n * sys.d + j] * lambda[n];
  return out;
}

/** X diag(c) Xᵀ (N×N). */
function weightedGram(sys: LinearSystem, c: Float64Array): Float64Array {
  const { X, N, d } = sys;
  const G = new Float64Array(N * N);
  for (let a = 0; a < N; a++) {
    for (let b = a; b < N; b++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += X[a * d + j] * c[j] * X[b * d + j];
      G[a * N + b] = s;
      G[b * N + a] = s;
    }
  }
  return G;
}

function gramFactor(sys: LinearSystem, c: Float64Array): SymmetricFactor {
  const factor = choleskyFactor(weightedGram(sys, c), sys.N);
  if (!factor) throw new Error('X diag(c) Xᵀ is not positive definite: X must have full row rank');
  return factor;
}

/**
 * argmin ‖w‖₂ subject to X w = y: Xᵀ(XXᵀ)⁻¹y.
 * @category Solvers and tracking
 */
export function minimumL2Interpolator(sys: LinearSystem): Float64Array {
  return applyTranspose(sys, gramFactor(sys, new Float64Array(sys.d).fill(1)).solve(sys.y, 1));
}

/**
 * A basis-pursuit solution with its certificate.
 * @category Solvers and tracking
 */
export interface L1Solution {
  /** A point with X w = y (to rounding). */
  readonly w: Float64Array;
  /** ‖w‖₁. */
  readonly norm: number;
  /** yᵀλ for a dual-feasible λ (‖Xᵀλ‖∞ ≤ 1): a lower bound on min ‖w‖₁. */
  readonly lowerBound: number;
  /** ADMM iterations taken. */
  readonly iterations: number;
}

/**
 * min ‖w‖₁ s.t. X w = y by ADMM on w = z (w projected on the affine set, z soft-thresholded),
 * stopped when the duality gap ‖w‖₁ − yᵀλ is at most `tolerance`·‖w‖₁. λ is the least-squares
 * fit of Xᵀλ to the scaled dual variable ρs ∈ ∂‖z‖₁, rescaled to be feasible, so the gap is a
 * certificate: min ‖w‖₁ lies in [lowerBound, norm].
 * @category Solvers and tracking
 */
export function minimumL1Interpolator(sys: LinearSystem, tolerance = 1e-9, maxIterations = 200000): L1Solution {
  const { d } = sys;
  const gram = gramFactor(sys, new Float64Array(d).fill(1));
  const project = (v: Float64Array): Float64Array => {
    const r = apply(sys, v);
    for (let n = 0; n < r.length; n++) r[n] -= sys.y[n];
    const correction = applyTranspose(sys, gram.solve(r, 1));
    return v.map((x, j) => x - correction[j]);
  };
  const rho = 1;
  let z = project(new Float64Array(d));
  const s = new Float64Array(d);
  let best: L1Solution = { w: z, norm: l1(z), lowerBound: -Infinity, iterations: 0 };
  for (let k = 1; k <= maxIterations; k++) {
    const w = project(z.map((x, j) => x - s[j]));
    z = w.map((x, j) => softThreshold(x + s[j], 1 / rho));
    for (let j = 0; j < d; j++) s[j] += w[j] - z[j];
    if (k % 50 !== 0 && k !== maxIterations) continue;
    const lambda = gram.solve(apply(sys, s.map((x) => rho * x)), 1);
    const scale = Math.max(1, Math.max(...applyTranspose(sys, lambda).map(Math.abs)));
    let bound = 0;
    for (let n = 0; n < sys.N; n++) bound += (sys.y[n] * lambda[n]) / scale;
    const norm = l1(w);
    if (norm < best.norm || bound > best.lowerBound) best = { w: norm < best.norm ? w : best.w, norm: Math.min(norm, best.norm), lowerBound: Math.max(bound, best.lowerBound), iterations: k };
    if (best.norm - best.lowerBound <= tolerance * best.norm) return best;
  }
  return best;
}

function l1(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += Math.abs(x);
  return s;
}

function softThreshold(x: number, t: number): number {
  return x > t ? x - t : x < -t ? x + t : 0;
}

/**
 * q(z) = 2 − √(4 + z²) + z·asinh(z/2), the hyperbolic entropy; q′(z) = asinh(z/2), q ≥ 0.
 * @category Solvers and tracking
 */
export function hyperbolicEntropy(z: number): number {
  return 2 - Math.sqrt(4 + z * z) + z * Math.asinh(z / 2);
}

/**
 * Q_β(w) = Σ β_i² q(w_i/β_i²).
 * @category Solvers and tracking
 */
export function potentialQ(w: Float64Array, beta2: Float64Array): number {
  let s = 0;
  for (let j = 0; j < w.length; j++) s += beta2[j] * hyperbolicEntropy(w[j] / beta2[j]);
  return s;
}

/**
 * argmin Q_β s.t. X w = y, with the relative residual ‖Xw − y‖/‖y‖ it reached.
 * @category Solvers and tracking
 */
export interface PotentialSolution {
  /** The minimizer. */
  readonly w: Float64Array;
  /** ‖X w − y‖ / ‖y‖. */
  readonly residual: number;
  /** Newton steps taken. */
  readonly iterations: number;
}

/**
 * argmin_{Xw=y} Q_β(w) for β² = `beta2` (entries > 0). Stationarity gives w = 2β² ⊙ sinh(Xᵀλ),
 * so λ minimizes the smooth strictly convex dual φ(λ) = Σ 2β_i²(cosh((Xᵀλ)_i) − 1) − yᵀλ,
 * whose gradient is X w(λ) − y: Newton's method with backtracking, to ‖Xw − y‖ ≤ `tolerance`·‖y‖.
 * @category Solvers and tracking
 */
export function potentialInterpolator(sys: LinearSystem, beta2: Float64Array, tolerance = 1e-12, maxIterations = 500): PotentialSolution {
  const c = beta2.map((b) => 2 * b);
  const dual = (lambda: Float64Array): number => {
    const z = applyTranspose(sys, lambda);
    let s = 0;
    for (let j = 0; j < z.length; j++) s += c[j] * (Math.cosh(z[j]) - 1);
    for (let n = 0; n < sys.N; n++) s -= sys.y[n] * lambda[n];
    return s;
  };
  const yNorm = Math.hypot(...sys.y);
  let lambda = new Float64Array(sys.N);
  let value = dual(lambda);
  for (let k = 0; ; k++) {
    const z = applyTranspose(sys, lambda);
    const w = z.map((x, j) => c[j] * Math.sinh(x));
    const gradient = apply(sys, w).map((x, n) => x - sys.y[n]);
    const residual = Math.hypot(...gradient) / yNorm;
    if (residual <= tolerance || k === maxIterations) return { w, residual, iterations: k };
    const step = gramFactor(sys, z.map((x, j) => c[j] * Math.cosh(x))).solve(gradient, 1);
    let t = 1;
    let next = lambda.map((x, n) => x - step[n]);
    let nextValue = dual(next);
    // Armijo backtracking: cosh grows fast, so full steps from far away overshoot. Near the
    // optimum the decrease is below the rounding of φ (a sum of large cosh terms): allow that slack.
    let slope = 0;
    for (let n = 0; n < sys.N; n++) slope += gradient[n] * step[n];
    const slack = 1e-13 * Math.abs(value);
    while (!(nextValue <= value - 0.25 * t * slope + slack) && t > 1e-12) {
      t /= 2;
      next = lambda.map((x, n) => x - t * step[n]);
      nextValue = dual(next);
    }
    if (t <= 1e-12) return { w, residual, iterations: k };
    lambda = next;
    value = nextValue;
  }
}
