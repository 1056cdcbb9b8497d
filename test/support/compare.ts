/** How far apart two arrays of numbers are, for tests that compare two computations of one result. */

/** max |a − b| over the entries, relative to the largest |b| (b the reference). */
export function maxRelativeError(a: Float64Array, b: Float64Array): number {
  let diff = 0;
  let scale = 0;
  for (let k = 0; k < b.length; k++) {
    diff = Math.max(diff, Math.abs(a[k]! - b[k]!));
    scale = Math.max(scale, Math.abs(b[k]!));
  }
  return diff / scale;
}
