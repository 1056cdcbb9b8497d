/** Small vector kernels over Float64Arrays, written as plain loops (they sit on hot paths). */

/** Euclidean norm. */
export function norm(v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  return Math.sqrt(s);
}

/** Euclidean (Frobenius, for matrices) distance ‖a − b‖. */
export function distance(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const e = a[j] - b[j];
    s += e * e;
  }
  return Math.sqrt(s);
}

/** Inner product. */
export function dotProduct(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** True when every entry is finite. */
export function allFinite(v: Float64Array): boolean {
  for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) return false;
  return true;
}
