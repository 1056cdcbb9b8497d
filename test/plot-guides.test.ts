/**
 * `sgd run --guides`: dashed guide lines of the source papers' rates in plot.svg, labelled with
 * their slopes — a linear rate ρᵏ for full-batch solvers that declare one, O(1/k) (O(1/√k) for the
 * distance) and the noise floor ∝ η_k for stochastic ones. The guides' points are checked against
 * the formulas written here, the rendered SVG for the dashed lines and their legend.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aggregateSeries, plotTraces, rateGuides } from '@sgdiff/cli';
import { sgd, sgdFile } from './support/cli.ts';

/** The legend's labels, read from the rendered SVG's legend groups. */
function legendLabels(svg: string): string[] {
  const legend = svg.slice(svg.indexOf('role-legend'));
  return [...legend.matchAll(/role-legend-label[^]*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

const k = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

describe('rate guides', () => {
  it('stochastic: O(1/k) and the noise floor of a constant step through the last point, inside the data range', () => {
    const suboptimality = k.map((t) => 1 / t + 1e-3);
    const aggregate = aggregateSeries([k], [{ suboptimality }]);
    const guides = rateGuides(aggregate, ['suboptimality'], { stochastic: true, step: () => 0.01 });
    expect(guides.map((g) => g.label)).toEqual(['O(1/k): slope −1', 'noise floor ∝ η_k: slope 0']);
    const last = suboptimality[suboptimality.length - 1];
    for (const p of guides[0].points) expect(p.y).toBeCloseTo((last * 1000) / p.x, 12);
    for (const p of guides[1].points) expect(p.y).toBeCloseTo(last, 12);
    // Inside [min, max] of the data: the guide never stretches the axis.
    for (const g of guides) for (const p of g.points) expect(p.y >= Math.min(...suboptimality) && p.y <= Math.max(...suboptimality)).toBe(true);
    // O(1/k) through (1000, 2e-3) leaves the range above 1.001 at k < 2000/1.001 / 1000 ≈ 2.
    expect(Math.min(...guides[0].points.map((p) => p.x))).toBeGreaterThan(1.9);
  });

  it('stochastic distance: O(1/√k); a step ∝ 1/k gives the same slope, so no second line', () => {
    const distance = k.map((t) => 1 / Math.sqrt(t));
    const aggregate = aggregateSeries([k], [{ distance }]);
    const guides = rateGuides(aggregate, ['distance'], { stochastic: true, step: (t) => 1 / (t + 10) });
    expect(guides.map((g) => g.label)).toEqual(['O(1/√k): slope −0.5']);
    const slowerStep = rateGuides(aggregate, ['distance'], { stochastic: true, step: (t) => 1 / Math.sqrt(t + 1) });
    // √η_k with η_k ∝ k^(−1/2) over the last decade: slope ≈ −1/4.
    expect(slowerStep.map((g) => g.label)).toEqual(['O(1/√k): slope −0.5', 'noise floor ∝ √η_k: slope −0.25']);
  });

  it('full batch: the declared linear rate ρᵏ from the first point, with its slope in decades per step', () => {
    const ks = Array.from({ length: 40 }, (_, j) => j + 1);
    const distance = ks.map((t) => 0.5 ** t);
    const aggregate = aggregateSeries([ks], [{ distance }]);
    const [guide, ...others] = rateGuides(aggregate, ['distance'], { stochastic: false, rate: { factor: 0.5, text: '(kappa - 1) / (kappa + 1)' } });
    expect(others).toEqual([]);
    // log₁₀ 0.5 = −0.301.
    expect(guide.label).toBe('linear ρ^k, ρ = (κ−1)/(κ+1) = 0.500: −0.3 decades/step');
    for (const p of guide.points) expect(p.y / 0.5 ** p.x).toBeCloseTo(1, 10);
    // No rate declared, or a stochastic solver: no linear guide.
    expect(rateGuides(aggregate, ['distance'], { stochastic: false })).toEqual([]);
  });

  it('draws the guides dashed, in a legend of their own', async () => {
    const suboptimality = k.map((t) => 1 / t + 1e-3);
    const svg = await plotTraces(aggregateSeries([k], [{ suboptimality }]), ['suboptimality'], 'guides', { stochastic: true, step: () => 0.01 });
    expect(legendLabels(svg)).toEqual(['suboptimality F(x_k) − F*', 'O(1/k): slope −1', 'noise floor ∝ η_k: slope 0']);
    expect(svg).toContain('>guides</text>');
    expect(svg).toMatch(/stroke-dasharray="6,4"/);
    expect(svg).toMatch(/stroke-dasharray="2,3"/);
    const plain = await plotTraces(aggregateSeries([k], [{ suboptimality }]), ['suboptimality'], 'guides');
    expect(plain).not.toContain('stroke-dasharray');
  });

  it('keeps a long guide label whole, and titles the y axis by the metrics drawn only', async () => {
    const distance = k.map((t) => 0.9 ** t);
    const jacobian_error = k.map(() => NaN);
    const rate = { factor: 0.9, text: '(kappa - 1) / (kappa + 1)' };
    const svg = await plotTraces(aggregateSeries([k], [{ distance, jacobian_error }]), ['distance', 'jacobian_error'], 'guides', { stochastic: false, rate });
    // log₁₀ 0.9 = −0.046 per step.
    expect(legendLabels(svg)).toContain('linear ρ^k, ρ = (κ−1)/(κ+1) = 0.900: −0.05 decades/step');
    const titles = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(titles).toContain('distance');
    expect(titles.some((t) => t.includes('Jacobian'))).toBe(false);
  });
});

describe('sgd run --guides', () => {
  const FILE = `dim n = 20
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve sgd { iterations = 2000 step = 0.02 }
report every log 30 { suboptimality, distance }
`;

  it('writes the guides into plot.svg only when asked', async () => {
    const path = sgdFile(FILE, 'sgd-guides-');
    const dir = mkdtempSync(join(tmpdir(), 'sgd-guides-out-'));
    expect((await sgd('run', path, '--out', join(dir, 'a'), '--guides')).code).toBe(0);
    expect((await sgd('run', path, '--out', join(dir, 'b'))).code).toBe(0);
    const guided = readFileSync(join(dir, 'a', 'plot.svg'), 'utf8');
    expect(legendLabels(guided)).toEqual(['suboptimality F(x_k) − F*', 'distance ‖x_k − x*‖', 'O(1/k): slope −1', 'noise floor ∝ η_k: slope 0']);
    expect(readFileSync(join(dir, 'b', 'plot.svg'), 'utf8')).not.toContain('stroke-dasharray');
  });
});
