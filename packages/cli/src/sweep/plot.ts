/**
 * Plots of a final metric against the grid: lines of the mean over runs (band 10–90%) against the
 * first axis, one line per combination of the other axes; and, with two axes or more, a heat map
 * of the first two (mean over runs and over the other axes). Drawn by vega-lite like `sgd run`'s plot.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../render-svg.ts';
import { renderBandChart } from '../run/plot.ts';
import type { SweepSummary } from './summary.ts';

function quantile(sorted: readonly number[], q: number): number {
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.ceil(at)] - sorted[lo]) * (at - lo);
}

function logScaled(values: readonly number[]): boolean {
  return values.every((v) => v > 0) && Math.max(...values) / Math.min(...values) >= 20;
}

/** Groups the metric's finite values by a key of the row. */
function groups(summary: SweepSummary, metric: string, keyOf: (grid: Readonly<Record<string, number>>) => string): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const row of summary.rows) {
    const v = row.final[metric];
    const k = keyOf(row.grid);
    if (!out.has(k)) out.set(k, []);
    if (v !== null && v !== undefined && Number.isFinite(v)) out.get(k)?.push(v);
  }
  return out;
}

/** The line chart of `metric` against the first axis. */
export async function sweepLines(summary: SweepSummary, metric: string): Promise<string> {
  const [first, ...rest] = summary.grid;
  const seriesOf = (grid: Readonly<Record<string, number>>): string => rest.map((a) => `${a.key}=${grid[a.key]}`).join(', ') || metric;
  const byPoint = groups(summary, metric, (grid) => JSON.stringify([seriesOf(grid), grid[first.key]]));
  const points = [...byPoint].flatMap(([key, values]) => {
    if (values.length === 0) return [];
    const [series, x] = JSON.parse(key) as [string, number];
    const sorted = [...values].sort((a, b) => a - b);
    return [{ series, x, mean: values.reduce((s, v) => s + v, 0) / values.length, low: quantile(sorted, 0.1), high: quantile(sorted, 0.9) }];
  });
  return renderBandChart({
    title: `${summary.file}: final ${metric}`,
    xTitle: first.key,
    yTitle: summary.runs > 1 ? `${metric}, mean over ${summary.runs} runs (band: 10–90%)` : metric,
    logX: logScaled(first.values),
    bands: summary.runs > 1,
    points,
    markers: true,
  });
}

/** The heat map of `metric` over the first two axes. */
export async function sweepHeatMap(summary: SweepSummary, metric: string): Promise<string> {
  const [a, b] = summary.grid;
  const byPoint = groups(summary, metric, (grid) => JSON.stringify([grid[a.key], grid[b.key]]));
  const values = [...byPoint].flatMap(([key, vs]) => {
    if (vs.length === 0) return [];
    const [x, y] = JSON.parse(key) as [number, number];
    return [{ x: String(Number(x.toPrecision(3))), y: String(y), value: vs.reduce((s, v) => s + v, 0) / vs.length }];
  });
  const positive = values.every((v) => v.value > 0);
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${summary.file}: final ${metric} (mean)`,
    width: 520,
    height: 240,
    data: { values },
    mark: 'rect',
    encoding: {
      x: { field: 'x', type: 'ordinal', title: a.key, sort: a.values.map((v) => String(Number(v.toPrecision(3)))) },
      y: { field: 'y', type: 'ordinal', title: b.key, sort: b.values.map(String) },
      color: { field: 'value', type: 'quantitative', title: metric, scale: { type: positive ? 'log' : 'linear', scheme: 'viridis' } },
    },
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}
