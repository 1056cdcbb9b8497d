/**
 * The `sparse_normal(r, sd)` law: a planted sparse tensor. `r` distinct entries (row-major
 * positions) chosen uniformly without replacement hold N(0, sd²) draws; every other entry is 0.
 */
import type { RandomStream } from '../runtime/rng.ts';

/**
 * Fills `values` (zeroed) from `stream`: first the support, by the first r swaps of a
 * Fisher–Yates shuffle of the positions (one `index` draw each), then the r normals in support order.
 */
export function fillSparseNormal(values: Float64Array, r: number, sd: number, stream: RandomStream): void {
  const positions = Int32Array.from({ length: values.length }, (_, j) => j);
  for (let j = 0; j < r; j++) {
    const pick = j + stream.index(values.length - j);
    [positions[j], positions[pick]] = [positions[pick], positions[j]];
  }
  for (let j = 0; j < r; j++) values[positions[j]] = stream.normal(0, sd);
}
