/**
 * The `grid` data source: `data X : R[n, 1] from grid(lo = 0, hi = 1)` gives n evenly spaced
 * points lo, lo + h, ..., hi (h = (hi − lo)/(n − 1)) as a column, the support of the
 * histograms of the optimal-transport experiments; `R[n, 2]` with n = s² gives the s × s grid of
 * [lo, hi]² row by row (point r·s + c at (x_c, x_r)), the pixels of an s × s image.
 */
import { formatShape, type DataSource, type Shape } from '@sgdiff/core';

/**
 * Evenly spaced points on [lo, hi], one per row.
 * @category Problems and references
 */
export const gridSource: DataSource = {
  name: 'grid',
  doc: 'n evenly spaced points lo, ..., hi as an R[n, 1] column (or R[n] vector); R[n, 2] with n = s²: the s × s grid of [lo, hi]², row by row (point r·s + c at (x_c, x_r)).',
  args: [
    { name: 'lo', type: 'number', default: 0, doc: 'The first point.' },
    { name: 'hi', type: 'number', default: 1, doc: 'The last point.' },
  ],
  check(shape: Shape, args) {
    const ok = shape.length === 1 || (shape.length === 2 && (shape[1] === 1 || (shape[1] === 2 && Number.isInteger(Math.sqrt(shape[0])))));
    if (!ok) return `reads one point per row, R[n] or R[n, 1], or the pixels of an s × s image, R[s², 2]; got ${formatShape(shape)}`;
    if (!((args.hi as number) > (args.lo as number))) return `needs lo < hi; got lo = ${args.lo}, hi = ${args.hi}`;
    return undefined;
  },
  read(shape: Shape, args) {
    const n = shape[0];
    const lo = args.lo as number;
    const hi = args.hi as number;
    const at = (i: number, count: number): number => (count === 1 ? lo : lo + ((hi - lo) * i) / (count - 1));
    if (shape.length === 1 || shape[1] === 1) return Float64Array.from({ length: n }, (_, i) => at(i, n));
    const side = Math.round(Math.sqrt(n));
    const points = new Float64Array(2 * n);
    for (let r = 0; r < side; r++) {
      for (let c = 0; c < side; c++) {
        points[2 * (r * side + c)] = at(c, side);
        points[2 * (r * side + c) + 1] = at(r, side);
      }
    }
    return points;
  },
};
