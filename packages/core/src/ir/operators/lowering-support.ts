/** Loop-IR helpers shared by the built-in operators' lowerings: matrix entries and slices along an axis. */
import { binary, constant, indexAdd, indexConst, indexDiv, indexMod, indexMul, select, store, unary } from '../../codegen/loop-build.ts';
import type { LoopExpr, LoopIndex } from '../../codegen/loop-ir.ts';
import type { LoweringContext, OperatorLowering } from '../../codegen/lowering.ts';
import type { Node } from '../node.ts';
import { sizeOf, type Shape } from '../shape.ts';

/**
 * The flat index of entry `(r, c)` of a matrix with `columns` columns.
 * @category IR
 */
export function matrixIndex(r: LoopIndex, c: LoopIndex, columns: number): LoopIndex {
  return indexAdd(indexMul(r, indexConst(columns)), c);
}

/**
 * The row and column of the flat index `at` of an entry of a matrix with `columns` columns. The
 * lowerings build such indices as `r·columns + c` with `0 ≤ c < columns` ({@link matrixIndex}),
 * which splits without a division; any other index (a flat loop over every entry) is divided.
 * @category IR
 */
export function rowAndColumn(at: LoopIndex, columns: number): readonly [LoopIndex, LoopIndex] {
  const multiple = (e: LoopIndex): LoopIndex | undefined => (e.op === 'mul' && e.right.op === 'const' && e.right.value === columns ? e.left : undefined);
  if (at.op === 'add') {
    const row = multiple(at.left);
    if (row) return [row, at.right];
  }
  const row = multiple(at);
  if (row) return [row, indexConst(0)];
  return [indexDiv(at, columns), indexMod(at, columns)];
}

/**
 * Runs `body` once per slice of a tensor of `shape` along `axis`: the slice's position in the
 * reduced result, its length, and the flat index of its k-th entry. A vector (or no axis) is
 * one slice of every entry, run once with no loop.
 * @category IR
 */
export function forEachSlice(
  ctx: LoweringContext,
  shape: Shape,
  axis: number | undefined,
  body: (slice: LoopIndex, length: number, entry: (k: LoopIndex) => LoopIndex) => void,
): void {
  if (axis === undefined || shape.length < 2) return body(indexConst(0), sizeOf(shape), (k) => k);
  const [n, m] = shape;
  // Along rows (axis 1): slice r is row r; down columns (axis 0): slice c is column c.
  if (axis === 1) ctx.loop(n, (r) => body(r, m, (k) => matrixIndex(r, k, m)));
  else ctx.loop(m, (c) => body(c, n, (k) => matrixIndex(k, c, m)));
}

/**
 * Combines the `length` entries `read(k)` of one slice into a value (may emit statements first).
 * @category IR
 */
export type SliceCombiner = (ctx: LoweringContext, length: number, read: (k: LoopIndex) => LoopExpr) => LoopExpr;

/**
 * The lowering of a reduction of every entry (a scalar) or along an axis (one value per slice),
 * from how it combines one slice.
 * @category IR
 */
export function reductionLowering(combine: SliceCombiner, readsAtRandom: boolean): OperatorLowering {
  const slices = (ctx: LoweringContext, node: Node, write: (slice: LoopIndex, value: LoopExpr) => void): void => {
    const a = node.args[0];
    forEachSlice(ctx, a.shape, node.axis, (slice, length, entry) => write(slice, combine(ctx, length, (k) => ctx.element(a, entry(k)))));
  };
  return {
    readsAtRandom,
    scalar: (ctx, node) => {
      let value: LoopExpr = constant(0);
      slices(ctx, node, (_slice, v) => (value = v));
      return value;
    },
    tensor: (ctx, node, target) => slices(ctx, node, (slice, value) => ctx.emit(store(target, slice, value))),
  };
}

/**
 * log Σ exp of a slice in two passes: the max m, then Σ exp(a_j − m) ≤ length, which cannot overflow.
 * @category IR
 */
export const logSumExpOfSlice: SliceCombiner = (ctx, length, read) => {
  const max = ctx.reduce('max', length, read);
  const sum = ctx.reduce('sum', length, (k) => unary('exp', binary('sub', read(k), max)));
  // All entries −∞ (or some +∞) would give NaN through ∞ − ∞; the limit is the max itself.
  return ctx.let(select({ op: 'infinite', value: max }, max, binary('add', max, unary('log', sum))));
};
