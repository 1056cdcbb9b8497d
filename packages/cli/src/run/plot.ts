/**
 * Charts of traces as SVG: log-scaled lines of each series' mean, with the 10–90% band when
 * there are several runs. Drawn by vega-lite, rendered headless by vega. The x axis spans the
 * data exactly; the y axis has one tick format; exact zeros (a log axis cannot show them) are
 * drawn at a floor a decade below the smallest positive value, stated under the title; a series
 * with a single point is drawn as a point. Optional guides ({@link rateGuides}) are dashed grey
 * lines with a legend of their own.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../render-svg.ts';
import type { Aggregate } from './aggregate.ts';
import { rateGuides, type Guide, type GuideContext } from './guides.ts';
import { metricLabel, metricsAxisTitle } from './metric-labels.ts';

/**
 * One point of a {@link BandChart} series.
 * @category CLI
 */
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

/**
 * A chart of lines with optional bands.
 * @category CLI
 */
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
  /** d3 number format of the y axis labels (default `.0e`, one format for every decade). */
  readonly yFormat?: string;
  /** Dashed guide lines, in a legend of their own. */
  readonly guides?: readonly Guide[];
}

/** Dash patterns of the guides, in order. */
const GUIDE_DASHES = [
  [6, 4],
  [2, 3],
  [8, 3, 2, 3],
];

/**
 * The floor exact zeros are drawn at: a decade below the smallest positive value, rounded down to a power of 10.
 * @category CLI
 */
export function zeroFloor(values: readonly number[]): number | undefined {
  const positive = values.filter((v) => Number.isFinite(v) && v > 0);
  if (positive.length === 0) return undefined;
  return 10 ** (Math.floor(Math.log10(Math.min(...positive))) - 1);
}

/**
 * Renders a {@link BandChart} to an SVG document.
 * @category CLI
 */
export async function renderBandChart(chart: BandChart): Promise<string> {
  const floor = zeroFloor(chart.points.flatMap((p) => [p.mean, p.low]));
  const zeros = chart.points.some((p) => p.mean === 0);
  const lift = (v: number): number => (v === 0 && floor !== undefined ? floor : v);
  const points = chart.points
    .map((p) => ({ ...p, mean: lift(p.mean), low: lift(p.low), high: lift(p.high) }))
    .filter((p) => (!chart.logX || p.x > 0) && Number.isFinite(p.mean) && p.mean > 0);
  const xs = points.map((p) => p.x);
  const domain = xs.length > 0 ? [Math.min(...xs), Math.max(...xs)] : undefined;
  const x = {
    field: 'x',
    type: 'quantitative',
    scale: { type: chart.logX ? 'log' : 'linear', nice: false, ...(domain ? { domain } : {}) },
    axis: { format: chart.logX ? '~s' : '~g' },
    title: chart.xTitle,
  } as const;
  const color = { field: 'series', type: 'nominal', title: null, sort: chart.order ?? [...new Set(points.map((p) => p.series))] } as const;
  const y = { type: 'quantitative', scale: { type: 'log' }, axis: { format: chart.yFormat ?? '.0e' } } as const;
  const counts = new Map<string, number>();
  for (const p of points) counts.set(p.series, (counts.get(p.series) ?? 0) + 1);
  const single = points.filter((p) => counts.get(p.series) === 1);
  const guides = chart.guides ?? [];
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: zeros && floor !== undefined ? { text: chart.title, subtitle: `exact zeros drawn at ${floor.toExponential(0)}` } : chart.title,
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
      // A line needs two points: a series with one is drawn as a point, so its legend entry has a mark.
      ...(single.length > 0 ? [{ data: { values: single }, mark: { type: 'point', filled: true, size: 60 }, encoding: { x, y: { ...y, field: 'mean' }, color } }] : []),
      ...(guides.length > 0
        ? [
            {
              data: { values: guides.flatMap((g) => g.points.map((p) => ({ guide: g.label, x: p.x, mean: p.y }))) },
              mark: { type: 'line', strokeWidth: 1.2, color: '#555' },
              encoding: {
                x,
                y: { ...y, field: 'mean' },
                detail: { field: 'guide', type: 'nominal' },
                // labelLimit 0: no limit, the labels carry the rate's formula and slope.
                strokeDash: { field: 'guide', type: 'nominal', title: 'guides', sort: guides.map((g) => g.label), scale: { range: GUIDE_DASHES }, legend: { symbolType: 'stroke', symbolStrokeColor: '#555', labelLimit: 0 } },
              },
            },
          ]
        : []),
    ],
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}

/**
 * Renders the run traces of `metrics` (log–log against k) to an SVG document, with the rate guides when `guides` is given.
 * @category CLI
 */
export async function plotTraces(aggregate: Aggregate, metrics: readonly string[], title: string, guides?: GuideContext): Promise<string> {
  const points = metrics.flatMap((metric) => {
    const band = aggregate.metrics[metric];
    // A metric not recorded at some k (NaN: jacobian_error under reverse tracking is known only at the end) has no point there.
    return aggregate.k.flatMap((k, j) => (Number.isNaN(band.mean[j]) ? [] : [{ series: metricLabel(metric), x: k, mean: band.mean[j], low: band.q10[j], high: band.q90[j] }]));
  });
  const several = aggregate.runs > 1;
  // The axis is titled by the metrics drawn: one never recorded (jacobian_error with track = none) is not named.
  const quantity = metricsAxisTitle(metrics.filter((m) => points.some((p) => p.series === metricLabel(m))));
  return renderBandChart({
    title,
    xTitle: 'iteration k',
    yTitle: several ? `${quantity}: mean over ${aggregate.runs} runs, band 10–90%` : quantity,
    logX: true,
    bands: several,
    points,
    order: metrics.map(metricLabel),
    ...(guides ? { guides: rateGuides(aggregate, metrics, guides) } : {}),
  });
}
