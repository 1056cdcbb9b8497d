/**
 * Ablin, Peyré, Moreau (ICML 2020), "Super-efficiency of automatic differentiation for
 * functions defined as a minimum", reproduced with the files of examples/superefficiency/:
 *
 * - Fig. 2a/2b (GD, ridge and logistic): g1 converges at the linear rate of the iterates, g2 and
 *   g3 at about twice that rate; on ridge g3 is exact at every iterate.
 * - Prop. 3.8 (quadratic, constant step, z₀ independent of x): g2 after t steps is g1 after 2t.
 * - Fig. 2c (least mean 4th power, D Dᵀ = I): |g1| ~ t^{-3/2}, |g2| ~ t^{-3}.
 * - Fig. 3 (SGD, logistic): the plateau of g1 scales like √ρ and those of g2, g3 like ρ; with
 *   ρ_t = t^{-0.8}, g1 decays like t^{-0.4} and g2, g3 faster.
 *
 * The paper's z is the var z (the inner variable), its x the param x. Tolerances are stated and
 * justified at each assertion; the measured values are in examples/superefficiency/README.md.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { drawInstance, HypergradientEstimators, runSolver, type RunObserver, type RunView, prepareKernelBackend } from '@sgdiff/core';
import { createSession, loadProblem, parseOverride, registrySourceReader, registryWith, runCli } from '@sgdiff/cli';
import { linearRate, logLogSlope, readTrace, type Trace } from '../examples/superefficiency/analysis.ts';
import { plateauAt, plateauSlopes } from '../examples/superefficiency/sweep.ts';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const DIR = 'examples/superefficiency';
const ORTHONORMAL = './examples/plugins/orthonormal.ts';
const G1 = 'hypergradient_error_analytic';
const G2 = 'hypergradient_error_automatic';
const G3 = 'hypergradient_error_implicit';

function scratch(): string {
  return mkdtempSync(join(tmpdir(), 'sgd-superefficiency-'));
}

/** `sgd run FILE ARGS --out DIR` in process; the trace and result.json. */
async function run(file: string, ...args: string[]): Promise<{ trace: Trace; result: { reference: { certified: boolean; singular?: boolean; hypergradient: Record<string, number[]> }; final: Record<string, number> }; err: string }> {
  const out = join(scratch(), 'out');
  const err: string[] = [];
  const code = await runCli(['run', file, ...args, '--out', out], { out: () => {}, err: (s) => err.push(s) });
  expect(code, err.join('\n')).toBe(0);
  return { trace: readTrace(out), result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')), err: err.join('\n') };
}

/** A copy of an example with some text replaced (e.g. fewer record points for the test). */
function variant(name: string, edits: Array<[string, string]>): string {
  let text = readFileSync(join(DIR, name), 'utf8');
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`${name} has no '${from}'`);
    text = text.replace(from, to);
  }
  const path = join(scratch(), name);
  writeFileSync(path, text);
  return path;
}

describe('Fig. 2a: ridge regression, GD with step 1/L', () => {
  it('g1 converges at the rate of the iterates, g2 at twice that rate, g3 is exact at every iterate', async () => {
    const { trace } = await run(join(DIR, 'ridge.sgd'));
    // Windows by value: above the rounding floor (1e-13 of errors of order 0.1) and past the
    // first iterations. Because g2_t = g1_{2t} on a quadratic (Prop. 3.8), g2's points in the
    // window are g1's at half the iterations, so the ratio is 2 up to the record grid.
    const g1 = linearRate(trace, G1, 1e-12, 1e-3);
    const g2 = linearRate(trace, G2, 1e-12, 1e-3);
    const z = linearRate(trace, 'distance', 1e-10, 1e-2);
    expect(g1.points).toBeGreaterThan(50);
    expect(g2.points).toBeGreaterThan(50);
    // g1 = −D(z_t − z*)/n: the same contraction as the iterates, within 10% (the slowest modes
    // of z_t − z* in the null space of D decay at 1 − λ/L and do not reach g1).
    expect(Math.abs(g1.rate / z.rate - 1)).toBeLessThan(0.1);
    // Ratio 2 within 5%: exact in theory (see above), 5% for the fit over a discrete grid.
    expect(g2.rate / g1.rate).toBeGreaterThan(1.9);
    expect(g2.rate / g1.rate).toBeLessThan(2.1);
    // g3 at rounding level at every recorded iterate (‖g*‖ ≈ 0.1, so 1e-15 is ~100 ulps).
    expect(Math.max(...trace.columns[G3])).toBeLessThan(1e-15);
  });
});

describe('Fig. 2b: regularized logistic regression, GD with step 1/L', () => {
  it('g2 and g3 converge about twice as fast as g1', async () => {
    // 200 record points instead of 2000 keep the test short (each one computes g3 by a dense solve).
    const file = variant('logistic.sgd', [['report every log 2000', 'report every log 200']]);
    const { trace, result } = await run(file);
    expect(result.reference.certified).toBe(true);
    const g1 = linearRate(trace, G1, 1e-9, 1e-3);
    const g2 = linearRate(trace, G2, 1e-9, 1e-3);
    const g3 = linearRate(trace, G3, 1e-9, 1e-3);
    const z = linearRate(trace, 'distance', 1e-7, 1e-1);
    [g1, g2, g3].forEach((g) => expect(g.points).toBeGreaterThan(15));
    expect(Math.abs(g1.rate / z.rate - 1)).toBeLessThan(0.15);
    // Eq. (13) gives κ^t against t κ^{2t} (ratio 2, the factor t aside); F is not quadratic,
    // so the ratio is not exactly 2: measured 2.17 with seed 0 (rates 0.00530 and 0.01149 per
    // step). Accepted [1.7, 2.3], i.e. "about twice as fast" within 15%.
    expect(g2.rate / g1.rate).toBeGreaterThan(1.7);
    expect(g2.rate / g1.rate).toBeLessThan(2.3);
    // g3 = O(κ^{2t}) without the factor t: at least as fast as g2 (5% slack for the fit).
    expect(g3.rate).toBeGreaterThan(0.95 * g2.rate);
  });
});

/** Records g1 and g2 themselves (not their errors) at every recorded iterate. */
class EstimateRecorder implements RunObserver {
  readonly metrics = [];
  readonly g1 = new Map<number, Float64Array>();
  readonly g2 = new Map<number, Float64Array>();
  constructor(private readonly estimators: HypergradientEstimators) {}
  record(view: RunView): number[] {
    this.g1.set(view.k, this.estimators.analytic(view.x));
    this.g2.set(view.k, this.estimators.automatic(view.x, view.forward!.jacobian()));
    return [];
  }
}

function distanceOf(a: Float64Array, b: Float64Array): number {
  return Math.sqrt(a.reduce((s, v, j) => s + (v - b[j]) ** 2, 0));
}

describe('Prop. 3.8: on a quadratic, g2 after t steps equals g1 after 2t steps', () => {
  const cases: Array<{ name: string; edits: Array<[string, string]>; overrides: string[] }> = [
    { name: 'z₀ = 0, step 1/L (Fig. 2a)', edits: [], overrides: [] },
    // The identity needs only a constant step and a z₀ that does not depend on x.
    { name: 'z₀ ~ N(0, I), step 0.5/L', edits: [['var z : R[m] = 0', 'var z : R[m] ~ normal(0, 1)']], overrides: ['solve.step=0.5 / L'] },
  ];
  for (const c of cases) {
    it(`${c.name}: ‖g2_t − g1_2t‖ ≤ 1e-10 ‖g1_2t − g*‖ for t ≤ 40`, async () => {
      const registry = await registryWith([]);
      const file = variant('ridge.sgd', c.edits);
      const { problem } = loadProblem(file, registry, c.overrides.map(parseOverride));
      const session = createSession(problem, registry, 0, file);
      const hyper = session.hyper!;
      const recorder = new EstimateRecorder(hyper.estimators);
      const recordAt = Array.from({ length: 81 }, (_, k) => k);
      runSolver(session.program, session.kernels, session.reference, { ...session.settings, iterations: 80, seed: 0, run: 0, recordAt, observers: [recorder] }, problem.builder.functions);
      for (let t = 0; t <= 40; t++) {
        const g2t = recorder.g2.get(t)!;
        const g12t = recorder.g1.get(2 * t)!;
        // Relative to the error of g1_2t (≥ 1e-3 here), not to ‖g*‖: the identity is about the errors.
        expect(distanceOf(g2t, g12t)).toBeLessThanOrEqual(1e-10 * distanceOf(g12t, hyper.reference!));
      }
      // Not trivially true: g2_t differs from g1_t.
      expect(distanceOf(recorder.g2.get(20)!, recorder.g1.get(20)!)).toBeGreaterThan(1e-3 * distanceOf(recorder.g1.get(20)!, hyper.reference!));
    });
  }
});

describe('Fig. 2c: least mean 4th power with D Dᵀ = I, GD', () => {
  it('the orthonormal data source gives D Dᵀ = I', async () => {
    const registry = await registryWith([ORTHONORMAL]);
    const { problem } = loadProblem(join(DIR, 'pth-power.sgd'), registry);
    const D = drawInstance(problem, 0, registrySourceReader(registry)).values.get('D')!;
    const [n, m] = [5, 10];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let k = 0; k < m; k++) dot += D[i * m + k] * D[j * m + k];
        expect(Math.abs(dot - (i === j ? 1 : 0))).toBeLessThan(1e-14);
      }
  });

  it('n = 5, m = 10 (the paper), g* = 0: slopes −3/2 for g1 and −3 for g2 (±0.15, last decade)', async () => {
    const { trace, result, err } = await run(join(DIR, 'pth-power.sgd'), '--plugin', ORTHONORMAL);
    // With m > n the Hessian of F has rank n at every z: x* is one minimizer of a subspace, the
    // reference says so; g* is g3 at z* (minimum-norm solve), 0 to rounding as g3 is for every z.
    expect(result.reference.certified).toBe(false);
    expect(result.reference.singular).toBe(true);
    expect(err).toMatch(/warning: reference not certified: the Hessian at x\* is singular \(rank 5 of 10/);
    expect(Math.max(...result.reference.hypergradient.x.map(Math.abs))).toBeLessThan(1e-20);
    // The asymptotic regime r_t ~ (ρ(p−2)t)^{-1/2} (1 + O(log t / t)) needs t ≫ x_max²/x_min²
    // for the smallest |x_i| (≈ 0.07 against 1.3 here): the slopes over the decade [1e3, 1e4]
    // are still −1.44 and −2.56; over [1e4, 1e5] they are −1.49 and −2.95.
    expect(Math.abs(logLogSlope(trace, G1, 1e4) + 1.5)).toBeLessThan(0.15);
    expect(Math.abs(logLogSlope(trace, G2, 1e4) + 3)).toBeLessThan(0.15);
    expect(Math.abs(logLogSlope(trace, 'distance', 1e4) + 0.5)).toBeLessThan(0.05);
  });

  it('n = m = 5 (reference certified): the same slopes, the same errors as m = 10', async () => {
    const { trace, result } = await run(join(DIR, 'pth-power-square.sgd'), '--plugin', ORTHONORMAL);
    expect(result.reference.certified).toBe(true);
    // Newton converges linearly to z* (factor 2/3 on the residual): g* is 0 to rounding.
    expect(Math.max(...result.reference.hypergradient.x.map(Math.abs))).toBeLessThan(1e-20);
    expect(Math.abs(logLogSlope(trace, G1, 1e4) + 1.5)).toBeLessThan(0.15);
    expect(Math.abs(logLogSlope(trace, G2, 1e4) + 3)).toBeLessThan(0.15);
    // The residual r_t = x − D z_t and g1, g2 depend on D only through D Dᵀ = I (the proof of
    // Prop. 3.9), and x is drawn from the same stream: the errors match those of m = 10.
    const over = (await run(join(DIR, 'pth-power.sgd'), '--plugin', ORTHONORMAL)).trace;
    trace.k.forEach((k, j) => {
      const at = over.k.indexOf(k);
      if (at < 0) return;
      expect(Math.abs(trace.columns[G1][j] / over.columns[G1][at] - 1)).toBeLessThan(1e-8);
      expect(Math.abs(trace.columns[G2][j] / over.columns[G2][at] - 1)).toBeLessThan(1e-6);
    });
  });
});

describe('Fig. 3a: SGD with a constant step ρ, noise level against ρ', () => {
  it('plateau ∝ √ρ for g1 and ∝ ρ for g2, g3 (log–log slopes 1/2 and 1)', async () => {
    // ρ ∈ {0.01, 0.02, 0.04}, t = 900/ρ steps (≈ 30/(ρμ): the transient of z_t and J_t is gone by
    // t/2), plateau = mean over the runs and over the record points in the second half.
    const rows = [];
    for (const rho of [0.01, 0.02, 0.04]) rows.push(await plateauAt(rho, 3, Math.ceil(900 / rho), join(scratch(), 'out')));
    const slopes = plateauSlopes(rows);
    // With 10 runs and ρ ∈ [0.00125, 0.04] the README measures 0.50, 1.03, 1.02. Here 3 runs over a
    // factor 4 in ρ: a 10% error on one plateau moves a slope by ln(1.1)/ln(4) ≈ 0.07, so ±0.15.
    // Above ρ ≈ 0.08 the plateaus of g2, g3 bend up (higher-order terms, README), hence ρ ≤ 0.04.
    expect(Math.abs(slopes.analytic - 0.5)).toBeLessThan(0.15);
    expect(Math.abs(slopes.automatic - 1)).toBeLessThan(0.15);
    expect(Math.abs(slopes.implicit - 1)).toBeLessThan(0.15);
    expect(Math.abs(slopes.distance - 0.5)).toBeLessThan(0.15);
  });
});

describe('Fig. 3b: SGD with ρ_t = t^{-0.8}', () => {
  it('g1 decays like the iterates, about t^{-0.4}; g2 and g3 faster, g3 well below g1', async () => {
    const { trace, result } = await run(join(DIR, 'sgd-decreasing-step.sgd'), '--runs', '4', '--set', 'solve.iterations=30000');
    expect(trace.columns[`${G1}_q10`]).toBeDefined();
    const slope = (column: string): number => logLogSlope(trace, column, 3000);
    // The rates of Prop. 3.7 are asymptotic: they need μ ρ_t t ≫ 1, i.e. t^{0.2} ≫ 1/μ ≈ 30,
    // far beyond 3·10⁴ (or the README's 10⁵) steps; over [3·10³, 3·10⁴] with seed 0 and 4 runs
    // the slopes are g1 −0.38, g2 −0.63, g3 −0.70 (seeds 1 and 2: README). Asserted: g1 within
    // 0.15 of −0.4; g2 and g3 steeper than g1 by at least 0.15; g3 at least 3× below g1 at the end.
    expect(Math.abs(slope(G1) + 0.4)).toBeLessThan(0.15);
    expect(slope(G2)).toBeLessThan(slope(G1) - 0.15);
    expect(slope(G3)).toBeLessThan(slope(G1) - 0.15);
    expect(result.final[G3]).toBeLessThan(result.final[G1] / 3);
  });
});
