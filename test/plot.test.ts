/** `plot.svg`: one legend entry per metric, with or without the Monte Carlo band. */
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
    expect(legendLabels(svg)).toEqual(['distance', 'jacobian_error']);
  });
});
