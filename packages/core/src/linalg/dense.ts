/**
 * Dense linear algebra on row-major Float64Arrays, through ml-matrix: symmetric eigenvalues,
 * Cholesky solves (the certified path for positive definite systems) and pseudo-inverse solves
 * through the eigendecomposition (for singular or indefinite ones).
 */
import { CholeskyDecomposition, EigenvalueDecomposition, Matrix } from 'ml-matrix';

/** An n×m row-major matrix as an ml-matrix `Matrix`. */
export function toMatrix(values: Float64Array, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) m.set(r, c, values[r * cols + c]);
  return m;
}

/** A `Matrix` back to a row-major Float64Array. */
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

/** Eigenvalues of a symmetric n×n matrix, ascending (the upper triangle is mirrored first). */
export function symmetricEigenvalues(values: Float64Array, n: number): number[] {
  return [...new EigenvalueDecomposition(symmetricMatrix(values, n), { assumeSymmetric: true }).realEigenvalues].sort((a, b) => a - b);
}

/** The outcome of a solve through the eigendecomposition. */
export interface PseudoInverseSolve {
  /** X = H⁺B, n×m row-major: the minimum-norm least-squares solution. */
  readonly solution: Float64Array;
  /** Number of eigenvalues kept (those with |λ| above the cutoff). */
  readonly rank: number;
  /** Smallest and largest eigenvalue of H. */
  readonly extremes: readonly [number, number];
}

/**
 * X = H⁺B for a symmetric H (n×n) and B (n×m): eigenvalues with |λ| at most
 * `relativeCutoff`·max|λ| are treated as zero, so a singular H gives the minimum-norm solution.
 */
export function pseudoInverseSolve(H: Float64Array, n: number, B: Float64Array, m: number, relativeCutoff: number): PseudoInverseSolve {
  const eig = new EigenvalueDecomposition(symmetricMatrix(H, n), { assumeSymmetric: true });
  const lambda = eig.realEigenvalues;
  const V = eig.eigenvectorMatrix;
  const cutoff = relativeCutoff * Math.max(...lambda.map(Math.abs));
  const solution = new Float64Array(n * m);
  let rank = 0;
  for (let i = 0; i < n; i++) {
    if (!(Math.abs(lambda[i]) > cutoff)) continue;
    rank++;
    // X += v_i (v_iᵀ B) / λ_i
    for (let c = 0; c < m; c++) {
      let projection = 0;
      for (let r = 0; r < n; r++) projection += V.get(r, i) * B[r * m + c];
      const scaled = projection / lambda[i];
      for (let r = 0; r < n; r++) solution[r * m + c] += V.get(r, i) * scaled;
    }
  }
  return { solution, rank, extremes: [Math.min(...lambda), Math.max(...lambda)] };
}

/**
 * Solves H X = B (H n×n symmetric, B n×m; the upper triangle is mirrored first) by Cholesky, or
 * returns undefined when H is not positive definite or a pivot is at most `minPivot` times the
 * largest diagonal entry (L_ii² ≥ λ_min and H_ii ≤ λ_max, so a tiny pivot flags a numerically
 * singular H, on which Cholesky succeeds with a meaningless result).
 */
export function choleskySolve(H: Float64Array, n: number, B: Float64Array, m: number, minPivot = 0): Float64Array | undefined {
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
  return fromMatrix(cholesky.solve(toMatrix(B, n, m)));
}

/** The transpose of a rows×cols row-major matrix (cols×rows row-major). */
export function transpose(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
