/**
 * The picture of `shapes-barycenter.sgd`: the four input shapes (rows of `b` in instance.json)
 * and their entropic Wasserstein barycenter (θ = a of result.json's `outer`), each drawn as its
 * s × s image (pixel r·s + c at column c, row r, as the `grid` source lays them out), in one
 * vega-lite SVG.
 *
 * Run:  npx tsx examples/optimal-transport/shapes-figure.ts OUT_DIR_OF_THE_RUN FIGURE.svg
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderSvg } from '@sgdiff/cli';

const [runDir, figure] = process.argv.slice(2);
if (!figure) throw new Error('usage: shapes-figure.ts RUN_OUT_DIR FIGURE.svg');
const instance = JSON.parse(readFileSync(join(runDir, 'instance.json'), 'utf8')) as { b: number[][] };
const result = JSON.parse(readFileSync(join(runDir, 'result.json'), 'utf8')) as { outer: { theta: { a: number[] }; iterations: number } };
const images: Array<{ name: string; values: number[] }> = [
  ...['disk', 'ring', 'square', 'diamond'].map((name, k) => ({ name, values: instance.b[k] })),
  { name: `barycenter (${result.outer.iterations} mirror steps)`, values: result.outer.theta.a },
];
const side = Math.round(Math.sqrt(images[0].values.length));
// Each image scaled to its own maximum, so that the shapes read alike whatever their spread.
const cells = images.flatMap(({ name, values }) => {
  const top = Math.max(...values);
  return values.map((v, p) => ({ image: name, column: p % side, row: Math.floor(p / side), value: v / top }));
});
const spec = {
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title: { text: 'Entropic Wasserstein barycenter of four shapes', subtitle: `${side} × ${side} pixels; each image scaled to its maximum` },
  data: { values: cells },
  facet: { field: 'image', type: 'nominal', title: null, sort: images.map((i) => i.name), header: { labelFontSize: 12 } },
  columns: images.length,
  spec: {
    width: 150,
    height: 150,
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'column', type: 'ordinal', axis: null },
      // Row 0 is y = 0, drawn at the bottom.
      y: { field: 'row', type: 'ordinal', axis: null, sort: 'descending' },
      color: { field: 'value', type: 'quantitative', scale: { scheme: 'greys', domain: [0, 1] }, legend: null },
    },
  },
  config: { view: { stroke: null } },
} as unknown as Parameters<typeof renderSvg>[0];
writeFileSync(figure, await renderSvg(spec));
console.log(`${figure}: ${images.length} images of ${side} × ${side}`);
