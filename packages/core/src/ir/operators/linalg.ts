/**
 * Linear algebra: `matvec` (A v), `vecmat` (Aᵀ w), `matmul` (M N), `outer` (a bᵀ),
 * `transpose`, `expand` (a vector repeated along a new axis) and `sqdist` (pairwise squared
 * distances of rows). The first six are closed under differentiation; `sqdist`'s derivatives
 * are written with them.
 */
import { binary, store, unary } from '../../codegen/loop-build.ts';
import type { Node } from '../node.ts';
import type { OperatorRecord, PrintContext, Printed } from '../operator.ts';
import { shapeMismatch } from '../operator.ts';
import { formatShape } from '../shape.ts';
import { matrixIndex, rowAndColumn } from './lowering-support.ts';
import { addOpt } from './support.ts';

const tensorParams = (a: string, c: string) =>
  [
    { kind: 'tensor', name: a },
    { kind: 'tensor', name: c },
  ] as const;

function productText(node: Node, ctx: PrintContext): Printed {
  const [a, c] = ctx.args;
  if (ctx.format === 'text') return { text: `${ctx.wrap(a, 3)} @ ${ctx.wrap(c, 3)}`, level: 2 };
  if (node.op === 'vecmat') return { text: `{${ctx.wrap(c, 5)}}^\\top ${ctx.wrap(a, 5)}`, level: 2 };
  return { text: `${ctx.wrap(a, 5)} ${ctx.wrap(c, 5)}`, level: 2 };
}

/**
 * `A v` for `A : [n, d]`, `v : [d]`.
 * @category IR
 */
export const matvecOperator: OperatorRecord = {
  name: 'matvec',
  doc: 'Matrix–vector product A v.',
  arity: 2,
  shape: (args) => {
    const [A, v] = args;
    return A.length === 2 && v.length === 1 && A[1] === v[0] ? [A[0]] : shapeMismatch('R[n, d] @ R[d]', args);
  },
  evaluate([A, v]) {
    const [n, d] = A.shape;
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[r] += A.data[r * d + k] * v.data[k];
    return out;
  },
  jvp: (b, n, [tA, tv]) => {
    const [A, v] = n.args;
    return addOpt(b, tA && b.matvec(tA, v), tv && b.matvec(A, tv));
  },
  vjp: (b, n, g) => {
    const [A, v] = n.args;
    return [b.outer(g, v), b.vecmat(g, A)];
  },
  print: productText,
  surface: [{ kind: 'infix', name: '@', params: tensorParams('A', 'v'), forms: 'R[n, d] @ R[d]' }],
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const [A, v] = node.args;
      const [n, d] = A.shape;
      ctx.loop(n, (r) => {
        const dot = ctx.reduce('sum', d, (k) => binary('mul', ctx.element(A, matrixIndex(r, k, d)), ctx.element(v, k)));
        ctx.emit(store(target, r, dot));
      });
    },
  },
  generate: { forms: [{ args: ['n,d', 'd'] }] },
};

/**
 * `Aᵀ w` for `w : [n]`, `A : [n, d]`.
 * @category IR
 */
export const vecmatOperator: OperatorRecord = {
  name: 'vecmat',
  doc: 'Vector–matrix product w @ A = Aᵀ w.',
  arity: 2,
  shape: (args) => {
    const [w, A] = args;
    return A.length === 2 && w.length === 1 && A[0] === w[0] ? [A[1]] : shapeMismatch('R[n] @ R[n, d]', args);
  },
  evaluate([w, A]) {
    const [n, d] = A.shape;
    const out = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[k] += w.data[r] * A.data[r * d + k];
    return out;
  },
  jvp: (b, n, [tw, tA]) => {
    const [w, A] = n.args;
    return addOpt(b, tw && b.vecmat(tw, A), tA && b.vecmat(w, tA));
  },
  vjp: (b, n, g) => {
    const [w, A] = n.args;
    return [b.matvec(A, g), b.outer(w, g)];
  },
  print: productText,
  surface: [{ kind: 'infix', name: '@', params: tensorParams('w', 'A'), forms: 'R[n] @ R[n, d]' }],
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const [w, A] = node.args;
      const [n, d] = A.shape;
      // Row by row, so A is read in memory order: target += w_r A[r].
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: d });
      ctx.loop(n, (r) => {
        const weight = ctx.let(ctx.element(w, r));
        ctx.loop(d, (k) => ctx.emit(store(target, k, binary('mul', weight, ctx.element(A, matrixIndex(r, k, d))), true)));
      });
    },
  },
  generate: { forms: [{ args: ['n', 'n,d'] }] },
};

/**
 * `M N` for `M : [n, k]`, `N : [k, m]`.
 * @category IR
 */
export const matmulOperator: OperatorRecord = {
  name: 'matmul',
  doc: 'Matrix–matrix product M @ N.',
  arity: 2,
  shape: (args) => {
    const [M, N] = args;
    return M.length === 2 && N.length === 2 && M[1] === N[0] ? [M[0], N[1]] : shapeMismatch('R[n, k] @ R[k, m]', args);
  },
  evaluate([M, N]) {
    const [n, k] = M.shape;
    const m = N.shape[1];
    const out = new Float64Array(n * m);
    for (let r = 0; r < n; r++) for (let j = 0; j < k; j++) for (let c = 0; c < m; c++) out[r * m + c] += M.data[r * k + j] * N.data[j * m + c];
    return out;
  },
  jvp: (b, n, [tM, tN]) => {
    const [M, N] = n.args;
    return addOpt(b, tM && b.matmul(tM, N), tN && b.matmul(M, tN));
  },
  vjp: (b, n, g) => {
    const [M, N] = n.args;
    return [b.matmul(g, b.transpose(N)), b.matmul(b.transpose(M), g)];
  },
  print: productText,
  surface: [{ kind: 'infix', name: '@', params: tensorParams('M', 'N'), forms: 'R[n, k] @ R[k, m]' }],
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const [M, N] = node.args;
      const [n, k] = M.shape;
      const m = N.shape[1];
      // Row r of the product is Σ_j M[r, j] N[j]: N and the target are read in memory order.
      ctx.emit({ kind: 'zero', buffer: target, start: 0, end: n * m });
      ctx.loop(n, (r) =>
        ctx.loop(k, (j) => {
          const weight = ctx.let(ctx.element(M, matrixIndex(r, j, k)));
          ctx.loop(m, (c) => ctx.emit(store(target, matrixIndex(r, c, m), binary('mul', weight, ctx.element(N, matrixIndex(j, c, m))), true)));
        }),
      );
    },
  },
  generate: { forms: [{ args: ['n,d', 'd,n'] }, { args: ['d,n', 'n,d'] }, { args: ['n,d', 'd,d'] }] },
};

/**
 * `Mᵀ`.
 * @category IR
 */
export const transposeOperator: OperatorRecord = {
  name: 'transpose',
  doc: 'The transpose of a matrix.',
  arity: 1,
  shape: (args) => (args[0].length === 2 ? [args[0][1], args[0][0]] : shapeMismatch('a matrix R[n, m]', args)),
  evaluate([M]) {
    const [n, m] = M.shape;
    const out = new Float64Array(n * m);
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[c * n + r] = M.data[r * m + c];
    return out;
  },
  simplify(b, [M], _attrs, shape) {
    if (M.op === 'transpose') return M.args[0];
    if (M.op === 'broadcast') return b.broadcast(M.args[0], shape);
    if (M.op === 'outer') return b.outer(M.args[1], M.args[0]);
    return undefined;
  },
  jvp: (b, _n, [t]) => b.transpose(t as Node),
  vjp: (b, _n, g) => [b.transpose(g)],
  print: (_node, ctx) => (ctx.format === 'latex' ? { text: `{${ctx.wrap(ctx.args[0], 5)}}^\\top`, level: 5 } : { text: `transpose(${ctx.args[0].text})`, level: 5 }),
  surface: [{ kind: 'call', name: 'transpose', params: [{ kind: 'tensor', name: 'M' }], forms: 'transpose(M) of a matrix M' }],
  lower: {
    tensor: (ctx, node, target) => {
      const [n, m] = node.args[0].shape;
      ctx.loop(n, (r) => ctx.loop(m, (c) => ctx.emit(store(target, matrixIndex(c, r, n), ctx.element(node.args[0], matrixIndex(r, c, m))))));
    },
  },
  generate: { forms: [{ args: ['n,d'] }] },
};

/**
 * `a bᵀ` for vectors.
 * @category IR
 */
export const outerOperator: OperatorRecord = {
  name: 'outer',
  doc: 'Outer product a bᵀ of two vectors.',
  arity: 2,
  shape: (args) => (args[0].length === 1 && args[1].length === 1 ? [args[0][0], args[1][0]] : shapeMismatch('two vectors', args)),
  evaluate([a, c]) {
    const [n, d] = [a.data.length, c.data.length];
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[r * d + k] = a.data[r] * c.data[k];
    return out;
  },
  jvp: (b, n, [ta, tc]) => {
    const [a, c] = n.args;
    return addOpt(b, ta && b.outer(ta, c), tc && b.outer(a, tc));
  },
  vjp: (b, n, g) => {
    const [a, c] = n.args;
    return [b.matvec(g, c), b.vecmat(a, g)];
  },
  print: (_node, ctx) => {
    const [a, c] = ctx.args;
    return ctx.format === 'latex' ? { text: `${ctx.wrap(a, 5)} {${ctx.wrap(c, 5)}}^\\top`, level: 2 } : { text: `outer(${a.text}, ${c.text})`, level: 5 };
  },
  surface: [{ kind: 'call', name: 'outer', params: tensorParams('u', 'v'), forms: 'outer(u, v) of two vectors' }],
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const [a, c] = node.args;
      const d = c.shape[0];
      ctx.loop(a.shape[0], (r) => {
        const ar = ctx.let(ctx.element(a, r));
        ctx.loop(d, (k) => ctx.emit(store(target, matrixIndex(r, k, d), binary('mul', ar, ctx.element(c, k)))));
      });
    },
  },
  generate: { forms: [{ args: ['n', 'd'] }] },
};

/**
 * `v : [n]` repeated along a new axis: `axis = 1` gives `[n, size]` (every column is v,
 * `v[:, None]` when size is 1), `axis = 0` gives `[size, n]` (every row is v).
 * @category IR
 */
export const expandOperator: OperatorRecord = {
  name: 'expand',
  doc: 'A vector repeated along a new axis: axis 1 makes it the columns of a matrix, axis 0 its rows.',
  arity: 1,
  attributes: ['axis', 'size'],
  shape: (args, { axis, size }) => {
    const [v] = args;
    if (v.length !== 1) return shapeMismatch('a vector to repeat along a new axis', args);
    if (axis !== 0 && axis !== 1) return `has no axis ${axis} to add to ${formatShape(v)}: the new axis is 0 (a row) or 1 (a column)`;
    const s = size as number;
    return axis === 0 ? [s, v[0]] : [v[0], s];
  },
  evaluate([v], { axis }, shape) {
    const [n, m] = shape;
    const out = new Float64Array(n * m);
    for (let r = 0; r < n; r++) for (let c = 0; c < m; c++) out[r * m + c] = v.data[axis === 0 ? c : r];
    return out;
  },
  simplify: (b, [v], _attrs, shape) => (v.op === 'broadcast' ? b.broadcast(v.args[0], shape) : undefined),
  jvp: (b, n, [t]) => b.expand(t as Node, n.axis as number, n.size as number),
  vjp: (b, n, g) => [b.sum(g, n.axis)],
  print(node, ctx) {
    const a = ctx.args[0];
    if (ctx.format === 'latex') return node.axis === 1 ? { text: `${ctx.wrap(a, 5)} \\mathbf{1}_{${node.size}}^\\top`, level: 2 } : { text: `\\mathbf{1}_{${node.size}} {${ctx.wrap(a, 5)}}^\\top`, level: 2 };
    // As written in .sgd files: a column or a row, which repeats along the matrix it meets.
    return { text: `${ctx.wrap(a, 5)}${node.axis === 1 ? '[:, None]' : '[None, :]'}`, level: 5 };
  },
  surface: [{ kind: 'newaxis', name: 'newaxis', params: [{ kind: 'tensor', name: 'v' }], forms: 'a vector' }],
  // Read in place, never stored: entry (r, c) is v[r] (axis 1) or v[c] (axis 0), so
  // `C - f[:, None]` costs no n×m buffer.
  lower: {
    inPlace: true,
    readsAtRandom: true,
    element: (ctx, node, at) => {
      const [row, column] = rowAndColumn(at, node.shape[1]);
      return ctx.element(node.args[0], node.axis === 1 ? row : column);
    },
  },
  generate: {
    forms: [
      { args: ['n'], attrs: { axis: 1 }, sizeFrom: 'd' },
      { args: ['d'], attrs: { axis: 0 }, sizeFrom: 'n' },
      { args: ['n'], attrs: { axis: 1 }, sizeFrom: 'n' },
    ],
  },
};

/**
 * `R[p, q] = Σ_k (X[p, k] − Y[q, k])²` for `X : [p, k]`, `Y : [q, k]`.
 * @category IR
 */
export const sqdistOperator: OperatorRecord = {
  name: 'sqdist',
  doc: 'Pairwise squared Euclidean distances of the rows of X : R[p, k] and Y : R[q, k], an R[p, q] matrix.',
  arity: 2,
  shape: (args) => {
    const [X, Y] = args;
    return X.length === 2 && Y.length === 2 && X[1] === Y[1] ? [X[0], Y[0]] : shapeMismatch('two matrices with rows of one length, R[p, k] and R[q, k]', args);
  },
  evaluate([X, Y]) {
    const [p, k] = X.shape;
    const q = Y.shape[0];
    const out = new Float64Array(p * q);
    for (let r = 0; r < p; r++) {
      for (let c = 0; c < q; c++) {
        let acc = 0;
        for (let j = 0; j < k; j++) acc += (X.data[r * k + j] - Y.data[c * k + j]) ** 2;
        out[r * q + c] = acc;
      }
    }
    return out;
  },
  // dR = 2 (Σ_k X tX)[p] − 2 tX Yᵀ, and symmetrically in Y.
  jvp: (b, n, [tX, tY]) => {
    const [X, Y] = n.args;
    const [p, q] = n.shape;
    const viaX = tX && b.mul(b.const(2), b.sub(b.expand(b.sum(b.mul(X, tX), 1), 1, q), b.matmul(tX, b.transpose(Y))));
    const viaY = tY && b.mul(b.const(2), b.sub(b.expand(b.sum(b.mul(Y, tY), 1), 0, p), b.matmul(X, b.transpose(tY))));
    return addOpt(b, viaX, viaY);
  },
  vjp: (b, n, g) => {
    const [X, Y] = n.args;
    const k = X.shape[1];
    return [
      b.mul(b.const(2), b.sub(b.mul(X, b.expand(b.sum(g, 1), 1, k)), b.matmul(g, Y))),
      b.mul(b.const(2), b.sub(b.mul(Y, b.expand(b.sum(g, 0), 1, k)), b.matmul(b.transpose(g), X))),
    ];
  },
  print: (_node, ctx) => (ctx.format === 'latex' ? { text: `\\operatorname{sqdist}\\left(${ctx.args[0].text}, ${ctx.args[1].text}\\right)`, level: 5 } : { text: `sqdist(${ctx.args[0].text}, ${ctx.args[1].text})`, level: 5 }),
  surface: [{ kind: 'call', name: 'sqdist', params: tensorParams('X', 'Y'), forms: 'sqdist(X, Y) of R[p, k] and R[q, k]' }],
  lower: {
    readsAtRandom: true,
    tensor: (ctx, node, target) => {
      const [X, Y] = node.args;
      const [p, q] = node.shape;
      const k = X.shape[1];
      // Σ_j (X[r, j] − Y[c, j])² directly: no cancellation, unlike ‖x‖² + ‖y‖² − 2 x·y.
      ctx.loop(p, (r) =>
        ctx.loop(q, (c) => {
          const distance = ctx.reduce('sum', k, (j) => unary('square', binary('sub', ctx.element(X, matrixIndex(r, j, k)), ctx.element(Y, matrixIndex(c, j, k)))));
          ctx.emit(store(target, matrixIndex(r, c, q), distance));
        }),
      );
    },
  },
  generate: { forms: [{ args: ['n,d', 'n,d'] }, { args: ['n,d', 'd,d'] }] },
};

/**
 * Every linear-algebra operator.
 * @category IR
 */
export const linalgOperators: readonly OperatorRecord[] = [matvecOperator, vecmatOperator, matmulOperator, transposeOperator, outerOperator, expandOperator, sqdistOperator];

