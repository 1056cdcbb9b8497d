/**
 * The reference on problems whose Hessian is not positive definite: a singular positive
 * semidefinite Hessian gives the minimum-norm minimizer and Jacobian with a warning (checked
 * against closed forms); an indefinite one its stationary point, not certified; an implicit solve
 * on a singular Hessian stops the run with a positioned message, in one thread and in workers.
 */
import { describe, expect, it } from 'vitest';
import { createSession, exactReference, loadProblem, registryWith, runCli } from '@sgdiff/cli';
import type { Reference } from '@sgdiff/core';
import { sgd, sgdFile } from './support/cli.ts';
import { prepareKernelBackend } from '@sgdiff/core';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const file = (text: string): string => sgdFile(text, 'sgd-singular-');

async function sessionOf(text: string): Promise<{ reference: Reference }> {
  const registry = await registryWith([]);
  const path = file(text);
  return { reference: exactReference(createSession(loadProblem(path, registry).problem, registry, 0, path)) };
}


describe('a singular positive semidefinite Hessian', () => {
  it('quadratic of rank 1: x* and ∂θx* are the minimum-norm solutions (t/2, t/2) and (1/2, 1/2)', async () => {
    // F = ½(x₀ + x₁ − t)²: H = [[1, 1], [1, 1]], ∇²ₓₜF = (−1, −1); H⁺ = H/4.
    const { reference } = await sessionOf(`var x : R[2] = 0
param t : R = 1.5
minimize f(x, t) = 0.5 * (x[0] + x[1] - t)^2
solve gd { iterations = 10 }
`);
    expect(reference.singular).toBe(true);
    expect(reference.certified).toBe(false);
    expect(reference.warning).toMatch(/^the Hessian at x\* is singular \(rank 1 of 2, eigenvalues from .* to 2\.000e\+0\)/);
    [...reference.x].forEach((v) => expect(Math.abs(v - 0.75)).toBeLessThan(1e-15));
    [...reference.jacobian].forEach((v) => expect(Math.abs(v - 0.5)).toBeLessThan(1e-15));
    expect(reference.mu).toBe(0);
    expect(reference.kappa).toBe(Infinity);
    expect(Math.abs(reference.L - 2)).toBeLessThan(1e-15);
  });

  it('gives q = (L − μ)/(L + μ) = 1 when μ = 0, not ∞/∞', async () => {
    // step = 2 − q: 1 with q = 1, NaN (a diverged run, exit 2) with q = ∞/∞.
    const path = file(`var x : R[2] = 0
param t : R = 1.5
minimize f(x, t) = 0.25 * (x[0] + x[1] - t)^2
solve gd { iterations = 5 step = 2 - q }
`);
    const err: string[] = [];
    const out: string[] = [];
    const code = await runCli(['run', path, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
    expect(code).toBe(0);
    expect(JSON.parse(out.join('')).final.step).toBe(1);
  });

  it('quartic: minimum-norm Newton steps converge to the minimizer nearest the start', async () => {
    // F = ¼(x₀ + x₁ − t)⁴, Hessian 3r²·[[1, 1], [1, 1]] (rank 1 everywhere): from x₀ = 0 the
    // minimum-norm steps stay on the diagonal and shrink the residual r by 2/3 each.
    const { reference } = await sessionOf(`var x : R[2] = 0
param t : R = 1.5
minimize f(x, t) = 0.25 * (x[0] + x[1] - t)^4
solve gd { iterations = 10 }
`);
    expect(reference.singular).toBe(true);
    expect(reference.x[0]).toBe(reference.x[1]);
    // ‖∇F‖ = √2 |r|³ at rounding level leaves |r| ≈ 1e-5; 2/3 per step from r = 1.5 takes ~ 30 steps.
    expect(Math.abs(reference.x[0] + reference.x[1] - 1.5)).toBeLessThan(3e-5);
    expect(reference.newtonSteps).toBeGreaterThan(20);
  });
});

describe('an indefinite Hessian', () => {
  // F = ½x₀² − ½x₁² + t x₀ (+ 0·x₂): a saddle at (−t, 0, 0), Hessian diag(1, −1, 0).
  const saddle = `var x : R[3] = 0
param t : R = 1
minimize f(x, t) = 0.5 * x[0]^2 - 0.5 * x[1]^2 + t * x[0]
solve gd { iterations = 10 }
`;

  it('singular too: the minimum-norm stationary point, a warning, and the run goes on without the metrics against x*', async () => {
    const path = file(saddle);
    const { code, err } = await sgd('run', path);
    expect(code).toBe(0);
    const why = 'the Hessian at the reference point is not positive definite (rank 2 of 3, eigenvalues from -1.000e+0 to 1.000e+0): x* may not be a strict minimizer';
    expect(err).toBe(
      `${path}: warning: reference not certified: ${why}\n` +
        `${path}: warning: metrics left out of the trace: suboptimality, distance (the reference is not certified (${why}))`,
    );
    const { reference } = await sessionOf(saddle);
    expect([...reference.x]).toEqual([-1, 0, 0]);
  });

  it('nonsingular: the stationary point, not certified', async () => {
    const { reference } = await sessionOf(saddle.replace('var x : R[3]', 'var x : R[2]'));
    expect(reference.certified).toBe(false);
    expect(reference.singular).toBe(false);
    expect(reference.warning).toMatch(/not positive definite \(rank 2 of 2, eigenvalues from -1\.000e\+0 to 1\.000e\+0\)/);
    expect([...reference.x]).toEqual([-1, 0]);
  });
});

describe('an implicit solve by conjugate gradients on an indefinite Hessian', () => {
  it('names the eigenvalues and the condition estimate, as the direct solve does', async () => {
    // ∇ₓE = (1, 1) has zero curvature under H = diag(1, −1): CG stops at once.
    const path = file(`var x : R[2] = 0
param t : R = 1
minimize f(x, t) = 0.5 * x[0]^2 - 0.5 * x[1]^2 + t * x[0]
outer E(x, t) = x[0] + x[1]
solve gd { iterations = 10 estimator = implicit linear_solver = cg }
`);
    const { code, err } = await sgd('run', path);
    expect(code).toBe(1);
    expect(err).toContain(`${path}: error: implicit hypergradient: the Hessian is indefinite (smallest eigenvalue -1.000e+0, largest 1.000e+0, condition estimate 1.00e+0)`);
  });
});

describe('an implicit solve on a singular Hessian in worker threads', () => {
  it('is the same positioned error as in one thread (not an internal error)', async () => {
    const path = file(`var x : R[2] = 0
param t : R = 1
minimize f(x, t) = 0.5 * (x[0] - t)^2
outer value
solve gd { iterations = 10 estimator = implicit }
`);
    const one = await sgd('run', path);
    const two = await sgd('run', path, '--runs', '2', '--workers', '2');
    expect(one.code).toBe(1);
    expect(two.code).toBe(1);
    expect(one.err).toMatch(/: error: implicit hypergradient: the Hessian is singular or nearly so \(smallest eigenvalue .*condition estimate ∞\)$/);
    expect(one.err).toContain(`${path}: error: `);
    expect(one.err).not.toContain('NaN');
    expect(two.err).toBe(one.err);
  });
});
