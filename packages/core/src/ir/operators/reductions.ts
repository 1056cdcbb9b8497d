/**
 * Broadcasting and reductions: `broadcast` (a scalar repeated), `sum`, `logsumexp` and `max`
 * of every entry or along one axis, and `maxmask`, the subgradient weights of `max`.
 * `logsumexp` is shifted by the maximum of each slice in its value and in its derivatives
 * (which are softmax weights exp(a − logsumexp(a)) ≤ 1), so entries of size 1e4 stay finite.
 */
import { binary, constant, select, store } from '../../codegen/loop-build.ts';
import { isScalar, sameShape, sizeOf, type Shape } from '../shape.ts';
import type { Node } from '../node.ts';
import type { LoopExpr, LoopIndex } from '../../codegen/loop-ir.ts';
import type { OperatorRecord, PrintContext, Printed, Tensor } from '../operator.ts';
import { shapeMismatch } from '../operator.ts';
import { forEachSlice, logSumExpOfSlice, reductionLowering } from './lowering-support.ts';
import { callForm, fit, logSumExp, reduceSlices, reductionShape, sliceCount, spread } from './support.ts';

/**
 * A scalar repeated to the node's shape (made by `IRBuilder.broadcast`, never written in source).
 * @category IR
 */
export const broadcastOperator: OperatorRecord = {
  name: 'broadcast',
  doc: 'A scalar repeated to a shape.',
  arity: 1,
  printInline: true,
  shape: (args) => shapeMismatch('a target shape: it is built by IRBuilder.broadcast', args),
  evaluate: ([a], _attrs, shape) => new Float64Array(sizeOf(shape)).fill(a.data[0]),
  jvp: (b, n, [t]) => b.broadcast(t as Node, n.shape),
  vjp: (b, _n, g) => [b.sum(g)],
  print: (_node, ctx) => ctx.args[0],
  lower: { inPlace: true, element: (ctx, node) => ctx.scalar(node.args[0]) },
};

function sumText(node: Node, ctx: PrintContext): Printed {
  const a = node.args[0];
  // u . v and norm2(v) are built as sum(u * v) and sum(v * v): print them back.
  if (node.axis === undefined && a.op === 'mul' && !isScalar(a.args[0].shape) && !isScalar(a.args[1].shape)) {
    const [u, v] = a.args.map((x) => ctx.render(x));
    const latex = ctx.format === 'latex';
    if (a.args[0] === a.args[1]) return { text: latex ? `\\left\\|${u.text}\\right\\|^2` : `norm2(${u.text})`, level: 5 };
    return latex ? { text: `\\left\\langle ${u.text}, ${v.text} \\right\\rangle`, level: 5 } : { text: `${ctx.wrap(u, 3)} . ${ctx.wrap(v, 3)}`, level: 2 };
  }
  if (ctx.format === 'latex') {
    const below = node.axis === undefined ? '' : `_{\\mathrm{axis}\\,${node.axis}}`;
    return { text: `\\sum${below} ${ctx.wrap(ctx.args[0], 5)}`, level: 2 };
  }
  return callForm('sum', node, ctx);
}

/**
 * Sum of every entry, or along an axis.
 * @category IR
 */
export const sumOperator: OperatorRecord = {
  name: 'sum',
  doc: 'Sum of every entry (a scalar), or along axis 0 (column sums) or 1 (row sums).',
  arity: 1,
  attributes: ['axis'],
  shape: reductionShape,
  evaluate: ([a], attrs) =>
    reduceSlices(a, attrs.axis, (v) => {
      let acc = 0;
      for (const x of v) acc += x;
      return acc;
    }),
  simplify(b, [a], attrs, shape) {
    if (isScalar(a.shape)) return a;
    if (a.op === 'broadcast') return fit(b, b.mul(b.const(sliceCount(a.shape, attrs.axis)), a.args[0]), shape);
    if (a.op === 'expand' && a.axis === attrs.axis) return b.mul(b.const(a.size as number), a.args[0]);
    return undefined;
  },
  jvp: (b, n, [t]) => b.sum(t as Node, n.axis),
  vjp: (b, n, g) => {
    const shape = n.args[0].shape;
    return [n.axis === undefined || shape.length < 2 ? b.broadcast(g, shape) : b.expand(g, n.axis, shape[n.axis])];
  },
  print: sumText,
  surface: [
    { kind: 'call', name: 'sum', params: [{ kind: 'tensor', name: 'M' }], takesAxis: true, forms: 'sum(M) or sum(M, axis = 0|1)' },
    {
      kind: 'infix',
      name: '.',
      params: [
        { kind: 'tensor', name: 'u' },
        { kind: 'tensor', name: 'v' },
      ],
      forms: 'operands of the same shape',
      shape: (args) => (sameShape(args[0], args[1]) ? [] : shapeMismatch('operands of the same shape', args)),
      build: (b, [u, v]) => b.dot(u, v),
    },
    { kind: 'call', name: 'norm2', params: [{ kind: 'tensor', name: 'v' }], forms: 'norm2(v)', shape: () => [], build: (b, [v]) => b.norm2(v) },
  ],
  lower: reductionLowering((ctx, length, read) => ctx.reduce('sum', length, read), false),
  generate: {
    forms: [{ args: ['n'] }, { args: ['n,d'] }, { args: ['n,d'], attrs: { axis: 0 } }, { args: ['n,d'], attrs: { axis: 1 } }, { args: ['d'], attrs: { axis: 0 } }],
  },
};

/** softmax(v) = exp(v − logsumexp(v)), along an axis for a matrix: every weight ≤ 1, no overflow. */
function softmaxShape(args: readonly Shape[]): Shape | string {
  return args[0].length === 0 ? shapeMismatch('a vector or a matrix', args) : args[0];
}

/**
 * `log Σ exp` of every entry or along an axis, shifted by the maximum.
 * @category IR
 */
export const logsumexpOperator: OperatorRecord = {
  name: 'logsumexp',
  doc: 'log Σ exp of every entry (a scalar) or along an axis, shifted by the maximum so it never overflows.',
  arity: 1,
  attributes: ['axis'],
  shape: reductionShape,
  evaluate: ([a], attrs) => reduceSlices(a, attrs.axis, logSumExp),
  simplify: (_b, [a]) => (isScalar(a.shape) ? a : undefined),
  // ∂ logsumexp(a) = softmax(a) = exp(a − logsumexp(a)), along the reduced axis.
  jvp: (b, n, [t]) => {
    const a = n.args[0];
    return b.sum(b.mul(b.map('exp', b.sub(a, spread(b, n, a.shape, n.axis))), t as Node), n.axis);
  },
  vjp: (b, n, g) => {
    const a = n.args[0];
    return [b.mul(spread(b, g, a.shape, n.axis), b.map('exp', b.sub(a, spread(b, n, a.shape, n.axis))))];
  },
  print: (node, ctx) => callForm('logsumexp', node, ctx),
  surface: [
    { kind: 'call', name: 'logsumexp', params: [{ kind: 'tensor', name: 'M' }], takesAxis: true, forms: 'logsumexp(M) or logsumexp(M, axis = 0|1)' },
    {
      kind: 'call',
      name: 'softmax',
      params: [{ kind: 'tensor', name: 'v' }],
      takesAxis: true,
      forms: 'softmax(v) or softmax(M, axis = 0|1)',
      shape: (args, attrs) => {
        const reduced = reductionShape(args, attrs);
        return typeof reduced === 'string' ? reduced : softmaxShape(args);
      },
      build: (b, [v], { axis }) => b.map('exp', b.sub(v, spread(b, b.logsumexp(v, axis), v.shape, axis))),
    },
  ],
  lower: reductionLowering(logSumExpOfSlice, true),
  generate: {
    forms: [{ args: ['n'] }, { args: ['n,d'], attrs: { axis: 0 } }, { args: ['n,d'], attrs: { axis: 1 } }],
  },
};

/** Entries within this relative distance of a slice's maximum count as ties for the tests' finite differences. */
const TIE = 1e-3;

/** The largest entry; NaN if any entry is NaN, as the kernels' Math.max gives. */
function maxOf(v: Float64Array): number {
  let m = -Infinity;
  for (const x of v) m = Math.max(m, x);
  return m;
}

/**
 * The largest entry, of every entry or along an axis. Its derivative is the subgradient that
 * splits evenly between tied maxima (as JAX does): ∂max = Σ_j w_j ∂a_j with w = maxmask(a).
 * @category IR
 */
export const maxOperator: OperatorRecord = {
  name: 'max',
  doc: 'The largest entry (a scalar), or along an axis; its derivative splits evenly between tied maxima.',
  arity: 1,
  attributes: ['axis'],
  shape: reductionShape,
  evaluate: ([a], attrs) => reduceSlices(a, attrs.axis, maxOf),
  simplify(b, [a], _attrs, shape) {
    if (isScalar(a.shape)) return a;
    if (a.op === 'broadcast') return fit(b, a.args[0], shape);
    return undefined;
  },
  jvp: (b, n, [t]) => b.sum(b.mul(b.apply('maxmask', [n.args[0]], axisOf(n)), t as Node), n.axis),
  vjp: (b, n, g) => {
    const a = n.args[0];
    return [b.mul(spread(b, g, a.shape, n.axis), b.apply('maxmask', [a], axisOf(n)))];
  },
  print: (node, ctx) => callForm('max', node, ctx),
  surface: [{ kind: 'call', name: 'max', params: [{ kind: 'tensor', name: 'M' }], takesAxis: true, forms: 'max(M) or max(M, axis = 0|1)' }],
  lower: reductionLowering((ctx, length, read) => ctx.reduce('max', length, read), false),
  generate: {
    forms: [{ args: ['n'] }, { args: ['n,d'] }, { args: ['n,d'], attrs: { axis: 0 } }, { args: ['n,d'], attrs: { axis: 1 } }],
    smoothAt([a], attrs) {
      // Finite differences straddle a kink when a runner-up is within TIE of the maximum (tied
      // entries may be different functions that only meet at this point).
      const gaps = reduceSlices(a, attrs.axis, (v) => {
        const m = maxOf(v);
        return v.filter((x) => m - x <= TIE * (1 + Math.abs(m))).length === 1 ? 1 : 0;
      });
      return gaps.every((ok) => ok === 1);
    },
  },
};

function axisOf(n: Node): { axis?: number } {
  return n.axis === undefined ? {} : { axis: n.axis };
}

function maskSlices(a: Tensor, axis: number | undefined): Float64Array {
  const out = new Float64Array(a.data.length);
  const visit = (indices: number[]): void => {
    const m = Math.max(...indices.map((j) => a.data[j]));
    const tied = indices.filter((j) => a.data[j] === m);
    for (const j of tied) out[j] = 1 / tied.length;
  };
  if (axis === undefined || a.shape.length < 2) visit([...a.data.keys()]);
  else {
    const [n, m] = a.shape;
    const lines = axis === 0 ? m : n;
    for (let r = 0; r < lines; r++) visit(Array.from({ length: axis === 0 ? n : m }, (_, k) => (axis === 0 ? k * m + r : r * m + k)));
  }
  return out;
}

/**
 * The subgradient weights of `max`: 1/(number of ties) at each maximum of a slice, 0 elsewhere.
 * @category IR
 */
export const maxmaskOperator: OperatorRecord = {
  name: 'maxmask',
  doc: 'Weights of the derivative of max: 1/k at each of the k maxima of a slice, 0 elsewhere.',
  arity: 1,
  attributes: ['axis'],
  shape: (args, attrs) => {
    const reduced = reductionShape(args, attrs);
    return typeof reduced === 'string' ? reduced : args[0];
  },
  evaluate: ([a], attrs) => maskSlices(a, attrs.axis),
  // Piecewise constant: its derivative is zero wherever it is defined.
  jvp: () => null,
  vjp: () => [null],
  print: (node, ctx) => callForm('maxmask', node, ctx),
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const a = node.args[0];
      forEachSlice(ctx, a.shape, node.axis, (_slice, length, entry) => {
        const read = (k: LoopIndex): LoopExpr => ctx.element(a, entry(k));
        const max = ctx.reduce('max', length, read);
        const ties = ctx.reduce('sum', length, (k) => select({ op: 'same', left: read(k), right: max }, constant(1), constant(0)));
        const weight = ctx.let(binary('div', constant(1), ties));
        ctx.loop(length, (k) => ctx.emit(store(target, entry(k), select({ op: 'same', left: read(k), right: max }, weight, constant(0)))));
      });
    },
  },
};

/**
 * Every reduction operator.
 * @category IR
 */
export const reductionOperators: readonly OperatorRecord[] = [broadcastOperator, sumOperator, logsumexpOperator, maxOperator, maxmaskOperator];
