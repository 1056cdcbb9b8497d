/**
 * Hypergradients through the real pipeline: the reference g* against finite differences of
 * ℓ(θ) = E(x*(θ), θ), the estimators against g* where theory says they are exact, reverse
 * against forward for g2, SID's convergence and the outer loop (errors on a singular Hessian are
 * in singular-reference.test.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { computeReference, ProblemKernels, type Estimator, prepareKernelBackend } from '@sgdiff/core';
import { createSession, exactReference, loadProblem, runCli, type RunSession } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const RIDGE = `dim n = 12
dim m = 5
const lambda = 0.1
data D : R[n, m] ~ normal(0, 1)
data V : R[n, m] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param x : R[n] ~ normal(0, 1)
param s : R = 0.3
var z : R[m] = 0
sample i ~ uniform(n)
minimize f(z, x, s; i) = 0.5 * (D[i] . z - x[i])^2 + 0.5 * lambda * exp(s) * norm2(z)
OUTER
solve gd { iterations = ITERATIONS step = 1 / L track = TRACK estimator = ESTIMATORS }
report every log 20 { distance, hypergradient_error }
`;

function file(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sgd-hyper-')), 'problem.sgd');
  writeFileSync(path, text);
  return path;
}

function ridge(outer: string, track: string, estimators: string, iterations = 3000): string {
  return file(RIDGE.replace('OUTER', outer).replace('TRACK', track).replace('ESTIMATORS', estimators).replace('ITERATIONS', String(iterations)));
}

/** The parts of `result.json` these tests read. */
interface RunJson {
  final: Record<string, number>;
  hypergradient: Record<string, Record<string, number[]>>;
  reference: { hypergradient: Record<string, number[]> };
  jacobian?: Record<string, Record<string, number[][]>>;
}

async function runJson(...args: string[]): Promise<{ code: number; result: RunJson; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['run', ...args, '--json'], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, result: (code === 0 ? JSON.parse(out.join('\n')) : {}) as RunJson, err: err.join('\n') };
}

function session(path: string, seed = 0): RunSession {
  const registry = defaultRegistry();
  return createSession(loadProblem(path, registry).problem, registry, seed, path);
}

const VALIDATION = 'sample j ~ uniform(n)\nouter E(z; j) = 0.5 * (V[j] . z - b[j])^2';

describe('the reference hypergradient', () => {
  it('matches central finite differences of ℓ(θ) = E(x*(θ)) (1e-6 relative)', () => {
    const s = session(ridge(VALIDATION, 'none', 'implicit'));
    const hyper = s.hyper!;
    const theta = s.kernels.instance.theta;
    const ell = (): number => hyper.estimators.outer.objective(computeReference(s.kernels, theta, s.kernels.instance.x0).x, theta);
    // ℓ is smooth; h = 1e-5 gives O(h²) ≈ 1e-10 truncation and ≈ 1e-11 rounding error.
    const h = 1e-5;
    const fd = Array.from(theta, (_, p) => {
      const keep = theta[p];
      theta[p] = keep + h;
      const up = ell();
      theta[p] = keep - h;
      const down = ell();
      theta[p] = keep;
      return (up - down) / (2 * h);
    });
    const scale = Math.max(...fd.map(Math.abs));
    const exact = hyper.reference ?? new Float64Array(0);
    fd.forEach((g, p) => expect(Math.abs(g - exact[p])).toBeLessThan(1e-6 * scale));
  });
});

describe('estimators', () => {
  it('on a quadratic, g3 is exact at every iterate and g1, g2 reach g* (value function)', async () => {
    const { code, result } = await runJson(ridge('outer value', 'forward', 'analytic, automatic, implicit', 400));
    expect(code).toBe(0);
    const first = (e: Estimator): number => result.final[`hypergradient_error_${e}`];
    expect(first('implicit')).toBeLessThan(1e-12);
    // After 400 GD steps with κ ≈ 10 the iterates are at rounding level, and so are g1 and g2.
    expect(first('analytic')).toBeLessThan(1e-10);
    expect(first('automatic')).toBeLessThan(1e-10);
    expect(Object.keys(result.reference.hypergradient)).toEqual(['x', 's']);
  });

  it('g3 by conjugate gradients equals g3 by the direct solve (1e-10 relative) without forming the Hessian', () => {
    const s = session(ridge(VALIDATION, 'none', 'implicit', 20));
    const hyper = s.hyper!;
    // An iterate far from x*, where g3 ≠ g*: x₀ + a bit of everything.
    const x = Float64Array.from(exactReference(s).x, (v, j) => v + 0.3 * Math.sin(j + 1));
    const dense = vi.spyOn(ProblemKernels.prototype, 'denseHessian');
    const direct = hyper.estimators.implicit(x, 'direct');
    expect(dense).toHaveBeenCalledTimes(1);
    const cg = hyper.estimators.implicit(x, 'cg');
    expect(dense).toHaveBeenCalledTimes(1);
    dense.mockRestore();
    const scale = Math.max(...direct.map(Math.abs));
    direct.forEach((g, p) => expect(Math.abs(g - cg[p])).toBeLessThan(1e-10 * scale));
  });

  it('g2 by one reverse pullback equals g2 from the forward Jacobian (1e-10 relative)', async () => {
    const forward = await runJson(ridge(VALIDATION, 'forward', 'automatic', 60));
    const reverse = await runJson(ridge(VALIDATION, 'reverse', 'automatic', 60), '--set', 'solve.checkpoint=sqrt');
    const f = [...forward.result.hypergradient.automatic.x, ...forward.result.hypergradient.automatic.s];
    const r = [...reverse.result.hypergradient.automatic.x, ...reverse.result.hypergradient.automatic.s];
    const scale = Math.max(...f.map(Math.abs));
    f.forEach((g, p) => expect(Math.abs(g - r[p])).toBeLessThan(1e-10 * scale));
    // After only 60 steps g2 is not yet g*: the comparison is between two ways of computing the same estimate.
    expect(forward.result.final.hypergradient_error_automatic).toBeGreaterThan(1e-8);
    // Reverse mode pulled back ∇ₓE alone: no D-sweep Jacobian was computed or reported.
    expect(reverse.result.jacobian).toBeUndefined();
    expect(Object.keys(reverse.result.final)).not.toContain('jacobian_error');
    // Unless the report line asks for jacobian_error: then ∂θx_t is built too.
    const askedFor = file(readFileSync(ridge(VALIDATION, 'reverse', 'automatic', 60), 'utf8').replace('{ distance, hypergradient_error }', '{ distance, jacobian_error, hypergradient_error }'));
    const asked = await runJson(askedFor, '--set', 'solve.checkpoint=sqrt');
    expect(asked.result.jacobian).toBeDefined();
    expect(asked.result.final.jacobian_error).toBeGreaterThan(0);
    expect(asked.result.hypergradient.automatic).toEqual(reverse.result.hypergradient.automatic);
    expect(forward.result.jacobian).toBeDefined();
  });

  it('asks for tracking when automatic is chosen without it', async () => {
    const { code, err } = await runJson(ridge('outer value', 'none', 'automatic'));
    expect(code).toBe(1);
    expect(err).toContain("estimator 'automatic' differentiates through the iterations: set track = forward or track = reverse");
  });
});

describe('SID', () => {
  // As in Grazzi et al.'s experiments, θ = s enters only the regularizer (m₂ = 0), so SID is
  // consistent; with θ in the data term its last step would keep a variance of its own.
  const regularizationOnly = (): string => ridge(VALIDATION, 'none', 'sid', 2000);
  const fix = (path: string): string => {
    const text = readFileSync(path, 'utf8')
      .replace('param x : R[n] ~ normal(0, 1)', 'data x : R[n] ~ normal(0, 1)')
      .replace('minimize f(z, x, s; i)', 'minimize f(z, s; i)')
      .replace('sample i ~ uniform(n)', 'sample i ~ uniform(n, batch = 4)');
    return file(text);
  };
  const sidErrors = async (step: string, ...flags: string[]): Promise<number[]> => {
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-sid-')), 'out');
    const { code } = await runJson(fix(regularizationOnly()), '--set', 'solve.sid_iterations=20000', '--set', `solve.sid_step=${step}`, ...flags, '--out', out);
    expect(code).toBe(0);
    return readFileSync(join(out, 'sid.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',')[1]));
  };

  it('decreasing steps converge where constant steps stall', async () => {
    // β/(γ + k) with β = 2/(1 − q²) and γ = 10β: minibatch Hessians of 4 rows are far from a
    // contraction each, so γ must exceed β(1 + σ₂) (Grazzi et al., Thm 4.2) by a margin.
    const decreasing = await sidErrors('2 / (1 - q^2) / (20 / (1 - q^2) + k)');
    const constant = await sidErrors('1');
    // Measured (seed 0): 6.6e-2 at k = 0 → 1.4e-4 at k = 2·10⁴ (decreasing); ≈ 1e-1 (constant).
    expect(decreasing[decreasing.length - 1]).toBeLessThan(decreasing[0] / 50);
    expect(constant[constant.length - 1]).toBeGreaterThan(10 * decreasing[decreasing.length - 1]);
  });

  it('draws minibatches of its own size with sid_batch: a constant step stalls lower with larger ones', async () => {
    // The plateau of a constant step scales like the noise of one product, 1/√b: 8× from the
    // sample's b = 4 to 256. Measured (seed 0): 3.9e-2 and 7.0e-3, 5.6×.
    const tail = (errors: number[]): number => errors.slice(-20).reduce((a, b) => a + b, 0) / 20;
    const small = tail(await sidErrors('1', '--set', 'solve.sid_batch=4'));
    const large = tail(await sidErrors('1', '--set', 'solve.sid_batch=256'));
    expect(small / large).toBeGreaterThan(3);
  });

  it('with sid_sampling = full is the deterministic fixed-point iteration: it reaches g* and no run differs', async () => {
    // After 3000 GD steps x_t = x* to rounding; 2000 exact steps of v ← v + ∇ₓE − α∇²F v contract by q^2000.
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-sid-full-')), 'out');
    const { code, result } = await runJson(ridge(VALIDATION, 'none', 'sid', 3000), '--set', 'solve.sid_sampling=full', '--set', 'solve.sid_iterations=2000', '--runs', '2', '--out', out);
    expect(code).toBe(0);
    expect(result.final.hypergradient_error_sid).toBeLessThan(1e-12);
    const [header, ...rows] = readFileSync(join(out, 'sid.csv'), 'utf8').trim().split('\n');
    const [q10, q90] = ['hypergradient_error_sid_q10', 'hypergradient_error_sid_q90'].map((c) => header.split(',').indexOf(c));
    for (const row of rows) expect(row.split(',')[q10]).toBe(row.split(',')[q90]);
  });
});

describe('outer loop', () => {
  /** `sgd run --out` on an outer_solve file: outer.csv's columns and result.json's outer block. */
  const outerRun = async (text: string): Promise<{ rows: Record<string, number>[]; outer: { iterations: number; theta: Record<string, number[]> } }> => {
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-outer-')), 'out');
    const code = await runCli(['run', file(text), '--out', out], { out: () => {}, err: () => {} });
    expect(code).toBe(0);
    const [header, ...lines] = readFileSync(join(out, 'outer.csv'), 'utf8').trim().split('\n');
    const names = header.split(',');
    const rows = lines.map((l) => Object.fromEntries(l.split(',').map((v, c) => [names[c], Number(v)])));
    return { rows, outer: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')).outer };
  };
  /** Ridge with the regularization weights θ as the only param, tuned on the validation loss. */
  const tuned = (param: string, regularizer: string, outerSolve: string): string =>
    RIDGE.replace('param x : R[n] ~ normal(0, 1)', 'data x : R[n] ~ normal(0, 1)')
      .replace('param s : R = 0.3', param)
      .replace('minimize f(z, x, s; i) = 0.5 * (D[i] . z - x[i])^2 + 0.5 * lambda * exp(s) * norm2(z)', `minimize f(z, s; i) = 0.5 * (D[i] . z - x[i])^2 + ${regularizer}`)
      .replace('OUTER', `${VALIDATION}\n${outerSolve}`)
      .replace('track = TRACK', 'track = none')
      .replace('ESTIMATORS', 'implicit')
      .replace('ITERATIONS', '500');

  it('gradient descent on θ decreases the exact ℓ(θ) by η‖g‖² per step, to first order', async () => {
    const { rows, outer } = await outerRun(tuned('param s : R = 0.3', '0.5 * lambda * exp(s) * norm2(z)', 'outer_solve gd { iterations = 15 step = 2 }'));
    expect(outer.iterations).toBe(15);
    // After 500 GD steps x_t = x*, so g3 = g*: the error column is at rounding.
    for (const r of rows) expect(r.hypergradient_error).toBeLessThan(1e-12);
    // ℓ(θ_{m+1}) − ℓ(θ_m) = −η‖g_m‖² + O(η²‖g‖²ℓ''): the exact values (each from its own
    // reference solve) against the reported gradient norms. Measured ratios 0.997 to 1.01.
    for (let m = 0; m + 1 < rows.length; m++) {
      const decrease = rows[m].exact_objective - rows[m + 1].exact_objective;
      expect(decrease / (rows[m].step * rows[m].hypergradient_norm ** 2)).toBeGreaterThan(0.95);
      expect(decrease / (rows[m].step * rows[m].hypergradient_norm ** 2)).toBeLessThan(1.05);
    }
    expect(rows[rows.length - 1].exact_objective).toBeLessThan(0.85 * rows[0].exact_objective);
  });

  it('mirror descent keeps θ on the simplex and decreases ℓ(θ)', async () => {
    // Two regularizers weighted by θ ∈ Δ²: toward 0 and toward 1.
    const { rows, outer } = await outerRun(
      tuned('param s : R[2] = 0.5', '0.5 * lambda * (s[0] * norm2(z) + s[1] * norm2(z - 1))', 'outer_solve mirror { iterations = 10 step = 5 }'),
    );
    const [a, b] = outer.theta.s;
    expect(a).toBeGreaterThan(0);
    expect(b).toBeGreaterThan(0);
    expect(Math.abs(a + b - 1)).toBeLessThan(1e-12);
    expect(Math.abs(a - 0.5)).toBeGreaterThan(1e-3);
    for (let m = 0; m + 1 < rows.length; m++) expect(rows[m + 1].exact_objective).toBeLessThan(rows[m].exact_objective);
  });
});
