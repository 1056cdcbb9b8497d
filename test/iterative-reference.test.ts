/**
 * The iterative reference against the exact one on the small version of
 * examples/large/logistic-20000.sgd (n = 100, m = 50, d = 300, P = 100): x* by Newton–CG against
 * the dense Newton solve, μ and L by Lanczos against the dense eigendecomposition, g* by one CG
 * solve against the dense ∂θx*, and J*·u along the sketch's directions against the dense J* times
 * the same u. Then the mode choice: the budget, `reference = exact` over it (a positioned
 * error), and the metrics left out of the trace with one warning when the reference is missing.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeIterativeReference, jacobianSketch, LANCZOS_TOLERANCE, type IterativeReference, prepareKernelBackend } from '@sgdiff/core';
import {createSession, exactReference, loadProblem, parseOverride, referenceHypergradient, type RunSession } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { sgd, sgdFile } from './support/cli.ts';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const LARGE = 'examples/large/logistic-20000.sgd';
const SMALL = ['dim.n=100', 'dim.m=50', 'dim.d=300'];

function sessionOf(file: string, sets: readonly string[]): RunSession {
  const registry = defaultRegistry();
  return createSession(loadProblem(file, registry, sets.map(parseOverride)).problem, registry, 0, file);
}

function relative(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let j = 0; j < a.length; j++) {
    d += (a[j] - b[j]) ** 2;
    n += b[j] ** 2;
  }
  return Math.sqrt(d / n);
}

describe('the iterative reference against the exact one (d = 300)', () => {
  const exactSession = sessionOf(LARGE, [...SMALL, 'solve.reference=exact']);
  const exact = exactReference(exactSession);
  const { kernels } = exactSession;
  const theta = kernels.instance.theta;
  const iterative: IterativeReference = computeIterativeReference(kernels, theta, kernels.instance.x0, { seed: 0, jacobian: true });

  it('is certified, and x* by Newton–CG equals the dense Newton solve to 1e-10', () => {
    expect(exact.certified).toBe(true);
    expect(iterative.certified).toBe(true);
    expect(iterative.warning).toBeUndefined();
    expect(relative(iterative.x, exact.x)).toBeLessThan(1e-10);
    expect(Math.abs(iterative.objective - exact.objective)).toBeLessThan(1e-14 * Math.abs(exact.objective) + 1e-15);
  });

  it('has μ and L within LANCZOS_TOLERANCE·L = 1e-6·L of the dense eigendecomposition (the Lanczos error bound)', () => {
    expect(iterative.lanczos.start.converged).toBe(true);
    expect(Math.abs(iterative.L - exact.L)).toBeLessThanOrEqual(LANCZOS_TOLERANCE * exact.L);
    expect(Math.abs(iterative.mu - exact.mu)).toBeLessThanOrEqual(LANCZOS_TOLERANCE * exact.L);
    // The bound it reports holds: each within the bound of the dense value.
    expect(Math.abs(iterative.mu - exact.mu)).toBeLessThanOrEqual(iterative.lanczos.start.residual);
    // Far fewer products than the D = 300 a dense Hessian costs.
    expect(iterative.lanczos.start.iterations).toBeLessThan(150);
  });

  it('gives J*·u along 8 Gaussian directions equal to the dense ∂θx* times u to 1e-9', () => {
    const sketch = iterative.jacobianSketch as NonNullable<IterativeReference['jacobianSketch']>;
    const D = kernels.dimension;
    const P = kernels.parameters;
    expect(P).toBe(100);
    expect(sketch.kind).toBe('gaussian');
    expect(sketch.count).toBe(8);
    expect(sketch.converged).toBe(true);
    for (let i = 0; i < sketch.count; i++) {
      const u = sketch.directions.subarray(i * P, (i + 1) * P);
      const dense = new Float64Array(D);
      for (let p = 0; p < P; p++) for (let r = 0; r < D; r++) dense[r] += exact.jacobian[p * D + r] * u[p];
      expect(relative(sketch.products.subarray(i * D, (i + 1) * D), dense)).toBeLessThan(1e-9);
    }
    // The same directions again from the same seed: reproducible.
    expect(jacobianSketch(kernels, iterative.x, theta, 0).directions).toEqual(sketch.directions);
  });

  it('gives g* by one CG solve equal to g* from the dense ∂θx* to 1e-9', () => {
    const hyper = exactSession.hyper as NonNullable<RunSession['hyper']>;
    const byCg = referenceHypergradient(exactSession.problem, hyper.estimators, iterative, LARGE);
    expect(byCg?.converged).toBe(true);
    expect(relative(byCg?.value ?? [], hyper.reference ?? [])).toBeLessThan(1e-9);
  });
});

const tempFile = (text: string): string => sgdFile(text, 'sgd-reference-');

/** Ridge regression with D = 300 unknowns: 32·D² = 2.75 MiB for the exact reference. */
const RIDGE = `dim n = 40
dim d = 300
data A : R[n, d] ~ normal(0, 0.1)
data b : R[n] ~ normal(0, 1)
param s : R[2] = 0.5
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, s; i) = 0.5 * (A[i] . x - b[i])^2 + 0.5 * s[0] * norm2(x) + 0.1 * s[1] * sum(x)
solve gd {
  iterations = 50
  step = 1                      # not 1 / L: the same steps whichever way L is computed
  track = forward
  REFERENCE
}
`;

describe('choosing the reference', () => {
  it('reference = exact over the budget is a positioned error naming D, the bytes needed and the budget', async () => {
    const path = tempFile(RIDGE.replace('REFERENCE', 'reference = exact\n  reference_budget = 2'));
    const r = await sgd('check', path);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain(`${path}:13:15: error: reference = exact needs the dense Hessian of D = 300 unknowns: 2.75 MiB`);
    expect(r.err).toContain('over the budget of 2 MiB');
  });

  it('automatic picks iterative above the budget and exact within it; result.json says which, with the directions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgd-reference-out-'));
    const over = await sgd('run', tempFile(RIDGE.replace('REFERENCE', 'reference_budget = 2')), '--out', join(dir, 'a'));
    expect(over.code).toBe(0);
    expect(over.out).toContain('reference: iterative, Newton-CG');
    const iterative = JSON.parse(readFileSync(join(dir, 'a', 'result.json'), 'utf8'));
    expect(iterative.reference.mode).toBe('iterative');
    expect(iterative.reference.jacobian).toBeUndefined();
    // P = 2 ≤ 8: the unit directions, so jacobian_error is the exact Frobenius norm.
    expect(iterative.reference.iterative.jacobianDirections.kind).toBe('unit');
    expect(iterative.reference.iterative.jacobianDirections.count).toBe(2);
    const within = await sgd('run', tempFile(RIDGE.replace('REFERENCE', 'reference_budget = 3')), '--out', join(dir, 'b'));
    const exact = JSON.parse(readFileSync(join(dir, 'b', 'result.json'), 'utf8'));
    expect(within.out).toContain('reference: exact linear solve');
    expect(exact.reference.mode).toBeUndefined();
    // The same run measured against both: the metrics agree. J* by CG solves to a relative
    // residual of 1e-11 is within about κ·1e-11 of the dense one (measured 2.9e-12 here, where
    // the run's own error is 1.5e-13), so jacobian_error is compared to 1e-10 absolutely.
    expect(Math.abs(iterative.final.jacobian_error - exact.final.jacobian_error)).toBeLessThan(1e-10);
    for (const m of ['suboptimality', 'distance', 'gradient_norm']) {
      expect(Math.abs(iterative.final[m] - exact.final[m]), `${m}: ${iterative.final[m]} vs ${exact.final[m]}`).toBeLessThanOrEqual(1e-8 * Math.abs(exact.final[m]) + 1e-12);
    }
  });

  it('reference = none leaves the metrics that need x* out of the trace, with one warning', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-reference-none-')), 'out');
    const r = await sgd('run', tempFile(RIDGE.replace('REFERENCE', 'reference = none')), '--out', out);
    expect(r.code).toBe(0);
    const warnings = r.err.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('metrics left out of the trace: suboptimality, distance, jacobian_error (reference = none)');
    expect(readFileSync(join(out, 'trace.csv'), 'utf8').split('\n')[0]).toBe('k,gradient_norm,step');
    const document = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    expect(Object.keys(document.final)).toEqual(['gradient_norm', 'step']);
    expect(document.reference.mode).toBe('none');
  });

  it('an uncertified reference on a non-convex problem: the metrics against x* are left out, not computed', async () => {
    // A saddle: F = x0² − x1² + x1⁴/4 from x₀ = 0 (Newton stays at the stationary point 0).
    const saddle = `var x : R[2] = 0
minimize f(x) = x[0]^2 - x[1]^2 + 0.25 * x[1]^4
solve gd { iterations = 10 step = 0.1 }
`;
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-reference-saddle-')), 'out');
    const r = await sgd('run', tempFile(saddle), '--out', out);
    expect(r.code).toBe(0);
    expect(r.err).toContain('metrics left out of the trace: suboptimality, distance (the reference is not certified');
    expect(readFileSync(join(out, 'trace.csv'), 'utf8').split('\n')[0]).toBe('k,gradient_norm,step');
    // The iterative reference finds the same: Lanczos at x* = 0 sees the eigenvalue −2 of diag(2, −2).
    const iterative = await sgd('run', tempFile(saddle.replace('step = 0.1', 'step = 0.1 reference = iterative')));
    expect(iterative.code).toBe(0);
    expect(iterative.err).toMatch(/reference not certified: the Hessian at x\* is not positive definite \(Lanczos smallest eigenvalue -2\.000e\+0/);
    expect(iterative.err).toContain('metrics left out of the trace: suboptimality, distance');
  });
});
