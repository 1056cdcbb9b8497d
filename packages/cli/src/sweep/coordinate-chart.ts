/**
 * A bar per coordinate of a vector, one panel per series, a marked subset of coordinates in its
 * own colour (e.g. the support of a planted w*). Drawn by vega-lite like `sgd run`'s plot.
 */
import type { TopLevelSpec } from 'vega-lite';
import { renderSvg } from '../render-svg.ts';

/**
 * One bar.
 * @category CLI
 */
export interface CoordinateBar {
  /** The panel. */
  readonly series: string;
  /** The coordinate's index. */
  readonly coordinate: number;
  /** Its value. */
  readonly value: number;
  /** Whether the coordinate is in the marked subset. */
  readonly marked: boolean;
}

/**
 * Renders bars per coordinate to an SVG document; `marked` and `unmarked` name the two colours in the legend.
 * @category CLI
 */
export async function renderCoordinateChart(title: string, yTitle: string, bars: readonly CoordinateBar[], marked: string, unmarked: string): Promise<string> {
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values: bars.map((b) => ({ ...b, subset: b.marked ? marked : unmarked })) },
    facet: { row: { field: 'series', type: 'nominal', title: null } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 560,
      height: 150,
      mark: { type: 'bar', width: 3 },
      encoding: {
        x: { field: 'coordinate', type: 'quantitative', title: 'coordinate i' },
        y: { field: 'value', type: 'quantitative', title: yTitle },
        color: { field: 'subset', type: 'nominal', title: null, scale: { domain: [marked, unmarked], range: ['#d62728', '#7f7f7f'] } },
      },
    },
  } as unknown as TopLevelSpec;
  return renderSvg(spec);
}
