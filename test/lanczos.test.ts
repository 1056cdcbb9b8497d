/**
 * Lanczos extreme eigenvalues against a dense eigendecomposition (ml-matrix, through
 * `symmetricEigenvalues`), and the truncated CG against a direct solve: the independent
 * references of the iterative reference's building blocks.
 */
import { describe, expect, it } from 'vitest';
import { choleskyFactor, lanczosExtremes, RandomStream, symmetricEigenvalues, truncatedConjugateGradient } from '@sgdiff/core';

/** H = AᵀA/m + shift·I for a seeded m×n Gaussian A, m = 4n: SPD, spectrum about [0.25, 2.25] + shift (Marchenko–Pastur). */
function spd(n: number, shift: number, seed: number): Float64Array {
  const stream = RandomStream.forDeclaration(seed, 'test', 'A');
  const m = 4 * n;
  const A = Float64Array.from({ length: m * n }, () => stream.normal(0, 1));
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let r = 0; r < m; r++) s += A[r * n + i] * A[r * n + j];
      H[i * n + j] = s / m + (i === j ? shift : 0);
    }
  return H;
}

function product(H: Float64Array, n: number): (v: Float64Array, into: Float64Array) => void {
  return (v, into) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < n; j++) s += H[i * n + j] * v[j];
      into[i] = s;
    }
  };
}

describe('Lanczos', () => {
  it('finds the extreme eigenvalues of a 200×200 SPD matrix within 1e-8·L of the dense eigendecomposition', () => {
    const n = 200;
    const H = spd(n, 0.05, 1);
    const dense = symmetricEigenvalues(H, n);
    const result = lanczosExtremes(product(H, n), n, { tolerance: 1e-8, maxIterations: 200 });
    const L = dense[n - 1];
    expect(result.converged).toBe(true);
    // An error bound ≤ 1e-8·L puts an eigenvalue within 1e-8·L of each Ritz value (symmetric H).
    expect(Math.abs(result.largest - L)).toBeLessThanOrEqual(1e-8 * L);
    expect(Math.abs(result.smallest - dense[0])).toBeLessThanOrEqual(1e-8 * L);
    expect(result.residual).toBeLessThanOrEqual(1e-8 * L);
    // Fewer products than the dimension: the point of it.
    expect(result.iterations).toBeLessThan(n);
  });

  it('reports non-convergence with the residual reached when stopped early', () => {
    const n = 200;
    const H = spd(n, 0.05, 2);
    const result = lanczosExtremes(product(H, n), n, { tolerance: 1e-8, maxIterations: 10 });
    expect(result.converged).toBe(false);
    expect(result.iterations).toBe(10);
    expect(result.residual).toBeGreaterThan(1e-8 * result.largest);
    // Ritz values interlace: inside the spectrum, never outside it.
    const dense = symmetricEigenvalues(H, n);
    expect(result.largest).toBeLessThanOrEqual(dense[n - 1] * (1 + 1e-12));
    expect(result.smallest).toBeGreaterThanOrEqual(dense[0] * (1 - 1e-12));
  });

  it('is exact on an invariant space: a diagonal 5×5 matrix in 5 steps', () => {
    const diagonal = [3, 1, 4, 1.5, 9];
    const result = lanczosExtremes((v, into) => v.forEach((x, i) => (into[i] = diagonal[i] * x)), 5);
    expect(result.converged).toBe(true);
    expect(Math.abs(result.smallest - 1)).toBeLessThan(1e-13);
    expect(Math.abs(result.largest - 9)).toBeLessThan(1e-13);
  });
});

describe('truncated conjugate gradients', () => {
  it('solves an SPD system to the tolerance asked, against a Cholesky solve', () => {
    const n = 100;
    const H = spd(n, 0.1, 3);
    const b = Float64Array.from({ length: n }, (_, i) => Math.sin(i + 1));
    const direct = (choleskyFactor(H, n) as NonNullable<ReturnType<typeof choleskyFactor>>).solve(b, 1);
    const cg = truncatedConjugateGradient(product(H, n), b, 1e-12, 1000);
    expect(cg.converged).toBe(true);
    expect(cg.negativeCurvature).toBe(false);
    const error = Math.hypot(...cg.x.map((v, i) => v - direct[i])) / Math.hypot(...direct);
    // κ(H) ≈ 2.35/0.35 < 10: error ≤ κ · 1e-12.
    expect(error).toBeLessThan(1e-11);
  });

  it('stops on negative curvature and says so', () => {
    const cg = truncatedConjugateGradient((v, into) => ((into[0] = v[0]), (into[1] = -v[1])), Float64Array.from([0, 1]), 1e-12, 10);
    expect(cg.negativeCurvature).toBe(true);
    expect(cg.converged).toBe(false);
    expect(cg.relativeResidual).toBe(1);
  });
});
