/** Small vector kernels over Float64Arrays, written as plain loops (they sit on hot paths). */

/** Below this sum of squares (or at ∞) the plain sum has underflowed (or overflowed): rescale. */
const SAFE_SUM_OF_SQUARES = 1e-290;

/**
 * √Σ d_j², where d_j = a[j] − (b ? b[j] : 0). One plain pass; a second, scaled by the largest
 * |d_j|, only when the squares overflowed or underflowed (entries beyond about 1e±150), so a
 * huge gradient is not taken for an infinite one, nor a tiny one for zero.
 */
function euclidean(a: Float64Array, b?: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) {
    const e = b ? a[j] - b[j] : a[j];
    s += e * e;
  }
  if (s > SAFE_SUM_OF_SQUARES && s < Infinity) return Math.sqrt(s);
  let scale = 0;
  for (let j = 0; j < a.length; j++) scale = Math.max(scale, Math.abs(b ? a[j] - b[j] : a[j]));
  // 0, ∞ and NaN are their own norms.
  if (!(scale > 0 && scale < Infinity)) return scale;
  let r = 0;
  for (let j = 0; j < a.length; j++) r += ((b ? a[j] - b[j] : a[j]) / scale) ** 2;
  return scale * Math.sqrt(r);
}

/**
 * Euclidean norm (safe from overflow and underflow of the squares).
 * @category Problems and references
 */
export function norm(v: Float64Array): number {
  return euclidean(v);
}

/**
 * Euclidean (Frobenius, for matrices) distance ‖a − b‖ (safe from overflow and underflow of the squares).
 * @category Problems and references
 */
export function distance(a: Float64Array, b: Float64Array): number {
  return euclidean(a, b);
}

/**
 * Inner product.
 * @category Problems and references
 */
export function dotProduct(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/**
 * True when every entry is finite.
 * @category Problems and references
 */
export function allFinite(v: Float64Array): boolean {
  for (let j = 0; j < v.length; j++) if (!Number.isFinite(v[j])) return false;
  return true;
}
