/**
 * Charts of traces as SVG: log-scaled lines of each series' mean, with the 10–90% band when
 * there are several runs. Drawn by vega-lite, rendered headless by vega.
 */
import type { TopLevelSpec } from 'vega-lite';
import type { Aggregate } from './aggregate.ts';

/** One point of a {@link BandChart} series. */
export interface BandPoint {
  /** The series (one line and one legend entry each). */
  readonly series: string;
  /** Abscissa. */
  readonly x: number;
  /** The line's value. */
  readonly mean: number;
  /** Lower edge of the band. */
  readonly low: number;
  /** Upper edge of the band. */
  readonly high: number;
}

/** A chart of lines with optional bands. */
export interface BandChart {
  /** Title above the chart. */
  readonly title: string;
  /** Title of the x axis. */
  readonly xTitle: string;
  /** Title of the y axis. */
  readonly yTitle: string;
  /** Whether the x axis is logarithmic (the y axis always is). */
  readonly logX: boolean;
  /** Whether to draw the bands. */
  readonly bands: boolean;
  /** The points; those with non-positive or non-finite values are left out (a log axis cannot show them). */
  readonly points: readonly BandPoint[];
  /** Legend order (default: order of first appearance). */
  readonly order?: readonly string[];
  /** Whether to mark each point on the lines (for few points). */
  readonly markers?: boolean;
  /** d3 number format of the y axis labels (e.g. `.0e`; default: vega's). */
  readonly yFormat?: string;
}

/** Renders a {@link BandChart} to an SVG document. */
export async function renderBandChart(chart: BandChart): Promise<string> {
  const points = chart.points.filter((p) => (!chart.logX || p.x > 0) && Number.isFinite(p.mean) && p.mean > 0);
  const x = { field: 'x', type: 'quantitative', scale: { type: chart.logX ? 'log' : 'linear' }, title: chart.xTitle } as const;
  const color = { field: 'series', type: 'nominal', title: null, sort: chart.order ?? [...new Set(points.map((p) => p.series))] } as const;
  const y = { type: 'quantitative', scale: { type: 'log' }, ...(chart.yFormat ? { axis: { format: chart.yFormat } } : {}) } as const;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: chart.title,
    width: 520,
    height: 340,
    data: { values: points },
    // The bands share the lines' colour scale and so their legend (a null legend on either layer
    // would remove the merged one); opaque stroke swatches keep it readable.
    config: { legend: { symbolType: 'stroke', symbolOpacity: 1, symbolStrokeWidth: 2, labelLimit: 400 } },
    layer: [
      ...(chart.bands
        ? [{ mark: { type: 'area', opacity: 0.18 }, transform: [{ filter: 'datum.low > 0' }], encoding: { x, y: { ...y, field: 'low' }, y2: { field: 'high' }, color } }]
        : []),
      { mark: { type: 'line', strokeWidth: 1.6, point: chart.markers === true }, encoding: { x, y: { ...y, field: 'mean', title: chart.yTitle }, color } },
    ],
  } as unknown as TopLevelSpec;
  // Loaded on first use: vega takes longer to import than the rest of `sgd` together.
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Renders the run traces of `metrics` (log–log against k) to an SVG document. */
export async function plotTraces(aggregate: Aggregate, metrics: readonly string[], title: string): Promise<string> {
  const points = metrics.flatMap((metric) => {
    const band = aggregate.metrics[metric];
    return aggregate.k.map((k, j) => ({ series: metric, x: k, mean: band.mean[j], low: band.q10[j], high: band.q90[j] }));
  });
  const several = aggregate.runs > 1;
  return renderBandChart({
    title,
    xTitle: 'iteration k',
    yTitle: several ? `mean over ${aggregate.runs} runs (band: 10–90%)` : 'value',
    logX: true,
    bands: several,
    points,
    order: metrics,
  });
}
