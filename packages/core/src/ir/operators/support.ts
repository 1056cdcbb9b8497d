/** Helpers shared by the built-in operator records: broadcasting of derivatives, axes, tensors. */
import type { IRBuilder } from '../builder.ts';
import type { Node } from '../node.ts';
import { formatShape, isScalar, sameShape, sizeOf, type Shape } from '../shape.ts';
import type { Attributes, Printed, PrintContext, Tensor } from '../operator.ts';

/**
 * `t` with shape `shape`: a scalar tangent of a broadcast operand is repeated.
 * @category IR
 */
export function fit(b: IRBuilder, t: Node, shape: Shape): Node {
  return sameShape(t.shape, shape) ? t : b.broadcast(t, shape);
}

/**
 * The cotangent `g` reduced to an operand of shape `shape`: a broadcast scalar operand receives the sum.
 * @category IR
 */
export function unbroadcast(b: IRBuilder, g: Node, shape: Shape): Node {
  return isScalar(shape) && !isScalar(g.shape) ? b.sum(g) : g;
}

/**
 * `a + b` where either may be zero (`null`).
 * @category IR
 */
export function addOpt(b: IRBuilder, x: Node | null, y: Node | null): Node | null {
  if (!x) return y;
  if (!y) return x;
  return b.add(x, y);
}

/**
 * A value reduced along `axis` of `shape` (a scalar for a full reduction or a vector's only
 * axis), repeated back over that axis so it lines up with the unreduced operand entrywise.
 * @category IR
 */
export function spread(b: IRBuilder, reduced: Node, shape: Shape, axis: number | undefined): Node {
  if (axis === undefined || shape.length < 2) return reduced;
  return b.expand(reduced, axis, shape[axis]);
}

/**
 * The shape rule of a reduction `op(a)` or `op(a, axis = k)`: a scalar without an axis; along
 * an axis, the operand's shape without that axis (a vector's only axis gives a scalar).
 * @category IR
 */
export function reductionShape(args: readonly Shape[], attrs: Attributes): Shape | string {
  const [a] = args;
  if (attrs.axis === undefined) return [];
  if (a.length === 0) return `needs a vector or a matrix when an axis is given, got ${formatShape(a)}`;
  if (!Number.isInteger(attrs.axis) || attrs.axis < 0 || attrs.axis >= a.length) {
    const axes = a.length === 1 ? 'a vector has axis 0 only' : 'a matrix has axes 0 and 1';
    return `has no axis ${attrs.axis} for ${formatShape(a)}: ${axes}`;
  }
  return a.filter((_, k) => k !== attrs.axis);
}

/**
 * Applies `reduce` to every slice of `a` along `axis` (every entry when `axis` is undefined or
 * `a` is a vector), one result per slice, in row-major order of the result.
 * @category IR
 */
export function reduceSlices(a: Tensor, axis: number | undefined, reduce: (slice: Float64Array) => number): Float64Array {
  if (axis === undefined || a.shape.length < 2) return Float64Array.of(reduce(a.data));
  const [n, m] = a.shape;
  const out = new Float64Array(axis === 0 ? m : n);
  for (let r = 0; r < out.length; r++) {
    const slice = new Float64Array(axis === 0 ? n : m);
    for (let k = 0; k < slice.length; k++) slice[k] = axis === 0 ? a.data[k * m + r] : a.data[r * m + k];
    out[r] = reduce(slice);
  }
  return out;
}

/**
 * `log Σ exp(v_j)` shifted by the maximum, so no exponential overflows; ±∞ when the maximum is.
 * @category IR
 */
export function logSumExp(v: Float64Array): number {
  let max = -Infinity;
  for (const x of v) if (x > max) max = x;
  if (max === Infinity || max === -Infinity) return max;
  let acc = 0;
  for (const x of v) acc += Math.exp(x - max);
  return max + Math.log(acc);
}

/**
 * Entry `j` of `t`, a scalar standing for every entry.
 * @category IR
 */
export function entryAt(t: Tensor, j: number): number {
  return t.shape.length === 0 ? t.data[0] : t.data[j];
}

/**
 * Text or LaTeX of `name(args)`, with `axis = k` appended when the node has an axis.
 * @category IR
 */
export function callForm(name: string, node: Node, ctx: PrintContext): Printed {
  const args = ctx.args.map((a) => a.text);
  if (node.axis !== undefined) args.push(ctx.format === 'latex' ? `\\mathrm{axis} = ${node.axis}` : `axis = ${node.axis}`);
  if (ctx.format === 'latex') return { text: `\\operatorname{${name}}\\left(${args.join(', ')}\\right)`, level: 5 };
  return { text: `${name}(${args.join(', ')})`, level: 5 };
}

/**
 * The entry count of an axis-reduced slice, for `sum` of a broadcast scalar and `logsumexp` folds.
 * @category IR
 */
export function sliceCount(shape: Shape, axis: number | undefined): number {
  return axis === undefined ? sizeOf(shape) : shape[axis];
}
