/**
 * Dense linear algebra on row-major Float64Arrays, through ml-matrix: symmetric eigenvalues,
 * Cholesky solves (the certified path for positive definite systems) and pseudo-inverse solves
 * through the eigendecomposition (for singular or indefinite ones).
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';

/**
 * An n×m row-major matrix as an ml-matrix `Matrix`.
 * @category Problems and references
 */
export function toMatrix(values: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, values[r * cols + c]);
  return m;
}

/**
 * A `Matrix` back to a row-major Float64Array.
 * @category Problems and references
 */
export function fromMatrix(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows * m.columns);
  for (let r = 0; r < m.rows; r++) for (let c = 0; c < m.columns; c++) out[r * m.columns + c] = m.get(r, c);
  return out;
}

/** A symmetric n×n row-major matrix as a `Matrix`, its upper triangle mirrored (assembled Hessians are symmetric only up to rounding). */
function symmetricMatrix(values: Float64Array, n: number): Matrix {
  const m = toMatrix(values, n, n);
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) m.set(c, r, m.get(r, c));
  return m;
}

/**
 * Eigenvalues of a symmetric n×n matrix, ascending (the upper triangle is mirrored first).
 * @category Problems and references
 */
export function symmetricEigenvalues(values: Float64Array, n: number): number[] {
  return [...new EigenvalueDecomposition(symmetricMatrix(values, n), { assumeSymmetric: true }).realEigenvalues].sort((a, b) => a - b);
}

/**
 * A factorization of a symmetric n×n matrix H that solves H X = B for any n×m B.
 * @category Problems and references
 */
export interface SymmetricFactor {
  /** X, n×m row-major. */
  solve(B: Float64Array, m: number): Float64Array;
}

/**
 * A pseudo-inverse through the eigendecomposition, with what it found.
 * @category Problems and references
 */
export interface EigenFactor extends SymmetricFactor {
  /** Number of eigenvalues kept (those with |λ| above the cutoff). */
  readonly rank: number;
  /** Smallest and largest eigenvalue of H. */
  readonly extremes: readonly [number, number];
}

/**
 * H⁺ for a symmetric H (n×n) through its eigendecomposition: eigenvalues with |λ| at most
 * `relativeCutoff`·max|λ| are treated as zero, so a singular H gives minimum-norm solutions.
 * @category Problems and references
 */
export function eigenFactor(H: Float64Array, n: number, relativeCutoff: number): EigenFactor {
  const eig = new EigenvalueDecomposition(symmetricMatrix(H, n), { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const V = eig.eigenvectorMatrix;
  const cutoff = relativeCutoff * Math.max(...lambda.map(Math.abs));
  const kept = lambda.flatMap((l, i) => (Math.abs(l) > cutoff ? [i] : []));
  return {
    rank: kept.length,
    extremes: [Math.min(...lambda), Math.max(...lambda)],
    solve(B, m) {
      const solution = new Float64Array(n * m);
      for (const i of kept) {
        // X += v_i (v_iᵀ B) / λ_i
        for (let c = 0; c < m; c++) {
          let projection = 0;
          for (let r = 0; r < n; r++) projection += V.get(r, i) * B[r * m + c];
          const scaled = projection / lambda[i];
          for (let r = 0; r < n; r++) solution[r * m + c] += V.get(r, i) * scaled;
        }
      }
      return solution;
    },
  };
}

/**
 * The Cholesky factor of H (n×n symmetric; the upper triangle is mirrored first), or undefined
 * when H is not positive definite or a pivot is at most `minPivot` times the largest diagonal
 * entry (L_ii² ≥ λ_min and H_ii ≤ λ_max, so a tiny pivot flags a numerically singular H, on
 * which Cholesky succeeds with a meaningless result).
 * @category Problems and references
 */
export function choleskyFactor(H: Float64Array, n: number, minPivot = 0): SymmetricFactor | undefined {
  // ml-matrix's Cholesky demands exact symmetry.
  const h = symmetricMatrix(H, n);
  const cholesky = new CholeskyDecomposition(h);
  if (!cholesky.isPositiveDefinite()) return undefined;
  const L = cholesky.lowerTriangularMatrix;
  let largest = 0;
  let smallestPivot = Infinity;
  for (let i = 0; i < n; i++) {
    largest = Math.max(largest, h.get(i, i));
    smallestPivot = Math.min(smallestPivot, L.get(i, i) ** 2);
  }
  if (!(smallestPivot > minPivot * largest)) return undefined;
  return { solve: (B, m) => fromMatrix(cholesky.solve(toMatrix(B, n, m))) };
}

/**
 * The transpose of a rows×cols row-major matrix (cols×rows row-major).
 * @category Problems and references
 */
export function transpose(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
