/**
 * The MNIST experiment of Grazzi, Pontil, Salzo (AISTATS 2021), Section 6, on a reduced budget:
 * examples/hypergradients/mnist-per-feature.sgd (one regularization λ_l = e^{ε_l}, ε_l ~ U[−2, 2],
 * per pixel) with the first 500 instead of 5000 training and validation digits, so that the
 * exact reference (Newton and a direct solve with 784 × 784 dense Hessians, which sgdiff builds
 * column by column from Hessian–vector products) costs about 25 s per run instead of 2.5 min.
 * Everything else is the example: t = k = 3000 fixed-point steps on minibatches of 50, α = 2/(L + μ),
 * 3 Monte Carlo runs, seed 0. Two `sgd run`s: Stoch const (η = 1) and Stoch dec
 * (η_k = β/(γ + k), β = γ = 2/(1 − q²), for the lower level and for SID's linear system).
 *
 * Claims (the paper's Thm 4.1 vs 4.2 and Thm 3.4 with m₂ = 0):
 * 1. SID's error ‖ĝ_k − ∇f‖ decreases from ‖∇f‖ (k = 0: v₀ = 0, ĝ₀ = 0);
 * 2. Stoch const plateaus (last-decade log–log slope ≈ 0) while Stoch dec keeps decreasing
 *    (negative slope), and ends below it;
 * 3. Stoch dec's estimate agrees with the reference hypergradient.
 *
 * The numbers measured when the thresholds were chosen are quoted next to each assertion
 * (seed 0, 500 digits); the same quantities at full size (5000 digits, 10 runs) are in
 * examples/hypergradients/README.md. The runs are deterministic for a seed (bit-identical for
 * any number of workers), so the margins guard against changes of the code, not against luck.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@sgdiff/cli';

const EXAMPLE = 'examples/hypergradients/mnist-per-feature.sgd';
const DECREASING = '2 / (1 - q^2) / (2 / (1 - q^2) + k)';

/** The parts of `result.json` this test reads. */
interface RunJson {
  final: Record<string, number>;
  hypergradient: { sid: { lam: number[] } };
  reference: { hypergradient: { lam: number[] }; kappa: number; certified: boolean };
}

/** One `sgd run --out`: SID's mean error trace (sid.csv) and result.json. */
interface SidRun {
  k: number[];
  error: number[];
  result: RunJson;
}

async function run(path: string, ...flags: string[]): Promise<SidRun> {
  const out = join(mkdtempSync(join(tmpdir(), 'sgd-mnist-')), 'run');
  const err: string[] = [];
  const code = await runCli(['run', path, '--runs', '3', '--out', out, ...flags], { out: () => undefined, err: (s) => err.push(s) });
  expect(err.join('\n')).toBe('');
  expect(code).toBe(0);
  const [header, ...lines] = readFileSync(join(out, 'sid.csv'), 'utf8').trim().split('\n');
  expect(header.split(',').slice(0, 2)).toEqual(['k', 'hypergradient_error_sid']);
  const rows = lines.map((l) => l.split(',').map(Number));
  return { k: rows.map((r) => r[0]), error: rows.map((r) => r[1]), result: JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as RunJson };
}

/** Least-squares slope of log(error) against log(k) over the last decade, k ≥ k_max/10. */
function lastDecadeSlope({ k, error }: SidRun): number {
  const kMax = k[k.length - 1];
  const points = k.map((kk, j) => [Math.log(kk), Math.log(error[j])]).filter((_, j) => k[j] >= kMax / 10);
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const my = points.reduce((s, p) => s + p[1], 0) / points.length;
  const sxy = points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0);
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxy / sxx;
}

const norm = (v: readonly number[]): number => Math.hypot(...v);

describe('SID on MNIST odd/even, one λ per pixel (Grazzi et al. 2021, reduced)', () => {
  let constant: SidRun;
  let decreasing: SidRun;
  let gStar: number[];

  beforeAll(async () => {
    constant = await run(EXAMPLE, '--set', 'dim.n=500');
    decreasing = await run(EXAMPLE, '--set', 'dim.n=500', '--set', `solve.step=${DECREASING}`, '--set', `solve.sid_step=${DECREASING}`);
    gStar = constant.result.reference.hypergradient.lam;
  }, 150_000);

  it('has a certified reference with the same g* for both runs, and starts SID at ĝ₀ = 0', () => {
    expect(constant.result.reference.certified).toBe(true);
    expect(decreasing.result.reference.hypergradient.lam).toEqual(gStar);
    // κ ≈ 88.9 measured: μ = min_l e^{ε_l} ≈ e^{−2} (the border pixels are always 0), L ≈ 12.1.
    expect(constant.result.reference.kappa).toBeGreaterThan(50);
    for (const r of [constant, decreasing]) {
      expect(r.k[0]).toBe(0);
      expect(r.error[0]).toBeCloseTo(norm(gStar), 12);
    }
  });

  it("decreases SID's error, with either step", () => {
    // Measured final/initial: 0.147 (const), 0.0122 (dec); with --seed 1: 0.142, 0.0144.
    // Thresholds 2× and 3.5× above the larger.
    expect(constant.error[constant.error.length - 1] / constant.error[0]).toBeLessThan(0.3);
    expect(decreasing.error[decreasing.error.length - 1] / decreasing.error[0]).toBeLessThan(0.05);
  });

  it('plateaus with a constant step and keeps decreasing with β/(γ + k)', () => {
    // Measured last-decade slopes of the mean error ‖ĝ_k − ∇f‖ (k from 300 to 3000): const +0.011
    // (+0.008 with --seed 1; −0.003 and −0.033 at full size), dec −0.54 (−0.31 with --seed 1;
    // −0.55 and −0.77 at full size). O(1/√k) in norm would be −0.5; the dec curve flattens as
    // the error of w_t, fixed while SID runs, starts to dominate, and how soon depends on the
    // seed. Thresholds: |const| < 0.1, ten times the measured slopes; dec < −0.15, half the
    // flattest measured one.
    const slopeConst = lastDecadeSlope(constant);
    const slopeDec = lastDecadeSlope(decreasing);
    expect(Math.abs(slopeConst)).toBeLessThan(0.1);
    expect(slopeDec).toBeLessThan(-0.15);
    // Final mean errors measured 2.20e-3 (const) and 1.82e-4 (dec), a ratio of 12 (9.9 with
    // --seed 1); asked: 4.
    expect(decreasing.error[decreasing.error.length - 1]).toBeLessThan(constant.error[constant.error.length - 1] / 4);
  });

  it("agrees with the reference hypergradient (Stoch dec, 4% per run, 3% for the runs' mean)", () => {
    const scale = norm(gStar);
    // Mean over runs of ‖ĝ − ∇f‖ / ‖∇f‖ measured 0.0122 (0.0144 with --seed 1); of the mean
    // estimate 0.0066 (0.0092). Thresholds about 3× above.
    expect(decreasing.result.final.hypergradient_error_sid / scale).toBeLessThan(0.04);
    const mean = decreasing.result.hypergradient.sid.lam;
    expect(norm(mean.map((g, l) => g - gStar[l])) / scale).toBeLessThan(0.03);
    // The constant step stays at ≈ 15% (measured 0.147, 0.142 with --seed 1): its plateau
    // ησ₁/(1 − q²) vanishes only as η → 0.
    expect(constant.result.final.hypergradient_error_sid / scale).toBeGreaterThan(0.05);
  });
});
