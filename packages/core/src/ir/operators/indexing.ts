/**
 * Indexing by a sample or a constant: `entry` (v[i]), `row` (A[i]) and their adjoints
 * `scatter` and `scatterRow` (zero but for one entry or row), which `.sgd` files write as
 * `onehot(i, n)`. The index argument is an integer and never carries a derivative.
 */
import { indexAdd, indexConst, indexMul, store } from '../../codegen/loop-build.ts';
import type { Node } from '../node.ts';
import type { OperatorRecord, PrintContext, Printed } from '../operator.ts';
import { shapeMismatch } from '../operator.ts';

function indexForm(_node: Node, ctx: PrintContext): Printed {
  const [a, i] = ctx.args;
  return ctx.format === 'latex' ? { text: `{${ctx.wrap(a, 5)}}_{${i.text}}`, level: 5 } : { text: `${ctx.wrap(a, 5)}[${i.text}]`, level: 5 };
}

const INDEX_PARAMS = [
  { kind: 'tensor', name: 'v' },
  { kind: 'index', name: 'i', extentFrom: 'v' },
] as const;

/**
 * `v[i]`.
 * @category IR
 */
export const entryOperator: OperatorRecord = {
  name: 'entry',
  doc: 'Entry v[i] of a vector, for a sample or constant index i.',
  arity: 2,
  indexArgs: [1],
  printInline: true,
  shape: (args) => (args[0].length === 1 ? [] : shapeMismatch('a vector', args.slice(0, 1))),
  evaluate: ([v, i]) => Float64Array.of(v.data[i.data[0]]),
  simplify(_b, [v, i]) {
    if (v.op === 'broadcast') return v.args[0];
    if (v.op === 'scatter' && v.args[1] === i) return v.args[0];
    return undefined;
  },
  jvp: (b, n, [t]) => t && b.entry(t, n.args[1]),
  vjp: (b, n, g) => [b.scatter(g, n.args[1], n.args[0].shape[0]), null],
  print: indexForm,
  surface: [{ kind: 'index', name: '[]', params: INDEX_PARAMS, forms: 'a vector v[i]' }],
  lower: { element: (ctx, node) => ctx.element(node.args[0], ctx.index(node.args[1])) },
  generate: { forms: [{ args: ['n', 'i:n'] }, { args: ['d', 'i:d'] }] },
};

/**
 * `A[i]`.
 * @category IR
 */
export const rowOperator: OperatorRecord = {
  name: 'row',
  doc: 'Row A[i] of a matrix, for a sample or constant index i.',
  arity: 2,
  indexArgs: [1],
  printInline: true,
  shape: (args) => (args[0].length === 2 ? [args[0][1]] : shapeMismatch('a matrix', args.slice(0, 1))),
  evaluate: ([A, i]) => {
    const d = A.shape[1];
    return A.data.slice(i.data[0] * d, (i.data[0] + 1) * d);
  },
  simplify(b, [A, i]) {
    if (A.op === 'broadcast') return b.broadcast(A.args[0], [A.shape[1]]);
    if (A.op === 'scatterRow' && A.args[1] === i) return A.args[0];
    return undefined;
  },
  jvp: (b, n, [t]) => t && b.row(t, n.args[1]),
  vjp: (b, n, g) => [b.scatterRow(g, n.args[1], n.args[0].shape[0]), null],
  print: indexForm,
  surface: [{ kind: 'index', name: '[]', params: INDEX_PARAMS, forms: 'a matrix A[i]' }],
  lower: {
    inPlace: true,
    prepare: (ctx, node) => ctx.letIndex(indexMul(ctx.index(node.args[1]), indexConst(node.shape[0]))),
    element: (ctx, node, at) => ctx.element(node.args[0], indexAdd(ctx.prepared(node), at)),
  },
  generate: { forms: [{ args: ['n,d', 'i:n'] }] },
};

/**
 * The vector of length `size`, zero but for the scalar `g` at `i`.
 * @category IR
 */
export const scatterOperator: OperatorRecord = {
  name: 'scatter',
  doc: 'The vector of length size that is zero but for g at index i; onehot(i, n) in .sgd files.',
  arity: 2,
  attributes: ['size'],
  indexArgs: [1],
  shape: (args, { size }) => (args[0].length === 0 ? [size as number] : shapeMismatch('a scalar to scatter', args.slice(0, 1))),
  evaluate: ([g, i], _attrs, shape) => {
    const out = new Float64Array(shape[0]);
    out[i.data[0]] = g.data[0];
    return out;
  },
  jvp: (b, n, [t]) => t && b.scatter(t, n.args[1], n.size as number),
  vjp: (b, n, g) => [b.entry(g, n.args[1]), null],
  print(node, ctx) {
    const [g, i] = ctx.args;
    const onehot = ctx.format === 'latex' ? `e_{${i.text}}` : `onehot(${i.text}, ${node.size})`;
    if (node.args[0].op === 'const' && node.args[0].value === 1) return { text: onehot, level: 5 };
    return { text: `${onehot}${ctx.format === 'latex' ? ' \\, ' : ' * '}${ctx.wrap(g, 3)}`, level: 2 };
  },
  surface: [
    {
      kind: 'call',
      name: 'onehot',
      params: [
        { kind: 'index', name: 'i', extentFrom: 'n' },
        { kind: 'size', name: 'n' },
      ],
      forms: 'onehot(i, n) for a sample or constant i and a constant n',
      shape: (_args, { size }) => [size as number],
      build: (b, [i], { size }) => b.scatter(b.const(1), i, size as number),
    },
  ],
  lower: {
    tensor: (ctx, node, target) => {
      const [g, i] = node.args;
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: node.shape[0] });
      ctx.emit(store(target, ctx.index(i), ctx.scalar(g)));
    },
  },
};

/**
 * The `[size, d]` matrix, zero but for row `i` equal to `g`.
 * @category IR
 */
export const scatterRowOperator: OperatorRecord = {
  name: 'scatterRow',
  doc: 'The [size, d] matrix that is zero but for row i equal to g.',
  arity: 2,
  attributes: ['size'],
  indexArgs: [1],
  shape: (args, { size }) => (args[0].length === 1 ? [size as number, args[0][0]] : shapeMismatch('a vector to scatter as a row', args.slice(0, 1))),
  evaluate: ([g, i], _attrs, shape) => {
    const out = new Float64Array(shape[0] * shape[1]);
    out.set(g.data, i.data[0] * shape[1]);
    return out;
  },
  jvp: (b, n, [t]) => t && b.scatterRow(t, n.args[1], n.size as number),
  vjp: (b, n, g) => [b.row(g, n.args[1]), null],
  lower: {
    tensor: (ctx, node, target) => {
      const [g, i] = node.args;
      const d = g.shape[0];
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: node.shape[0] * d });
      const base = ctx.letIndex(indexMul(ctx.index(i), indexConst(d)));
      ctx.loop(d, (k) => ctx.emit(store(target, indexAdd(base, k), ctx.element(g, k))));
    },
  },
  print(node, ctx) {
    const [g, i] = ctx.args;
    return ctx.format === 'latex' ? { text: `e_{${i.text}} {${ctx.wrap(g, 5)}}^\\top`, level: 2 } : { text: `onehot(${i.text}, ${node.size}) * ${ctx.wrap(g, 3)}`, level: 2 };
  },
};

/**
 * Every indexing operator.
 * @category IR
 */
export const indexingOperators: readonly OperatorRecord[] = [entryOperator, rowOperator, scatterOperator, scatterRowOperator];
