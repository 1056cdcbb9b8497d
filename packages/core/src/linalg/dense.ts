/**
 * Dense linear algebra on row-major Float64Arrays, through ml-matrix: symmetric eigenvalues,
 * Cholesky solves (the certified path for positive definite systems) and LU as a fallback.
 */
import { CholeskyDecomposition, EigenvalueDecomposition, LuDecomposition, Matrix } from 'ml-matrix';

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

/** Eigenvalues of a symmetric n×n matrix, ascending (the upper triangle is mirrored first). */
export function symmetricEigenvalues(values: Float64Array, n: number): number[] {
  const m = toMatrix(values, n, n);
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) m.set(c, r, m.get(r, c));
  return [...new EigenvalueDecomposition(m, { assumeSymmetric: true }).realEigenvalues].sort((a, b) => a - b);
}

/** The outcome of solving H X = B for a symmetric H. */
export interface SymmetricSolve {
  /** X, n×m row-major. */
  readonly solution: Float64Array;
  /** True when H was found positive definite (Cholesky succeeded). */
  readonly positiveDefinite: boolean;
}

/**
 * Solves H X = B (H n×n symmetric, B n×m; the upper triangle is mirrored first), by Cholesky
 * when H is positive definite and by LU otherwise; throws when H is singular.
 */
export function solveSymmetric(H: Float64Array, n: number, B: Float64Array, m: number): SymmetricSolve {
  const h = toMatrix(H, n, n);
  // A Hessian assembled column by column is symmetric only up to rounding, and ml-matrix's Cholesky demands exact symmetry.
  for (let r = 0; r < n; r++) for (let c = r + 1; c < n; c++) h.set(c, r, h.get(r, c));
  const b = toMatrix(B, n, m);
  const cholesky = new CholeskyDecomposition(h);
  if (cholesky.isPositiveDefinite()) return { solution: fromMatrix(cholesky.solve(b)), positiveDefinite: true };
  const lu = new LuDecomposition(h);
  if (lu.isSingular()) throw new Error('the Hessian is singular');
  return { solution: fromMatrix(lu.solve(b)), positiveDefinite: false };
}

/** The transpose of a rows×cols row-major matrix (cols×rows row-major). */
export function transpose(values: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = values[r * cols + c];
  return out;
}
