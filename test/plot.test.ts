/**
 * `plot.svg`: one legend entry per metric named by what it is, with or without the Monte Carlo
 * band; axis titles from the metrics, the x axis ending at the data, one y tick format, zeros at a
 * stated floor, single points drawn.
 */
import { describe, expect, it } from 'vitest';
import { aggregateSeries, plotTraces } from '@sgdiff/cli';

/** The legend's labels, read from the rendered SVG's legend group. */
function legendLabels(svg: string): string[] {
  const legend = svg.slice(svg.indexOf('role-legend'));
  return [...legend.matchAll(/role-legend-label[^]*?<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('plotTraces', () => {
  const k = [1, 10, 100, 1000];
  const run = (scale: number): Record<string, number[]> => ({
    distance: k.map((t) => scale / Math.sqrt(t)),
    jacobian_error: k.map((t) => (2 * scale) / t),
  });

  it.each([1, 3])('names every metric in the legend with %i run(s)', async (runs) => {
    const series = Array.from({ length: runs }, (_, r) => run(1 + r / 10));
    const svg = await plotTraces(aggregateSeries(Array(runs).fill(k), series), ['distance', 'jacobian_error'], 'test');
    expect(svg).toMatch(/^<svg/);
    expect(legendLabels(svg)).toEqual(['distance ‖x_k − x*‖', 'Jacobian error ‖∂θx_k − ∂θx*‖']);
  });
});

/** Every text of the SVG, in document order. */
function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
}

describe('plots people read', () => {
  const k = [1, 10, 100, 1000, 2000];
  const series = [
    {
      hypergradient_error_analytic: k.map((t) => 1 / t),
      // Exactly 0 from k = 1000 on: drawn at the floor, a decade below the smallest positive value (2e-10 → 1e-11).
      hypergradient_error_automatic: k.map((t) => (t >= 1000 ? 0 : 2e-8 / t)),
      hypergradient_error_implicit: k.map((t) => 3 / t),
      // Known only at the last iterate (reverse tracking): one point.
      jacobian_error: k.map((_, j) => (j === 4 ? 0.5 : NaN)),
    },
  ];
  const metrics = Object.keys(series[0]);

  it('names the estimators g1 analytic, g2 automatic, g3 implicit, titles the y axis from the metrics and states the zero floor', async () => {
    const svg = await plotTraces(aggregateSeries([k], series), metrics, 'test');
    expect(legendLabels(svg)).toEqual(['g1 analytic', 'g2 automatic', 'g3 implicit', 'Jacobian error ‖∂θx_k − ∂θx*‖']);
    expect(texts(svg)).toContain('hypergradient error, Jacobian error');
    expect(texts(svg)).toContain('exact zeros drawn at 1e-11');
  });

  it('uses one y tick format and ends the x axis at the last k', async () => {
    const svg = await plotTraces(aggregateSeries([k], series), metrics, 'test');
    const labels = texts(svg);
    const yTicks = labels.filter((t) => /^\d(\.\d+)?e[+-]\d+$/.test(t));
    expect(yTicks.length).toBeGreaterThan(5);
    expect(labels.filter((t) => /^0\.0+\d$/.test(t))).toEqual([]);
    const xTicks = labels.slice(0, labels.indexOf('iteration k'));
    expect(xTicks[xTicks.length - 1]).toBe('2k');
  });

  it('draws a metric with a single point as a point', async () => {
    const svg = await plotTraces(aggregateSeries([k], series), metrics, 'test');
    const symbols = svg.split('<g class="mark-symbol role-mark layer_1_marks"')[1]?.split('</g>')[0] ?? '';
    expect(symbols.match(/<path /g)).toHaveLength(1);
  });
});
