/**
 * Diagonal linear networks w = u ⊙ v (Even, Pesme, Flammarion): the slides' claims at a test
 * size (N = 20 Gaussian measurements of an r = 3 sparse w* in d = 40, seed 1), through the real
 * pipeline (loadProblem, createSession, executeRuns), against independent references: a
 * hand-written GD loop, the minimum-ℓ2 interpolator by a direct solve, the ℓ1 certificate.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment, createSession, executeRuns, loadProblem, type RunJob, type RunSession } from '@sgdiff/cli';
import { defaultRegistry, diagonalNetwork, gainPerCoordinate, minimumL1Interpolator, minimumL2Interpolator, networkWeights, potentialInterpolator, type DiagonalNetwork } from '@sgdiff/plugins';
import type { JobRunResult } from '@sgdiff/cli';
import { prepareKernelBackend } from '@sgdiff/core';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const SEED = 1;
const registry = defaultRegistry();
const dir = mkdtempSync(join(tmpdir(), 'diagnet-'));

interface Setup {
  readonly alpha: number;
  readonly step: number;
  readonly iterations: number;
  readonly solver: 'gd' | 'sgd';
  readonly batch?: number;
}

const source = (s: Setup): string => `dim N = 20
dim d = 40
dim r = 3
const alpha = ${s.alpha}
const log_alpha = log(alpha)
data X : R[N, d] ~ normal(0, 1)
data w_star : R[d] ~ sparse_normal(r, 1)
data y : R[N] = X @ w_star
var u : R[d] = exp(log_alpha)
var v : R[d] = 0
sample i ~ uniform(N${s.batch ? `, batch = ${s.batch}` : ''})
minimize L(u, v; i) = (X[i] . (u * v) - y[i])^2
solve ${s.solver} { iterations = ${s.iterations} step = ${s.step} reference = none }
report every log 10 { recovery_error, l1_excess, gain_l1, gain_support_share, characterization_error }
`;

let files = 0;
/** Runs `runs` runs of a setup; returns the session, the network view and the results. */
function run(s: Setup, runs = 1): { session: RunSession; net: DiagonalNetwork; results: JobRunResult[] } {
  const file = join(dir, `p${files++}.sgd`);
  writeFileSync(file, source(s));
  const loaded = loadProblem(file, registry);
  const session = createSession(loaded.problem, registry, SEED, file);
  const job: RunJob = { file, source: loaded.source, seed: SEED, plugins: [], logPoints: 10, reference: session.reference };
  const results = executeRuns(session, job, Array.from({ length: runs }, (_, r) => r));
  const net = diagonalNetwork(session.kernels.instance);
  if (!net) throw new Error('not a diagonal network');
  return { session, net, results };
}

const final = (result: JobRunResult, metric: string): number => result.trace.metrics[metric].at(-1) as number;
const dist = (a: Float64Array, b: Float64Array): number => Math.hypot(...a.map((x, j) => x - b[j]));
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

describe('sparse_normal(r, sd)', () => {
  it('plants exactly r nonzero N(0, sd²) entries, reproducibly, and reports bad arguments with positions', () => {
    const { net } = run({ alpha: 0.1, step: 0.01, iterations: 1, solver: 'gd' });
    const wStar = net.wStar as Float64Array;
    expect(wStar.filter((w) => w !== 0).length).toBe(3);
    // y = X w* exactly (computed from data): the noiseless measurements.
    for (let n = 0; n < 20; n++) {
      let s = 0;
      for (let j = 0; j < 40; j++) s += net.system.X[n * 40 + j] * wStar[j];
      expect(net.system.y[n]).toBeCloseTo(s, 12);
    }
    const env = checkEnvironment(registry);
    const bad = compileSgd('dim d = 4\ndata w : R[d] ~ sparse_normal(5, 0)\nvar x : R = 0\nminimize f(x) = x^2\n', 'bad.sgd', env).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);
    expect(bad).toEqual(["2:31 'sparse_normal' cannot place r = 5 nonzero entries in a tensor of 4 entries", "2:34 the standard deviation of 'sparse_normal' must be positive, got 0"]);
    const fractional = compileSgd('data w : R[4] ~ sparse_normal(1.5, 1)\nvar x : R = 0\nminimize f(x) = x^2\n', 'bad.sgd', env).diagnostics.map((d) => d.message);
    expect(fractional).toEqual(["the number of nonzero entries r of 'sparse_normal' must be a positive integer, got 1.5"]);
  });

  it('refuses α ≤ 0 at the declaration that takes its logarithm', () => {
    const env = checkEnvironment(registry);
    const diagnostics = compileSgd(source({ alpha: -0.1, step: 0.01, iterations: 1, solver: 'gd' }), 'bad.sgd', env).diagnostics;
    expect(diagnostics.map((d) => [d.range.start.line, d.code])).toEqual([[5, 'non-finite-constant']]);
  });
});

describe('the effective initialization', () => {
  // γ = 0.03 keeps every factor 1 − γ²g² positive; at γ = 0.4 the first steps have γ|g| > 1 on
  // some coordinates (counted below, so the case cannot pass vacuously), u² − v² changes sign there
  // and the gain is log(α²/|α_T²|), the slides' −½ log((1 − γ²g²)²) summed.
  it.each([
    { gamma: 0.03, flips: false },
    { gamma: 0.6, flips: true },
  ])('u² − v² is α² ∏(1 − γ²g²) along a hand-written GD loop at γ = $gamma, and the run matches the loop', ({ gamma, flips }) => {
    const T = 400;
    const { net, results } = run({ alpha: 0.1, step: gamma, iterations: T, solver: 'gd' });
    const { X, y, N, d } = net.system;
    const u = new Float64Array(d).fill(0.1);
    const v = new Float64Array(d);
    const logProduct = new Float64Array(d);
    let negativeFactors = 0;
    // Rounding: each update keeps u² − v² up to ε(u² + v²), which relative to |u² − v²| is large
    // after a factor near 0; the log then carries Σ_t ε(u² + v²)/|u² − v²|, accumulated here.
    const rounding = new Float64Array(d);
    for (let t = 0; t < T; t++) {
      const residual = new Float64Array(N);
      for (let n = 0; n < N; n++) {
        let s = -y[n];
        for (let j = 0; j < d; j++) s += X[n * d + j] * u[j] * v[j];
        residual[n] = s;
      }
      for (let j = 0; j < d; j++) {
        let g = 0; // ∂/∂w of (1/N) Σ (x_n·w − y_n)²
        for (let n = 0; n < N; n++) g += (2 / N) * X[n * d + j] * residual[n];
        const factor = 1 - gamma * gamma * g * g;
        if (factor < 0) negativeFactors++;
        logProduct[j] += Math.log(Math.abs(factor));
        [u[j], v[j]] = [u[j] - gamma * v[j] * g, v[j] - gamma * u[j] * g];
        rounding[j] += (Number.EPSILON * (u[j] ** 2 + v[j] ** 2)) / Math.abs(u[j] ** 2 - v[j] ** 2);
      }
    }
    const x = results[0].x;
    for (let j = 0; j < d; j++) {
      expect(x[j]).toBeCloseTo(u[j], 10);
      expect(x[d + j]).toBeCloseTo(v[j], 10);
    }
    expect(negativeFactors > 0).toBe(flips);
    const gain = gainPerCoordinate(net, x);
    // Gain_j = log(α²/|α_T²|) = −Σ_t log|1 − γ²g_t²|: finite on every coordinate, to 1e-9 absolute
    // plus 10× the accumulated rounding bound (which is below 1e-12 at γ = 0.03).
    gain.forEach((g, j) => expect(Math.abs(g + logProduct[j])).toBeLessThan(1e-9 + 10 * rounding[j]));
    const total = gain.reduce((s, g) => s + g, 0);
    expect(Number.isFinite(total)).toBe(true);
    expect(final(results[0], 'gain_l1')).toBe(total);
  });
});

describe('interpolators computed in the framework', () => {
  const { net } = run({ alpha: 0.1, step: 0.01, iterations: 1, solver: 'gd' });
  it('basis pursuit recovers w* with a duality gap below 1e-9 relative', () => {
    const l1 = minimumL1Interpolator(net.system);
    expect(l1.norm - l1.lowerBound).toBeLessThanOrEqual(1e-9 * l1.norm);
    expect(dist(l1.w, net.wStar as Float64Array)).toBeLessThan(1e-6);
  });
  it('argmin Q_β tends to the minimum-ℓ2 interpolator for large β (X w = y to 1e-9)', () => {
    const big = potentialInterpolator(net.system, new Float64Array(40).fill(1e4));
    // β² = 1e4 scales the dual's Hessian by 1e4: the residual stops at rounding, below 1e-9.
    expect(big.residual).toBeLessThan(1e-9);
    const l2 = minimumL2Interpolator(net.system);
    // Q_β(w) = ‖w‖²/(4β²) − O(w⁴/β⁶): relative deviation O(‖w‖²/β⁴) ≈ 1e-8.
    expect(dist(big.w, l2) / Math.hypot(...l2)).toBeLessThan(1e-6);
  });
});

describe('the slides’ claims (N = 20, d = 40, r = 3)', () => {
  it('(a) small steps: small α recovers w* (error < 0.025); large α gives the minimum-ℓ2 interpolator', () => {
    const small = run({ alpha: 1e-3, step: 0.02, iterations: 20000, solver: 'gd' });
    expect(final(small.results[0], 'recovery_error')).toBeLessThan(0.025);
    const large = run({ alpha: 10, step: 2e-4, iterations: 20000, solver: 'gd' });
    const l2 = minimumL2Interpolator(large.net.system);
    const w = networkWeights(large.net, large.results[0].x);
    // Kernel regime: ‖w_∞ − w_ℓ2‖/‖w_ℓ2‖ below 1% at α = 10 (it is O(‖w‖²/α⁴)).
    expect(dist(w, l2) / Math.hypot(...l2)).toBeLessThan(0.01);
    expect(final(large.results[0], 'recovery_error')).toBeGreaterThan(0.3);
  });

  it('(b) the gain is non-negative on every coordinate and grows with γ', () => {
    const gains = [0.005, 0.01, 0.02, 0.04].map((step) => {
      const { net, results } = run({ alpha: 0.1, step, iterations: 4000, solver: 'gd' });
      const gain = gainPerCoordinate(net, results[0].x);
      gain.forEach((g) => expect(g).toBeGreaterThanOrEqual(0));
      return final(results[0], 'gain_l1');
    });
    for (let j = 1; j < gains.length; j++) expect(gains[j]).toBeGreaterThan(1.5 * gains[j - 1]);
  });

  it('(c) at large steps the GD gain concentrates on supp w* while the SGD gain spreads', () => {
    // r/d = 0.075 is the share of a uniform gain.
    const gd = run({ alpha: 0.1, step: 0.08, iterations: 4000, solver: 'gd' });
    const sgd = run({ alpha: 0.1, step: 0.02, iterations: 20000, solver: 'sgd' }, 4);
    const gdShare = final(gd.results[0], 'gain_support_share');
    const sgdShares = sgd.results.map((r) => final(r, 'gain_support_share'));
    expect(gdShare).toBeGreaterThan(3 * 0.075);
    for (const share of sgdShares) expect(share).toBeLessThan(2 * 0.075);
  });

  it('(d) SGD at large steps recovers w* better than GD at large steps (mean over 4 runs)', () => {
    // Measured: GD at γ = 0.12 ends at 0.258 (and worsens with γ: 0.251 at 0.04); SGD (batch 1)
    // at γ = 0.1 at 0.19–0.20 over its 4 runs (and improves with γ: 0.239 at 0.02).
    const gd = run({ alpha: 0.1, step: 0.12, iterations: 4000, solver: 'gd' });
    const sgd = run({ alpha: 0.1, step: 0.1, iterations: 20000, solver: 'sgd' }, 4);
    const gdError = final(gd.results[0], 'recovery_error');
    const sgdErrors = sgd.results.map((r) => final(r, 'recovery_error'));
    // The spread: even the worst SGD run beats GD.
    expect(mean(sgdErrors)).toBeLessThan(0.85 * gdError);
    expect(Math.max(...sgdErrors)).toBeLessThan(gdError);
  });

  it('(e) w_∞ matches argmin_{Xw=y} Q_{α_∞/2}, far closer than argmin Q_{α/2}', () => {
    // Converged (‖∇F‖ ≈ 1e-14); the remaining gap is the O(γ³) offset δ of the characterization.
    const { net, results } = run({ alpha: 0.1, step: 0.04, iterations: 40000, solver: 'gd' });
    const x = results[0].x;
    const w = networkWeights(net, x);
    const effective = potentialInterpolator(net.system, Float64Array.from({ length: 40 }, (_, j) => (x[j] ** 2 - x[40 + j] ** 2) / 4));
    const initial = potentialInterpolator(net.system, new Float64Array(40).fill(0.01 / 4));
    const relative = (target: Float64Array): number => dist(w, target) / Math.hypot(...w);
    expect(effective.residual).toBeLessThan(1e-12);
    expect(relative(effective.w)).toBeLessThan(1e-3);
    expect(final(results[0], 'characterization_error')).toBeCloseTo(relative(effective.w), 12);
    expect(relative(initial.w)).toBeGreaterThan(10 * relative(effective.w));
  });
});
