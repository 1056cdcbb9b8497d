/**
 * The lowering of every IR operator to loop IR, one {@link OperatorLowering} per operator,
 * keyed by the operator's name. Elementwise operators give an expression for one entry; the
 * others emit statements into a local or a buffer (see {@link OperatorLowering}).
 */
import { isConst, type Node, type Op } from '../ir/node.ts';
import { sizeOf } from '../ir/shape.ts';
import { binary, call, constant, indexAdd, indexConst, indexMul, select, store, unary } from './loop-build.ts';
import type { LoopBinaryOperator, LoopExpr, LoopIndex } from './loop-ir.ts';
import type { LoweringContext, OperatorLowering } from './lowering.ts';

/** An elementwise binary operator: `a ∘ b` entry by entry (a scalar operand is the same at every entry). */
function elementwise(operator: LoopBinaryOperator): OperatorLowering {
  return { element: (ctx, node, at) => binary(operator, ctx.element(node.args[0], at), ctx.element(node.args[1], at)) };
}

/** Entry `(r, k)` of the matrix `node` with `d` columns. */
function matrixEntry(ctx: LoweringContext, node: Node, r: LoopIndex, k: LoopIndex, d: number): LoopExpr {
  return ctx.element(node, indexAdd(indexMul(r, indexConst(d)), k));
}

/** The lowering of each IR operator. */
export const OPERATOR_LOWERINGS: Readonly<Record<Op, OperatorLowering>> = {
  const: { element: (_ctx, node) => constant(node.value as number) },
  input: { element: (ctx, node, at) => ctx.input(node, at) },
  add: elementwise('add'),
  sub: elementwise('sub'),
  mul: elementwise('mul'),
  div: elementwise('div'),
  pow: {
    element: (ctx, node, at) => {
      const [base, exponent] = node.args;
      // a·a is exact where Math.pow(a, 2) is too, and much cheaper.
      if (isConst(exponent, 2)) return unary('square', ctx.element(base, at));
      return binary('pow', ctx.element(base, at), ctx.element(exponent, at));
    },
  },
  neg: { element: (ctx, node, at) => unary('neg', ctx.element(node.args[0], at)) },
  map: { element: (ctx, node, at) => call(ctx.functionIndex(node.fn as string), ctx.element(node.args[0], at)) },
  broadcast: { element: (ctx, node) => ctx.scalar(node.args[0]) },
  sum: {
    scalar: (ctx, node) => {
      const [a] = node.args;
      return ctx.reduce('sum', sizeOf(a.shape), (j) => ctx.element(a, j));
    },
  },
  logsumexp: {
    scalar: (ctx, node) => {
      const [a] = node.args;
      const n = sizeOf(a.shape);
      // Two passes: the max m, then Σ exp(a_j − m) ≤ n, which cannot overflow.
      const max = ctx.reduce('max', n, (j) => ctx.element(a, j));
      const sum = ctx.reduce('sum', n, (j) => unary('exp', binary('sub', ctx.element(a, j), max)));
      // All entries −∞ (or some +∞) would give NaN through ∞ − ∞; the limit is the max itself.
      return ctx.let(select({ op: 'infinite', value: max }, max, binary('add', max, unary('log', sum))));
    },
  },
  matvec: {
    tensor: (ctx, node, target) => {
      const [A, v] = node.args;
      const [n, d] = A.shape;
      ctx.loop(n, (r) => {
        const dot = ctx.reduce('sum', d, (k) => binary('mul', matrixEntry(ctx, A, r, k, d), ctx.element(v, k)));
        ctx.emit(store(target, r, dot));
      });
    },
  },
  vecmat: {
    tensor: (ctx, node, target) => {
      const [w, A] = node.args;
      const [n, d] = A.shape;
      // Row by row, so A is read in memory order: target += w_r A[r].
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: d });
      ctx.loop(n, (r) => {
        const weight = ctx.let(ctx.element(w, r));
        ctx.loop(d, (k) => ctx.emit(store(target, k, binary('mul', weight, matrixEntry(ctx, A, r, k, d)), true)));
      });
    },
  },
  outer: {
    tensor: (ctx, node, target) => {
      const [a, b] = node.args;
      const d = b.shape[0];
      ctx.loop(a.shape[0], (r) => {
        const ar = ctx.let(ctx.element(a, r));
        ctx.loop(d, (k) => ctx.emit(store(target, indexAdd(indexMul(r, indexConst(d)), k), binary('mul', ar, ctx.element(b, k)))));
      });
    },
  },
  entry: { element: (ctx, node) => ctx.element(node.args[0], ctx.index(node.args[1])) },
  row: {
    prepare: (ctx, node) => ctx.letIndex(indexMul(ctx.index(node.args[1]), indexConst(node.shape[0]))),
    element: (ctx, node, at) => ctx.element(node.args[0], indexAdd(ctx.prepared(node), at)),
  },
  scatter: {
    tensor: (ctx, node, target) => {
      const [g, i] = node.args;
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: sizeOf(node.shape) });
      ctx.emit(store(target, ctx.index(i), ctx.scalar(g)));
    },
  },
  scatterRow: {
    tensor: (ctx, node, target) => {
      const [g, i] = node.args;
      const d = g.shape[0];
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: sizeOf(node.shape) });
      const base = ctx.letIndex(indexMul(ctx.index(i), indexConst(d)));
      ctx.loop(d, (k) => ctx.emit(store(target, indexAdd(base, k), ctx.element(g, k))));
    },
  },
};
