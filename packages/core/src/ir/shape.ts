/** Static tensor shapes: `[]` scalar, `[n]` vector, `[n, d]` matrix (row-major). */

/** A static shape, outermost extent first. */
export type Shape = readonly number[];

/** The scalar shape. */
export const SCALAR: Shape = Object.freeze([]);

/** Number of entries of a tensor of this shape. */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const e of shape) n *= e;
  return n;
}

/** True when the shape has no extents. */
export function isScalar(shape: Shape): boolean {
  return shape.length === 0;
}

/** Structural equality of shapes. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((e, k) => e === b[k]);
}

/** `R`, `R[3]`, `R[3, 4]`. */
export function formatShape(shape: Shape): string {
  return shape.length === 0 ? 'R' : `R[${shape.join(', ')}]`;
}
