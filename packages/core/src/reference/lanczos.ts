/**
 * Extreme eigenvalues of a symmetric operator given only as products v ↦ Hv (the Hessian of a
 * problem too large to form), by the Lanczos process with full reorthogonalization.
 *
 * Accuracy: for a symmetric H and a Ritz pair (θ, y) with ‖y‖ = 1 and residual
 * r = ‖Hy − θy‖ = |β_j s_j| (s_j the last entry of the tridiagonal eigenvector), some eigenvalue
 * of H lies within r of θ, and within r²/δ when no other eigenvalue is within δ of θ
 * (Kato–Temple). The error bound used is min(r, r²/δ) with δ estimated by the gap to the next
 * Ritz value (Ritz values approach the spectrum from inside, so this gap is an estimate, not a
 * guarantee); the process stops when both extreme bounds are at most `tolerance`·max|θ|. From a
 * random start vector the eigenvalues found are the extreme ones with probability one (a start
 * orthogonal to an extreme eigenvector has measure zero).
 */
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { dotProduct } from '../linalg/vector.ts';
import { RandomStream } from '../runtime/rng.ts';

/**
 * What Lanczos found.
 * @category Problems and references
 */
export interface LanczosResult {
  /** The smallest Ritz value. */
  readonly smallest: number;
  /** The largest Ritz value. */
  readonly largest: number;
  /** The larger of the two extreme error bounds min(r, r²/δ) reached (see the file comment). */
  readonly residual: number;
  /** Products with H used. */
  readonly iterations: number;
  /** True when both residuals are at most `tolerance`·max|θ| (or the Krylov space became invariant). */
  readonly converged: boolean;
}

/**
 * Stopping rules of {@link lanczosExtremes}.
 * @category Problems and references
 */
export interface LanczosOptions {
  /** Relative residual target (default 1e-8: each eigenvalue within 1e-8·L of an eigenvalue of H). */
  readonly tolerance?: number;
  /** Most products with H (default 300; memory is that many vectors of length n). */
  readonly maxIterations?: number;
  /** Seed of the start vector (default 0), so results are reproducible. */
  readonly seed?: number;
  /**
   * Stop as soon as the smallest Ritz value exceeds its error bound (a certificate that the
   * eigenvalue it approximates is positive), without waiting for `tolerance`.
   */
  readonly untilPositive?: boolean;
}

/** Ritz values are re-extracted every this many steps (an m×m eigendecomposition each time). */
const CHECK_EVERY = 5;

/**
 * The smallest and largest eigenvalues of the n×n symmetric operator `apply(v, into)` (into = Hv).
 * @param apply - the product with H
 * @param n - the dimension
 * @category Problems and references
 */
export function lanczosExtremes(apply: (v: Float64Array, into: Float64Array) => void, n: number, options: LanczosOptions = {}): LanczosResult {
  const tolerance = options.tolerance ?? 1e-8;
  const maxIterations = Math.min(n, options.maxIterations ?? 300);
  const stream = RandomStream.forDeclaration(options.seed ?? 0, 'reference', 'lanczos');
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = new Float64Array(n);
  for (let j = 0; j < n; j++) q[j] = stream.normal(0, 1);
  scale(q, 1 / Math.sqrt(dotProduct(q, q)));
  const w = new Float64Array(n);
  let last: LanczosResult | undefined;
  for (let m = 1; m <= maxIterations; m++) {
    basis.push(q);
    apply(q, w);
    const a = dotProduct(q, w);
    alpha.push(a);
    // Full reorthogonalization (twice is enough): without it, rounding makes copies of converged Ritz values.
    for (let pass = 0; pass < 2; pass++) {
      for (const v of basis) {
        const c = dotProduct(v, w);
        for (let j = 0; j < n; j++) w[j] -= c * v[j];
      }
    }
    const b = Math.sqrt(dotProduct(w, w));
    const invariant = !(b > 1e-14 * Math.max(Math.abs(a), ...beta.map(Math.abs), 1e-300)) || m === n;
    if (invariant || m % CHECK_EVERY === 0 || m === maxIterations) {
      last = ritzExtremes(alpha, beta, invariant ? 0 : b, m);
      const target = tolerance * Math.max(Math.abs(last.smallest), Math.abs(last.largest));
      if (invariant || last.residual <= target) return { ...last, converged: true };
      if (options.untilPositive && last.smallest - last.residual > 0) return last;
    }
    beta.push(b);
    q = Float64Array.from(w);
    scale(q, 1 / b);
  }
  return last as LanczosResult;
}

function scale(v: Float64Array, c: number): void {
  for (let j = 0; j < v.length; j++) v[j] *= c;
}

/** Extreme eigenpairs of the m×m tridiagonal T (diagonal `alpha`, off-diagonal `beta`), with error bounds min(r, r²/δ), r = |b·s_m|. */
function ritzExtremes(alpha: readonly number[], beta: readonly number[], b: number, m: number): LanczosResult {
  const T = new Matrix(m, m);
  for (let i = 0; i < m; i++) {
    T.set(i, i, alpha[i]);
    if (i + 1 < m) {
      T.set(i, i + 1, beta[i]);
      T.set(i + 1, i, beta[i]);
    }
  }
  const eig = new EigenvalueDecomposition(T, { assumeSymmetric: true });
  const values = eig.realEigenvalues;
  const vectors = eig.eigenvectorMatrix;
  const order = values.map((_, i) => i).sort((a, c) => values[a] - values[c]);
  const bound = (at: number, next: number | undefined): number => {
    const r = Math.abs(b * vectors.get(m - 1, order[at]));
    const gap = next === undefined ? Infinity : Math.abs(values[order[at]] - values[order[next]]);
    return Math.min(r, (r * r) / gap);
  };
  const residual = Math.max(bound(0, m > 1 ? 1 : undefined), bound(m - 1, m > 1 ? m - 2 : undefined));
  return { smallest: values[order[0]], largest: values[order[m - 1]], residual, iterations: m, converged: false };
}
