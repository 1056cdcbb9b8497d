/**
 * The run's traces as an SVG chart: log–log lines of each metric's mean against k, with the
 * 10–90% band when there are several runs. Drawn by vega-lite, rendered headless by vega.
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { Aggregate } from './aggregate.ts';

/** Renders the traces of `metrics` to an SVG document. */
export async function plotTraces(aggregate: Aggregate, metrics: readonly string[], title: string): Promise<string> {
  const rows: Array<{ k: number; metric: string; mean: number; q10: number; q90: number }> = [];
  for (const metric of metrics) {
    const band = aggregate.metrics[metric as keyof Aggregate['metrics']];
    aggregate.k.forEach((k, j) => {
      const mean = band.mean[j];
      // A log axis cannot show k = 0 or non-positive values.
      if (k > 0 && Number.isFinite(mean) && mean > 0) rows.push({ k, metric, mean, q10: band.q10[j], q90: band.q90[j] });
    });
  }
  const x = { field: 'k', type: 'quantitative', scale: { type: 'log' }, title: 'iteration k' } as const;
  const color = { field: 'metric', type: 'nominal', title: null } as const;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 340,
    data: { values: rows },
    config: { legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2 } },
    layer: [
      ...(aggregate.runs > 1
        ? [{
            mark: { type: 'area', opacity: 0.18 },
            transform: [{ filter: 'datum.q10 > 0' }],
            // The band shares the line's colour scale and so its legend (a null legend on either
            // layer would remove the merged legend); the config below keeps the swatches opaque.
            encoding: { x, y: { field: 'q10', type: 'quantitative', scale: { type: 'log' } }, y2: { field: 'q90' }, color },
          }]
        : []),
      {
        mark: { type: 'line', strokeWidth: 1.6 },
        encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { type: 'log' }, title: aggregate.runs > 1 ? `mean over ${aggregate.runs} runs (band: 10–90%)` : 'value' }, color },
      },
    ],
  } as unknown as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}
