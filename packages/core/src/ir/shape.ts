/** Static tensor shapes: `[]` scalar, `[n]` vector, `[n, d]` matrix (row-major). */

/**
 * A static shape, outermost extent first.
 * @category IR
 */
export type Shape = readonly number[];

/**
 * The scalar shape.
 * @category IR
 */
export const SCALAR: Shape = Object.freeze([]);

/**
 * Number of entries of a tensor of this shape.
 * @category IR
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const e of shape) n *= e;
  return n;
}

/**
 * True when the shape has no extents.
 * @category IR
 */
export function isScalar(shape: Shape): boolean {
  return shape.length === 0;
}

/**
 * Structural equality of shapes.
 * @category IR
 */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((e, k) => e === b[k]);
}

/**
 * `R`, `R[3]`, `R[3, 4]`.
 * @category IR
 */
export function formatShape(shape: Shape): string {
  return shape.length === 0 ? 'R' : `R[${shape.join(', ')}]`;
}
