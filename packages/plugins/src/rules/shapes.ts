/** Broadcasting helpers shared by the rule tables. */
import type { IRBuilder, Node, Shape } from '@sgdiff/core';
import { isScalar, sameShape } from '@sgdiff/core';

/** `t` with shape `shape`: a scalar tangent of a broadcast operand is repeated. */
export function fit(b: IRBuilder, t: Node, shape: Shape): Node {
  return sameShape(t.shape, shape) ? t : b.broadcast(t, shape);
}

/** The cotangent `g` reduced to an operand of shape `shape`: a broadcast scalar operand receives the sum. */
export function unbroadcast(b: IRBuilder, g: Node, shape: Shape): Node {
  return isScalar(shape) && !isScalar(g.shape) ? b.sum(g) : g;
}

/** `a + b` where either may be zero (`null`). */
export function addOpt(b: IRBuilder, x: Node | null, y: Node | null): Node | null {
  if (!x) return y;
  if (!y) return x;
  return b.add(x, y);
}
