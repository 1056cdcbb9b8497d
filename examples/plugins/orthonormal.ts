/**
 * A data-source plugin: a random matrix with orthonormal rows, D Dᵀ = I_n, as Ablin, Peyré,
 * Moreau (ICML 2020, Fig. 2c) build it for the least mean p-th power problem: A ∈ R^{n×m} with
 * iid N(0, 1) entries, A = U Σ Vᵀ (SVD), D = U Vᵀ — the orthogonal polar factor of A, the
 * matrix with orthonormal rows nearest to A. (The `.sgd` language has no QR or SVD.)
 *
 *   data D : R[n, m] from orthonormal()                 # n ≤ m
 *   data D : R[n, m] from orthonormal(stream = "D2")   # another draw for the same seed
 *
 * The polar factor is computed without an SVD by the Newton–Schulz iteration
 * X ← (3X − X Xᵀ X)/2 from X₀ = A/‖A‖_F (all singular values in (0, 1], so it converges,
 * quadratically at the end, to U Vᵀ), then one Gram–Schmidt pass on the rows removes the last
 * rounding: max |D Dᵀ − I| is a few 1e-16. The entries of A come from the seedrandom stream
 * `SEED/orthonormal/STREAM` (Box–Muller, as every `~ normal(0, 1)` declaration), so the matrix
 * depends on the run's seed like a drawn `data` tensor.
 *
 * Load it with `sgd run FILE --plugin ./examples/plugins/orthonormal.ts`.
 */
import { ContainerModule } from 'inversify';
import { RandomStream, SOURCES, type DataSource, type Shape } from '@sgdiff/core';

/** C = X Yᵀ for row-major X (r × c) and Y (s × c). */
function timesTranspose(X: Float64Array, Y: Float64Array, r: number, s: number, c: number): Float64Array {
  const out = new Float64Array(r * s);
  for (let i = 0; i < r; i++)
    for (let j = 0; j < s; j++) {
      let sum = 0;
      for (let k = 0; k < c; k++) sum += X[i * c + k] * Y[j * c + k];
      out[i * s + j] = sum;
    }
  return out;
}

/** The orthogonal polar factor of the n × m matrix A (n ≤ m, full row rank), row-major. */
export function polarFactor(A: Float64Array, n: number, m: number): Float64Array {
  let frobenius = 0;
  for (const a of A) frobenius += a * a;
  let X = A.map((a) => a / Math.sqrt(frobenius));
  for (let iteration = 0; iteration < 200; iteration++) {
    const G = timesTranspose(X, X, n, n, m); // X Xᵀ, n × n
    const next = new Float64Array(n * m);
    let change = 0;
    for (let i = 0; i < n; i++)
      for (let k = 0; k < m; k++) {
        let gx = 0;
        for (let j = 0; j < n; j++) gx += G[i * n + j] * X[j * m + k];
        next[i * m + k] = 1.5 * X[i * m + k] - 0.5 * gx;
        change = Math.max(change, Math.abs(next[i * m + k] - X[i * m + k]));
      }
    X = next;
    if (change < 1e-15) break;
  }
  // Modified Gram–Schmidt on the rows: already orthonormal to ~1e-15, this only removes rounding.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      let dot = 0;
      for (let k = 0; k < m; k++) dot += X[i * m + k] * X[j * m + k];
      for (let k = 0; k < m; k++) X[i * m + k] -= dot * X[j * m + k];
    }
    let norm = 0;
    for (let k = 0; k < m; k++) norm += X[i * m + k] ** 2;
    for (let k = 0; k < m; k++) X[i * m + k] /= Math.sqrt(norm);
  }
  return X;
}

/** The `orthonormal` data source. */
export const orthonormal: DataSource = {
  name: 'orthonormal',
  doc: 'A random n × m matrix with orthonormal rows (D Dᵀ = I, n ≤ m): the polar factor U Vᵀ of a N(0, 1) matrix A = U Σ Vᵀ.',
  args: [{ name: 'stream', type: 'string', default: 'D', doc: 'Name of the random stream SEED/orthonormal/STREAM the Gaussian matrix is drawn from.' }],
  check: (shape: Shape) => {
    if (shape.length !== 2) return `reads a matrix R[n, m] with n ≤ m; got ${shape.length === 0 ? 'R' : `R[${shape.join(', ')}]`}`;
    if (shape[0] > shape[1]) return `rows can be orthonormal only when n ≤ m; R[${shape[0]}, ${shape[1]}] has more rows than columns`;
    return undefined;
  },
  read: (shape, args, seed) => {
    const [n, m] = shape;
    const stream = new RandomStream(`${seed}/orthonormal/${String(args.stream)}`);
    const A = new Float64Array(n * m);
    for (let j = 0; j < A.length; j++) A[j] = stream.normal(0, 1);
    return polarFactor(A, n, m);
  },
};

export default new ContainerModule(({ bind }) => {
  bind(SOURCES).toConstantValue(orthonormal);
});
