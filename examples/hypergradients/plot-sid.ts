/**
 * Draws several SID error traces (`sid.csv` files written by `sgd run --out`) in one chart of
 * the squared hypergradient error against epochs, as in Grazzi, Pontil, Salzo (2021), Fig. 1–2.
 *
 *   node_modules/.bin/tsx examples/hypergradients/plot-sid.ts OUT.svg "TITLE" \
 *     "LABEL=DIR/sid.csv@OFFSET+PER_K" ...
 *
 * Each trace is a CSV with the columns `k,hypergradient_error_sid` and, with several runs,
 * `hypergradient_error_sid_q10` and `_q90`. Its x-coordinate is `OFFSET + PER_K · k` epochs:
 * OFFSET the epochs the lower-level solver used before SID started (t steps of b points over
 * n training points: t·b/n), PER_K the epochs of one SID step (b/n). The line is the square of
 * the mean error over the runs, the band the 10–90% quantiles of the squared error (squares of
 * the quantiles of the error). The chart is drawn as `sgd run` draws `plot.svg` (renderBandChart).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderBandChart } from '@sgdiff/cli';

/** One curve of the chart. */
interface Trace {
  readonly label: string;
  readonly file: string;
  readonly offset: number;
  readonly perK: number;
}

/** Parses `LABEL=FILE@OFFSET+PER_K`. */
function parseTrace(arg: string): Trace {
  const match = /^(.+?)=(.+)@([0-9.eE+-]+)\+([0-9.eE+-]+)$/.exec(arg);
  if (!match) throw new Error(`expected LABEL=FILE@OFFSET+PER_K, got ${arg}`);
  return { label: match[1], file: match[2], offset: Number(match[3]), perK: Number(match[4]) };
}

/** The rows of a `sid.csv`: k, mean, q10, q90 (the quantiles equal the mean for one run). */
function readSidCsv(file: string): Array<{ k: number; mean: number; q10: number; q90: number }> {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const columns = header.split(',');
  const at = (name: string): number => columns.indexOf(name);
  const mean = at('hypergradient_error_sid');
  if (mean < 0) throw new Error(`${file}: no hypergradient_error_sid column`);
  const q10 = at('hypergradient_error_sid_q10');
  const q90 = at('hypergradient_error_sid_q90');
  return lines.map((line) => {
    const cells = line.split(',').map(Number);
    return { k: cells[0], mean: cells[mean], q10: q10 < 0 ? cells[mean] : cells[q10], q90: q90 < 0 ? cells[mean] : cells[q90] };
  });
}

async function main(): Promise<void> {
  const [out, title, ...args] = process.argv.slice(2);
  if (!out || !title || args.length === 0) throw new Error('usage: plot-sid.ts OUT.svg TITLE LABEL=FILE@OFFSET+PER_K ...');
  const traces = args.map(parseTrace);
  const points = traces.flatMap((t) =>
    readSidCsv(t.file).map((r) => ({ series: t.label, x: t.offset + t.perK * r.k, mean: r.mean ** 2, low: r.q10 ** 2, high: r.q90 ** 2 })),
  );
  const svg = await renderBandChart({
    title,
    xTitle: 'epochs (lower level + linear system)',
    yTitle: '‖ĝ − ∇f‖² (line: mean error², band: 10–90%)',
    logX: false,
    yFormat: '.0e',
    bands: true,
    points,
    order: traces.map((t) => t.label),
  });
  writeFileSync(out, svg);
  console.log(`${out}: ${traces.length} traces, ${points.length} points`);
}

await main();
