/**
 * The elementwise arithmetic operators `+ - * / ^` and negation. A scalar operand broadcasts
 * implicitly; a row `R[1, m]` or a column `R[n, 1]` repeats along a matrix `R[n, m]` (NumPy's
 * rule for extents of 1, written `g[None, :]` or `g[:, None]` in `.sgd` files). The builder
 * turns both into operands of the result's shape or scalars, so kernels see only those.
 */
import { binary, unary } from '../../codegen/loop-build.ts';
import type { LoopBinaryOperator } from '../../codegen/loop-ir.ts';
import type { OperatorLowering } from '../../codegen/lowering.ts';
import type { IRBuilder } from '../builder.ts';
import { isConst, type Node } from '../node.ts';
import type { OperatorRecord, PrintContext, Printed, Tensor } from '../operator.ts';
import { shapeMismatch } from '../operator.ts';
import { isScalar, sameShape, sizeOf, type Shape } from '../shape.ts';
import { addOpt, entryAt, fit, unbroadcast } from './support.ts';

/** The elementwise binary operators. */
type Binary = 'add' | 'sub' | 'mul' | 'div' | 'pow';

/**
 * The shape of an elementwise binary operation, or why its operands do not fit.
 * @category IR
 */
export function elementwiseShape(args: readonly Shape[]): Shape | string {
  const [a, b] = args;
  if (sameShape(a, b) || isScalar(b)) return a;
  if (isScalar(a)) return b;
  if (a.length === 2 && b.length === 2 && a.every((e, k) => e === b[k] || e === 1 || b[k] === 1)) return [Math.max(a[0], b[0]), Math.max(a[1], b[1])];
  if (a.length + b.length === 3) {
    return shapeMismatch('operands of the same shape or a scalar operand (to repeat a vector g along a matrix, write g[:, None] for a column or g[None, :] for a row)', args);
  }
  if (a.length === 2 && b.length === 2) return shapeMismatch('operands of the same shape, a scalar operand, or a row R[1, m] or column R[n, 1] to repeat along R[n, m]', args);
  return shapeMismatch('operands of the same shape or a scalar operand', args);
}

/** `node` (a matrix with extents of 1 where `shape` has more) repeated to `shape`. */
function stretch(b: IRBuilder, node: Node, shape: Shape): Node {
  let out = node;
  for (const axis of [0, 1]) {
    if (out.shape.length === 2 && out.shape[axis] === 1 && shape[axis] !== 1) out = b.expand(b.sum(out, axis), axis, shape[axis]);
  }
  return out;
}

/** True when 1/c is finite, nonzero and multiplying by it rounds exactly like dividing by c. */
function isExactReciprocal(c: number): boolean {
  const r = 1 / c;
  return Number.isFinite(c) && Number.isFinite(r) && r !== 0 && Number.isInteger(Math.log2(Math.abs(c))) && Number.isFinite(Math.log2(Math.abs(r)));
}

/** Local rewrites of `a op b` on unbroadcast operands; `undefined` when none applies. */
function rewrite(b: IRBuilder, op: Binary, a: Node, c: Node, shape: Shape): Node | undefined {
  switch (op) {
    case 'add':
      if (isConst(a, 0)) return c;
      if (isConst(c, 0)) return a;
      if (c.op === 'neg') return b.sub(a, c.args[0]);
      if (a.op === 'neg') return b.sub(c, a.args[0]);
      return undefined;
    case 'sub':
      if (isConst(c, 0)) return a;
      if (isConst(a, 0)) return b.neg(c);
      if (a === c) return b.zeros(shape);
      if (c.op === 'neg') return b.add(a, c.args[0]);
      return undefined;
    case 'mul': {
      if (isConst(a, 0) || isConst(c, 0)) return b.zeros(shape);
      if (isConst(a, 1)) return c;
      if (isConst(c, 1)) return a;
      if (isConst(a, -1)) return b.neg(c);
      if (isConst(c, -1)) return b.neg(a);
      const [k, x] = a.op === 'const' ? [a, c] : c.op === 'const' ? [c, a] : [undefined, undefined];
      // c1 * (c2 * x) → (c1 c2) * x keeps chains of constant factors from derivatives short.
      if (k && x && x.op === 'mul' && x.args[0].op === 'const') return b.mul(b.const((k.value as number) * (x.args[0].value as number)), x.args[1]);
      if (k && x && x.op === 'neg') return b.mul(b.const(-(k.value as number)), x.args[0]);
      return undefined;
    }
    case 'div':
      if (isConst(c, 1)) return a;
      if (isConst(a, 0)) return b.zeros(shape);
      // x / c → (1/c)·x only when that is exact: c a power of two whose reciprocal is finite.
      if (c.op === 'const' && isExactReciprocal(c.value as number)) return b.mul(b.const(1 / (c.value as number)), a);
      return undefined;
    case 'pow':
      if (isConst(c, 1)) return a;
      if (isConst(c, 0)) return b.const(1);
      return undefined;
  }
}

const FOLD: Record<Binary, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => Math.pow(a, b),
};

function evaluateBinary(op: Binary) {
  return (args: readonly Tensor[], _attrs: unknown, shape: Shape): Float64Array => {
    const out = new Float64Array(sizeOf(shape));
    for (let j = 0; j < out.length; j++) out[j] = FOLD[op](entryAt(args[0], j), entryAt(args[1], j));
    return out;
  };
}

/** Printed forms of the binary operators: text symbol, LaTeX template, binding levels. */
function printBinary(op: Binary) {
  return (_node: Node, ctx: PrintContext): Printed => {
    const [a, c] = ctx.args;
    const latex = ctx.format === 'latex';
    switch (op) {
      case 'add':
        return { text: `${a.text} + ${ctx.wrap(c, 2)}`, level: 1 };
      case 'sub':
        return { text: `${a.text} - ${ctx.wrap(c, 2)}`, level: 1 };
      case 'mul':
        return { text: `${ctx.wrap(a, 2)}${latex ? ' \\, ' : ' * '}${ctx.wrap(c, 3)}`, level: 2 };
      case 'div':
        return latex ? { text: `\\frac{${a.text}}{${c.text}}`, level: 5 } : { text: `${ctx.wrap(a, 2)} / ${ctx.wrap(c, 3)}`, level: 2 };
      case 'pow':
        return latex ? { text: `{${ctx.wrap(a, 5)}}^{${c.text}}`, level: 4 } : { text: `${ctx.wrap(a, 5)}^${ctx.wrap(c, 5)}`, level: 4 };
    }
  };
}

const SYMBOL: Record<Binary, string> = { add: '+', sub: '-', mul: '*', div: '/', pow: '^' };

/** Entry by entry `a ∘ b` (a scalar operand is the same at every entry); `a^2` as a square, exact and cheap. */
function lowerBinary(op: Binary): OperatorLowering {
  return {
    fusable: true,
    element: (ctx, node, at) => {
      const [a, c] = node.args;
      if (op === 'pow' && isConst(c, 2)) return unary('square', ctx.element(a, at));
      return binary(op as LoopBinaryOperator, ctx.element(a, at), ctx.element(c, at));
    },
  };
}

/** A binary elementwise record: shape, folding, broadcasting, rewrites and lowering shared; derivatives its own. */
function elementwiseBinary(op: Binary, doc: string, derivatives: Pick<OperatorRecord, 'jvp' | 'vjp'>): OperatorRecord {
  return {
    name: op,
    doc,
    arity: 2,
    commutative: op === 'add' || op === 'mul',
    shape: elementwiseShape,
    evaluate: evaluateBinary(op),
    simplify(b, args, _attrs, shape) {
      const [a, c] = args.map((n) => stretch(b, n, shape));
      // Scalars broadcast implicitly, so an explicit broadcast operand is replaced by its scalar.
      const x = a.op === 'broadcast' ? a.args[0] : a;
      const y = c.op === 'broadcast' ? c.args[0] : c;
      const rewritten = x.op === 'const' && y.op === 'const' ? b.apply(op, [x, y]) : rewrite(b, op, x, y, shape);
      // A rewrite may rebuild from the unbroadcast (scalar) operands: restore the broadcast shape.
      if (rewritten) return fit(b, rewritten, shape);
      return b.make(op, [x, y], {}, shape);
    },
    ...derivatives,
    print: printBinary(op),
    surface: [{ kind: 'infix', name: SYMBOL[op], params: [{ kind: 'tensor', name: 'a' }, { kind: 'tensor', name: 'b' }], forms: 'operands of the same shape or a scalar operand' }],
    lower: lowerBinary(op),
  };
}

/**
 * `a + b`.
 * @category IR
 */
export const addOperator = elementwiseBinary('add', 'a + b, entrywise.', {
  jvp: (b, n, [ta, tc]) => fit(b, addOpt(b, ta, tc) as Node, n.shape),
  vjp: (b, n, g) => [unbroadcast(b, g, n.args[0].shape), unbroadcast(b, g, n.args[1].shape)],
});

/**
 * `a - b`.
 * @category IR
 */
export const subOperator = elementwiseBinary('sub', 'a − b, entrywise.', {
  jvp: (b, n, [ta, tc]) => fit(b, ta && tc ? b.sub(ta, tc) : (ta ?? b.neg(tc as Node)), n.shape),
  vjp: (b, n, g) => [unbroadcast(b, g, n.args[0].shape), unbroadcast(b, b.neg(g), n.args[1].shape)],
});

/**
 * `a * b`.
 * @category IR
 */
export const mulOperator = elementwiseBinary('mul', 'a · b, entrywise.', {
  jvp: (b, n, [ta, tc]) => {
    const [a, c] = n.args;
    return fit(b, addOpt(b, ta && b.mul(ta, c), tc && b.mul(a, tc)) as Node, n.shape);
  },
  vjp: (b, n, g) => {
    const [a, c] = n.args;
    return [unbroadcast(b, b.mul(g, c), a.shape), unbroadcast(b, b.mul(g, a), c.shape)];
  },
});

/**
 * `a / b`.
 * @category IR
 */
export const divOperator = elementwiseBinary('div', 'a / b, entrywise.', {
  // y = a / c:  dy = (da − y dc) / c
  jvp: (b, n, [ta, tc]) => {
    const c = n.args[1];
    const numerator = ta && tc ? b.sub(ta, b.mul(n, tc)) : (ta ?? b.neg(b.mul(n, tc as Node)));
    return fit(b, b.div(numerator, c), n.shape);
  },
  vjp: (b, n, g) => {
    const [a, c] = n.args;
    const ga = b.div(g, c);
    return [unbroadcast(b, ga, a.shape), unbroadcast(b, b.neg(b.mul(ga, n)), c.shape)];
  },
});

/**
 * `a ^ b`.
 * @category IR
 */
export const powOperator = elementwiseBinary('pow', 'a^b, entrywise.', {
  // y = a^c:  dy = c a^(c−1) da + log(a) y dc
  jvp: (b, n, [ta, tc]) => {
    const [a, c] = n.args;
    const viaBase = ta && b.mul(b.mul(c, b.pow(a, b.sub(c, b.const(1)))), ta);
    const viaExponent = tc && b.mul(b.mul(b.map('log', a), n), tc);
    return fit(b, addOpt(b, viaBase, viaExponent) as Node, n.shape);
  },
  vjp: (b, n, g) => {
    const [a, c] = n.args;
    const ga = b.mul(g, b.mul(c, b.pow(a, b.sub(c, b.const(1)))));
    // The exponent is usually a constant: build log(a) only when it can matter.
    const gc = c.op === 'const' ? null : unbroadcast(b, b.mul(g, b.mul(b.map('log', a), n)), c.shape);
    return [unbroadcast(b, ga, a.shape), gc];
  },
});

/**
 * `-a`.
 * @category IR
 */
export const negOperator: OperatorRecord = {
  name: 'neg',
  doc: '−a.',
  arity: 1,
  printInline: true,
  shape: ([a]) => a,
  evaluate: ([a]) => a.data.map((v) => -v),
  simplify(b, [a]) {
    if (a.op === 'neg') return a.args[0];
    if (a.op === 'broadcast') return b.broadcast(b.neg(a.args[0]), a.shape);
    return undefined;
  },
  jvp: (b, _n, [t]) => b.neg(t as Node),
  vjp: (b, _n, g) => [b.neg(g)],
  print: (_node, ctx) => ({ text: `-${ctx.wrap(ctx.args[0], 3)}`, level: 3 }),
  surface: [{ kind: 'prefix', name: '-', params: [{ kind: 'tensor', name: 'a' }], forms: 'any operand' }],
  lower: { fusable: true, element: (ctx, node, at) => unary('neg', ctx.element(node.args[0], at)) },
};

/**
 * Every arithmetic operator.
 * @category IR
 */
export const arithmeticOperators: readonly OperatorRecord[] = [addOperator, subOperator, mulOperator, divOperator, powOperator, negOperator];
