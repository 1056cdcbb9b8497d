/**
 * GMRES against independent references: a dense Gaussian elimination written here on a small
 * nonsymmetric system, the exact singular values of the matrix for the condition estimate (when
 * the Krylov space is the whole space, H̄ is similar to A), and the minimum-norm solution of a
 * consistent singular system with a known null space (a graph Laplacian, constants in its kernel).
 */
import { describe, expect, it } from 'vitest';
import { symmetricEigenvalues } from '../linalg/dense.ts';
import { gmres } from './gmres.ts';

/** A small deterministic generator (LCG), so the matrices are fixed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32 - 0.5;
  };
}

function multiply(A: Float64Array, n: number): (v: Float64Array, into: Float64Array) => void {
  return (v, into) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += A[i * n + j] * v[j];
      into[i] = s;
    }
  };
}

/** Gaussian elimination with partial pivoting: the dense reference. */
function denseSolve(A: Float64Array, n: number, b: Float64Array): Float64Array {
  const M = Float64Array.from(A);
  const x = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r * n + c]) > Math.abs(M[pivot * n + c])) pivot = r;
    for (let k = 0; k < n; k++) [M[c * n + k], M[pivot * n + k]] = [M[pivot * n + k], M[c * n + k]];
    [x[c], x[pivot]] = [x[pivot], x[c]];
    for (let r = c + 1; r < n; r++) {
      const f = M[r * n + c] / M[c * n + c];
      for (let k = c; k < n; k++) M[r * n + k] -= f * M[c * n + k];
      x[r] -= f * x[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = x[r];
    for (let k = r + 1; k < n; k++) s -= M[r * n + k] * x[k];
    x[r] = s / M[r * n + r];
  }
  return x;
}

const relative = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((v, j) => v - b[j])) / Math.hypot(...b);

/** A nonsymmetric n×n matrix I·shift + R with R uniform in [−½, ½). */
function nonsymmetric(n: number, shift: number, seed: number): Float64Array {
  const next = generator(seed);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n * n; i++) A[i] = next();
  for (let i = 0; i < n; i++) A[i * n + i] += shift;
  return A;
}

describe('gmres', () => {
  const n = 12;
  const A = nonsymmetric(n, 1.5, 7);
  const next = generator(11);
  const b = Float64Array.from({ length: n }, () => next());

  it('solves a nonsymmetric system like dense Gaussian elimination (1e-12), and reports its residual', () => {
    const result = gmres(multiply(A, n), b, { tolerance: 1e-14 });
    expect(relative(result.solution, denseSolve(A, n, b))).toBeLessThan(1e-12);
    expect(result.converged).toBe(true);
    // The reported residual is recomputed from the solution: check it against our own product.
    const Av = new Float64Array(n);
    multiply(A, n)(result.solution, Av);
    expect(result.residual).toBeCloseTo(relative(Av, b), 15);
    expect(result.residual).toBeLessThan(1e-14);
  });

  it('estimates the condition number: exact when the Krylov space is the whole space (vs the eigenvalues of AᵀA)', () => {
    // Tolerance 0 forces all n steps, so A V_n = V_n H_n and H_n has the singular values of A.
    const result = gmres(multiply(A, n), b, { tolerance: 0, maxProducts: n + 1 });
    const gram = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) gram[i * n + j] += A[k * n + i] * A[k * n + j];
    const eigenvalues = symmetricEigenvalues(gram, n);
    const condition = Math.sqrt(eigenvalues[n - 1] / eigenvalues[0]);
    expect(Math.abs(result.condition - condition) / condition).toBeLessThan(1e-8);
  });

  it('converges with restarts (GMRES(3)) to the same solution', () => {
    const B = nonsymmetric(n, 4, 3);
    const result = gmres(multiply(B, n), b, { tolerance: 1e-13, restart: 3 });
    expect(result.converged).toBe(true);
    expect(result.products).toBeGreaterThan(n);
    expect(relative(result.solution, denseSolve(B, n, b))).toBeLessThan(1e-11);
  });

  it('a consistent singular system (a gauge freedom): the minimum-norm solution, its residual, and the condition on the range', () => {
    // The Laplacian of a weighted cycle: symmetric, null space = the constants.
    const m = 8;
    const weights = [1, 2, 0.5, 3, 1, 1.5, 2, 0.7];
    const Lap = new Float64Array(m * m);
    for (let i = 0; i < m; i++) {
      const j = (i + 1) % m;
      const w = weights[i];
      Lap[i * m + i] += w;
      Lap[j * m + j] += w;
      Lap[i * m + j] -= w;
      Lap[j * m + i] -= w;
    }
    const z = Float64Array.from([3, -1, 2, 0.5, 4, -2, 1, 0]);
    const rhs = new Float64Array(m);
    multiply(Lap, m)(z, rhs);
    const result = gmres(multiply(Lap, m), rhs, { tolerance: 1e-13 });
    const mean = z.reduce((s, v) => s + v, 0) / m;
    const minimumNorm = z.map((v) => v - mean);
    expect(result.residual).toBeLessThan(1e-13);
    expect(relative(result.solution, minimumNorm)).toBeLessThan(1e-11);
    // The condition on the range: λ_max / λ_2 of the Laplacian (its eigenvalues, 0 excluded).
    const eigenvalues = symmetricEigenvalues(Lap, m);
    expect(Math.abs(eigenvalues[0])).toBeLessThan(1e-12);
    expect(Math.abs(result.condition - eigenvalues[m - 1] / eigenvalues[1]) / result.condition).toBeLessThan(1e-6);
  });

  it('b = 0 gives 0 without a product', () => {
    const result = gmres(multiply(A, n), new Float64Array(n));
    expect(result).toMatchObject({ residual: 0, converged: true, products: 0 });
    expect(result.solution.every((v) => v === 0)).toBe(true);
  });
});
