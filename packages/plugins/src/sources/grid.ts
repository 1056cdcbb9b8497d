/**
 * The `grid` data source: `data X : R[n, 1] from grid(lo = 0, hi = 1)` gives n evenly spaced
 * points lo, lo + h, ..., hi (h = (hi − lo)/(n − 1)) as a column, the support of the
 * histograms of the optimal-transport experiments.
 */
import { formatShape, type DataSource, type Shape } from '@sgdiff/core';

/**
 * Evenly spaced points on [lo, hi], one per row.
 * @category Problems and references
 */
export const gridSource: DataSource = {
  name: 'grid',
  doc: 'n evenly spaced points lo, ..., hi as an R[n, 1] column (or R[n] vector).',
  args: [
    { name: 'lo', type: 'number', default: 0, doc: 'The first point.' },
    { name: 'hi', type: 'number', default: 1, doc: 'The last point.' },
  ],
  check(shape: Shape, args) {
    const ok = shape.length === 1 || (shape.length === 2 && shape[1] === 1);
    if (!ok) return `reads one point per row, R[n] or R[n, 1]; got ${formatShape(shape)}`;
    if (!((args.hi as number) > (args.lo as number))) return `needs lo < hi; got lo = ${args.lo}, hi = ${args.hi}`;
    return undefined;
  },
  read(shape: Shape, args) {
    const n = shape[0];
    const lo = args.lo as number;
    const hi = args.hi as number;
    return Float64Array.from({ length: n }, (_, i) => (n === 1 ? lo : lo + ((hi - lo) * i) / (n - 1)));
  },
};
