/**
 * Property-based tests of the symbolic differentiation engine (`jvp`, `vjp`), of every
 * registered operator's record (shape rule, simplification, JVP, VJP, lowering), of the
 * simplifying builder and of the kernel code generator, for any table of operators:
 * `describeOperatorProperties` is called by `diff-rules.property.test.ts` with the built-in
 * registry and by a test that registers an operator of its own.
 *
 * fast-check generates random, well-shaped expressions as plain data ("recipes"), which are then
 * built into IR with `IRBuilder`. Operators with a generator hint (`OperatorRecord.generate`)
 * take part automatically, at the argument shapes the hint lists. Each expression is evaluated
 * three independent ways:
 *
 *  1. `evalRecipe`: the recipe itself, evaluated directly (no builder, so no simplification);
 *  2. `interpret`: a tiny reference interpreter over IR nodes (recursion over plain arrays, own
 *     implementations of the elementwise functions and operators; an operator it has none for
 *     is evaluated by its record; it never touches the code generator);
 *  3. kernels compiled by `compileKernel`, each output split by `splitBySample` into a sample-free
 *     part and a part averaged over a batch of sample indices, as `ProblemKernels` compiles them.
 *
 * (1) vs (2) checks that the builder's rewrites preserve values, (2) vs (3) checks the code
 * generator, and finite differences of (2) check the derivative graphs built by the records.
 *
 * Inputs: a var `x : [d]`, a scalar var `s : []`, a param `theta : [n]`, a data matrix
 * `A : [n, d]` and a sample index `i ∈ 0..n-1`; `d` and `n` are drawn from 1..4 per case.
 *
 * Every `fc.assert` has a fixed seed, so runs are reproducible; a failure prints the recipe, the
 * dimensions and the point, and the thrown message prints the formula.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IRBuilder,
  compileKernel,
  inputKey,
  jvp,
  prepareKernelBackend,
  rulesOf,
  printFormulas,
  sampleDependent,
  splitBySample,
  sizeOf,
  topologicalOrder,
  vjp,
  type Attributes,
  type Backend,
  type BinaryOp,
  type FunctionTable,
  type InputLocation,
  type KernelOutput,
  type Node,
  type Op,
  type OperatorTable,
  type RuleTable,
  type Shape,
  type Tensor,
} from '@sgdiff/core';

/** The operators under test and their functions and rules, set by {@link describeOperatorProperties}. */
let OPERATORS: OperatorTable;
let FUNCTIONS: FunctionTable;
let RULES: RuleTable;
/** When set, the only operator generated from its hint (the others still appear through the fixed generators). */
let FOCUS: string | undefined;
/** The backend the kernels under test are compiled for. */
let BACKEND: Backend = 'js';

// ---------------------------------------------------------------------------------------------
// Tolerances
// ---------------------------------------------------------------------------------------------

/**
 * Central differences (f(p + h v) − f(p − h v)) / 2h have truncation error h²/6 · |f'''| and
 * round-off error about ε · |f| / h. With h = 1e-5 (scaled by the size of the coordinate) and the
 * magnitude guard below (every intermediate value of f at most {@link MAGNITUDE} in absolute
 * value), both terms are around 1e-10 … 1e-8 for the derivatives seen here, so a tolerance of
 * 1e-6 · (1 + |derivative|) leaves two orders of magnitude of margin while still catching any
 * wrong rule (a wrong rule is off by O(1) relative, not O(1e-6)).
 */
const FD_STEP = 1e-5;
const FD_TOLERANCE = 1e-6;

/**
 * The interpreter and the compiled kernels evaluate the same formulas in nearly the same order;
 * they differ in the implementations of softplus, sigmoid and tanh (textbook vs library forms,
 * equal to a few ulps) and in how a batch mean is summed (`fixed + Σ w·sampled` vs the mean of
 * `fixed + sampled`), amplified at most mildly by the bounded expressions we generate.
 */
const KERNEL_TOLERANCE = 1e-12;

/**
 * Two analytic results that differ only by floating-point association (a jvp vs ⟨∇f, v⟩, the
 * symmetry of the Hessian): rounding in sums of a few dozen terms of size ≤ MAGNITUDE.
 */
const ALGEBRA_TOLERANCE = 1e-10;

/**
 * The builder rewrites `x / c` into `(1/c) · x` and `c1 · (c2 · x)` into `(c1 c2) · x`: each
 * changes the result by an ulp or so, which cancellation in the rest of the expression can
 * amplify; 1e-9 still catches any real change of meaning (a lost broadcast is off by a factor d).
 */
const REWRITE_TOLERANCE = 1e-9;

/** Cases where some intermediate value exceeds this are skipped: FD would be too inaccurate. */
const MAGNITUDE = 1e4;

/** |a − b| ≤ tol · (1 + max(|a|, |b|)): relative for large values, absolute near zero. */
function close(a: number, b: number, tol: number): boolean {
  if (Number.isNaN(a) || Number.isNaN(b)) return false;
  return Math.abs(a - b) <= tol * (1 + Math.max(Math.abs(a), Math.abs(b)));
}

function assertAllClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string, formula: string): void {
  if (actual.length !== expected.length) {
    throw new Error(`${what}: length ${actual.length}, expected ${expected.length}\n  f = ${formula}`);
  }
  for (let k = 0; k < actual.length; k++) {
    if (!close(actual[k], expected[k], tol)) {
      throw new Error(
        `${what}: entry ${k} is ${actual[k]}, expected ${expected[k]} (tolerance ${tol}·(1+|·|))\n` +
          `  actual   [${Array.from(actual).join(', ')}]\n  expected [${Array.from(expected).join(', ')}]\n  f = ${formula}`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Tensors and a numeric library shared by the recipe evaluator and the IR interpreter
// ---------------------------------------------------------------------------------------------

const tensor = (shape: Shape, data: ArrayLike<number>): Tensor => {
  if (data.length !== sizeOf(shape)) throw new Error(`tensor of shape [${shape}] with ${data.length} entries`);
  return { shape, data: Float64Array.from(data) };
};
const scalar = (v: number): Tensor => tensor([], [v]);
const sameShape = (a: Shape, b: Shape): boolean => a.length === b.length && a.every((e, k) => e === b[k]);

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: (a, b) => a ** b,
};

/**
 * Reference implementations of the built-in elementwise functions, written from their textbook
 * definitions rather than imported from the plugin, so a wrong `evaluate` would be noticed.
 */
const REFERENCE_FUNCTIONS: Record<string, (z: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  sqrt: Math.sqrt,
  // log(1 + e^z) = max(z, 0) + log(1 + e^−|z|), to stay finite for large z.
  softplus: (z) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: (z) => (Math.exp(2 * z) === Infinity ? 1 : (Math.exp(2 * z) - 1) / (Math.exp(2 * z) + 1)),
};

const num = {
  /** `a op b` with scalar broadcasting; `shape` (default: the non-scalar operand's) is the result shape. */
  binary(op: BinaryOp, a: Tensor, b: Tensor, shape: Shape = a.shape.length === 0 ? b.shape : a.shape): Tensor {
    const fits = (t: Tensor): boolean => t.shape.length === 0 || sameShape(t.shape, shape);
    if (!fits(a) || !fits(b)) {
      throw new Error(`${op} of [${a.shape}] and [${b.shape}]`);
    }
    const n = sizeOf(shape);
    const out = new Float64Array(n);
    for (let j = 0; j < n; j++) out[j] = BINARY[op](a.data.length === 1 ? a.data[0] : a.data[j], b.data.length === 1 ? b.data[0] : b.data[j]);
    return { shape, data: out };
  },
  unary(f: (z: number) => number, a: Tensor): Tensor {
    return { shape: a.shape, data: a.data.map(f) };
  },
  broadcast(a: Tensor, shape: Shape): Tensor {
    if (a.shape.length !== 0) throw new Error(`broadcast of [${a.shape}]`);
    return { shape, data: new Float64Array(sizeOf(shape)).fill(a.data[0]) };
  },
  sum(a: Tensor): Tensor {
    let acc = 0;
    for (const v of a.data) acc += v;
    return scalar(acc);
  },
  logsumexp(a: Tensor): Tensor {
    const m = Math.max(...a.data);
    if (!Number.isFinite(m)) return scalar(m);
    let acc = 0;
    for (const v of a.data) acc += Math.exp(v - m);
    return scalar(m + Math.log(acc));
  },
  matvec(A: Tensor, v: Tensor): Tensor {
    const [n, d] = A.shape;
    if (A.shape.length !== 2 || !sameShape(v.shape, [d])) throw new Error(`matvec of [${A.shape}] and [${v.shape}]`);
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[r] += A.data[r * d + k] * v.data[k];
    return { shape: [n], data: out };
  },
  vecmat(w: Tensor, A: Tensor): Tensor {
    const [n, d] = A.shape;
    if (A.shape.length !== 2 || !sameShape(w.shape, [n])) throw new Error(`vecmat of [${w.shape}] and [${A.shape}]`);
    const out = new Float64Array(d);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[k] += w.data[r] * A.data[r * d + k];
    return { shape: [d], data: out };
  },
  outer(a: Tensor, c: Tensor): Tensor {
    if (a.shape.length !== 1 || c.shape.length !== 1) throw new Error(`outer of [${a.shape}] and [${c.shape}]`);
    const [n, d] = [a.shape[0], c.shape[0]];
    const out = new Float64Array(n * d);
    for (let r = 0; r < n; r++) for (let k = 0; k < d; k++) out[r * d + k] = a.data[r] * c.data[k];
    return { shape: [n, d], data: out };
  },
  entry(v: Tensor, k: number): Tensor {
    if (v.shape.length !== 1) throw new Error(`entry of [${v.shape}]`);
    checkIndex(k, v.shape[0]);
    return scalar(v.data[k]);
  },
  row(A: Tensor, k: number): Tensor {
    if (A.shape.length !== 2) throw new Error(`row of [${A.shape}]`);
    checkIndex(k, A.shape[0]);
    const d = A.shape[1];
    return { shape: [d], data: A.data.slice(k * d, (k + 1) * d) };
  },
  scatter(g: Tensor, k: number, size: number): Tensor {
    if (g.shape.length !== 0) throw new Error(`scatter of [${g.shape}]`);
    checkIndex(k, size);
    const out = new Float64Array(size);
    out[k] = g.data[0];
    return { shape: [size], data: out };
  },
  scatterRow(g: Tensor, k: number, size: number): Tensor {
    if (g.shape.length !== 1) throw new Error(`scatterRow of [${g.shape}]`);
    checkIndex(k, size);
    const d = g.shape[0];
    const out = new Float64Array(size * d);
    out.set(g.data, k * d);
    return { shape: [size, d], data: out };
  },
};

/**
 * Reference implementations of the operators beyond the ones above, written here from their
 * definitions (loops over explicit row/column indices), independently of the records'
 * `evaluate`; an operator a plugin adds without an entry here is evaluated by its record.
 */
const REFERENCE_OPERATORS: Record<string, (args: readonly Tensor[], attrs: Attributes) => Tensor> = {
  matmul([M, N]) {
    const [n, k] = M.shape;
    const m = N.shape[1];
    const out = new Float64Array(n * m);
    for (let r = 0; r < n; r++) {
      for (let c = 0; c < m; c++) {
        let acc = 0;
        for (let j = 0; j < k; j++) acc += M.data[r * k + j] * N.data[j * m + c];
        out[r * m + c] = acc;
      }
    }
    return { shape: [n, m], data: out };
  },
  transpose([M]) {
    const [n, m] = M.shape;
    return { shape: [m, n], data: Float64Array.from({ length: n * m }, (_, f) => M.data[(f % n) * m + Math.floor(f / n)]) };
  },
  expand([v], { axis, size }) {
    const len = v.data.length;
    const s = size as number;
    const shape = axis === 1 ? [len, s] : [s, len];
    return { shape, data: Float64Array.from({ length: len * s }, (_, f) => v.data[axis === 1 ? Math.floor(f / s) : f % len]) };
  },
  sqdist([X, Y]) {
    const [p, k] = X.shape;
    const q = Y.shape[0];
    const out = new Float64Array(p * q);
    for (let r = 0; r < p; r++) for (let c = 0; c < q; c++) for (let j = 0; j < k; j++) out[r * q + c] += (X.data[r * k + j] - Y.data[c * k + j]) ** 2;
    return { shape: [p, q], data: out };
  },
  sum: (args, { axis }) => alongAxis(args[0], axis, (line) => line.reduce((acc, v) => acc + v, 0)),
  logsumexp: (args, { axis }) =>
    alongAxis(args[0], axis, (line) => {
      const m = Math.max(...line);
      return Number.isFinite(m) ? m + Math.log(line.reduce((acc, v) => acc + Math.exp(v - m), 0)) : m;
    }),
  max: (args, { axis }) => alongAxis(args[0], axis, (line) => Math.max(...line)),
  maxmask([a], { axis }) {
    // Per line: 1/(number of maxima) at each maximum; lines are all entries, or the columns (axis 0) or rows (axis 1).
    const out = new Float64Array(a.data.length);
    for (const line of lineIndices(a.shape, axis)) {
      const m = Math.max(...line.map((f) => a.data[f]));
      const ties = line.filter((f) => a.data[f] === m);
      for (const f of ties) out[f] = 1 / ties.length;
    }
    return { shape: a.shape, data: out };
  },
};

/** Flat indices of each line a reduction along `axis` combines (every entry when `axis` is undefined or `shape` a vector). */
function lineIndices(shape: Shape, axis: number | undefined): number[][] {
  const all = Array.from({ length: sizeOf(shape) }, (_, f) => f);
  if (axis === undefined || shape.length < 2) return [all];
  const [n, m] = shape;
  return axis === 0 ? Array.from({ length: m }, (_, c) => all.filter((f) => f % m === c)) : Array.from({ length: n }, (_, r) => all.filter((f) => Math.floor(f / m) === r));
}

/** `combine` applied to each line along `axis`: a scalar, or one value per remaining index. */
function alongAxis(a: Tensor, axis: number | undefined, combine: (line: number[]) => number): Tensor {
  const lines = lineIndices(a.shape, axis).map((line) => combine(line.map((f) => a.data[f])));
  const shape = axis === undefined || a.shape.length < 2 ? [] : a.shape.filter((_, k) => k !== axis);
  return { shape, data: Float64Array.from(lines) };
}

/** An operator applied to values: the reference above, or the record's own evaluation for an operator without one. */
function referenceApply(name: string, args: readonly Tensor[], attrs: Attributes): Tensor {
  const reference = REFERENCE_OPERATORS[name];
  if (reference) return reference(args, attrs);
  const record = OPERATORS.get(name);
  const shape = record.shape(
    args.map((a) => a.shape),
    attrs,
  );
  if (typeof shape === 'string') throw new Error(`${name} ${shape}`);
  return { shape, data: record.evaluate(args, attrs, shape, FUNCTIONS) };
}

const attributesOf = (node: Node): Attributes => ({ fn: node.fn, size: node.size, axis: node.axis });

function checkIndex(k: number, extent: number): void {
  if (!Number.isInteger(k) || k < 0 || k >= extent) throw new Error(`index ${k} out of range 0..${extent - 1}`);
}

// ---------------------------------------------------------------------------------------------
// The reference interpreter of IR nodes
// ---------------------------------------------------------------------------------------------

/** Values of the inputs, by `inputKey`, and the sample index. */
interface Env {
  readonly values: ReadonlyMap<string, Float64Array>;
  readonly sample: number;
}

/** Evaluates `node` recursively over plain arrays; `memo` caches shared subexpressions. */
function interpret(node: Node, env: Env, memo = new Map<Node, Tensor>()): Tensor {
  const cached = memo.get(node);
  if (cached) return cached;
  const arg = (k: number): Tensor => interpret(node.args[k], env, memo);
  const index = (k: number): number => interpret(node.args[k], env, memo).data[0];
  let result: Tensor;
  switch (node.op) {
    case 'const':
      result = scalar(node.value as number);
      break;
    case 'input': {
      const ref = node.input as NonNullable<Node['input']>;
      if (ref.kind === 'sample') {
        result = scalar(env.sample);
        break;
      }
      const values = env.values.get(inputKey(ref));
      if (!values) throw new Error(`no value for input ${inputKey(ref)}`);
      result = tensor(node.shape, values);
      break;
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      // Both operands may be scalars (unwrapped broadcasts) under a tensor shape: broadcast to it.
      result = num.binary(node.op, arg(0), arg(1), node.shape);
      break;
    case 'neg':
      result = num.unary((v) => -v, arg(0));
      break;
    case 'map': {
      const f = REFERENCE_FUNCTIONS[node.fn as string];
      if (!f) throw new Error(`no reference implementation of ${node.fn}`);
      result = num.unary(f, arg(0));
      break;
    }
    case 'broadcast':
      result = num.broadcast(arg(0), node.shape);
      break;
    case 'sum':
      result = node.axis === undefined ? num.sum(arg(0)) : referenceApply('sum', [arg(0)], attributesOf(node));
      break;
    case 'logsumexp':
      result = node.axis === undefined ? num.logsumexp(arg(0)) : referenceApply('logsumexp', [arg(0)], attributesOf(node));
      break;
    case 'matvec':
      result = num.matvec(arg(0), arg(1));
      break;
    case 'vecmat':
      result = num.vecmat(arg(0), arg(1));
      break;
    case 'outer':
      result = num.outer(arg(0), arg(1));
      break;
    case 'entry':
      result = num.entry(arg(0), index(1));
      break;
    case 'row':
      result = num.row(arg(0), index(1));
      break;
    case 'scatter':
      result = num.scatter(arg(0), index(1), node.size as number);
      break;
    case 'scatterRow':
      result = num.scatterRow(arg(0), index(1), node.size as number);
      break;
    default:
      result = referenceApply(
        node.op,
        node.args.map((_, k) => arg(k)),
        attributesOf(node),
      );
  }
  // The node's static shape must describe the value it stands for.
  if (!sameShape(result.shape, node.shape)) {
    throw new Error(`interpreter: ${node.op}#${node.id} has static shape [${node.shape}] but value shape [${result.shape}]`);
  }
  memo.set(node, result);
  return result;
}

// ---------------------------------------------------------------------------------------------
// Recipes: random expressions as plain data
// ---------------------------------------------------------------------------------------------

/** Result kinds: scalar, [d] (like x), [n] (like theta), [n, d] (like A), [d, n], [n, n], [d, d]. */
type Kind = 'S' | 'X' | 'N' | 'M' | 'T' | 'Q' | 'P';
/** An index: the sample `i` (only for extent n), or a constant, reduced modulo the extent. */
type Index = 'i' | number;

type Recipe =
  | { readonly op: 'x' | 's' | 'theta' | 'A' }
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: BinaryOp | 'dot' | 'matvec' | 'vecmat' | 'outer'; readonly a: Recipe; readonly b: Recipe }
  | { readonly op: 'neg' | 'sum' | 'logsumexp' | 'norm2'; readonly a: Recipe }
  | { readonly op: 'map'; readonly fn: string; readonly a: Recipe }
  | { readonly op: 'broadcast'; readonly to: Exclude<Kind, 'S'>; readonly a: Recipe }
  | { readonly op: 'entry' | 'row' | 'scatter' | 'scatterRow'; readonly index: Index; readonly a: Recipe }
  /** A registered operator from its generator hint: tensor arguments and `index` operands. */
  | { readonly op: 'apply'; readonly name: string; readonly args: readonly Recipe[]; readonly attrs: Attributes }
  /** An index operand of `apply`, along an axis of extent n or d. */
  | { readonly op: 'index'; readonly index: Index; readonly along: 'n' | 'd' };

interface Dims {
  readonly d: number;
  readonly n: number;
}

const KIND_SHAPES: Record<Exclude<Kind, 'S'>, readonly ('n' | 'd')[]> = { X: ['d'], N: ['n'], M: ['n', 'd'], T: ['d', 'n'], Q: ['n', 'n'], P: ['d', 'd'] };
const shapeOfKind = (kind: Exclude<Kind, 'S'>, dims: Dims): Shape => KIND_SHAPES[kind].map((e) => dims[e]);

/** The nodes and dimensions a recipe is built against. */
interface Ctx {
  readonly b: IRBuilder;
  readonly dims: Dims;
  readonly x: Node;
  readonly s: Node;
  readonly theta: Node;
  readonly A: Node;
  readonly i: Node;
}

function newCtx(dims: Dims): Ctx {
  const b = new IRBuilder(OPERATORS);
  return {
    b,
    dims,
    x: b.input({ kind: 'var', name: 'x' }, [dims.d]),
    s: b.input({ kind: 'var', name: 's' }, []),
    theta: b.input({ kind: 'param', name: 'theta' }, [dims.n]),
    A: b.input({ kind: 'data', name: 'A' }, [dims.n, dims.d]),
    i: b.input({ kind: 'sample', name: 'i' }, []),
  };
}

/** The integer an index stands for along an axis of `extent` entries. */
function resolveIndex(index: Index, extent: number, dims: Dims, sample: number): number {
  if (index === 'i') {
    if (extent !== dims.n) throw new Error(`generator bug: sample index on an axis of extent ${extent}`);
    return sample;
  }
  return index % extent;
}

/** Builds the IR of a recipe (the builder simplifies and interns as it goes). */
function build(r: Recipe, ctx: Ctx): Node {
  const { b, dims } = ctx;
  const indexNode = (index: Index, extent: number): Node => (index === 'i' ? (resolveIndex('i', extent, dims, 0), ctx.i) : b.const(index % extent));
  switch (r.op) {
    case 'x':
    case 's':
    case 'theta':
    case 'A':
      return ctx[r.op];
    case 'const':
      return b.const(r.value);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return b[r.op](build(r.a, ctx), build(r.b, ctx));
    case 'dot':
      return b.dot(build(r.a, ctx), build(r.b, ctx));
    case 'matvec':
      return b.matvec(build(r.a, ctx), build(r.b, ctx));
    case 'vecmat':
      return b.vecmat(build(r.a, ctx), build(r.b, ctx));
    case 'outer':
      return b.outer(build(r.a, ctx), build(r.b, ctx));
    case 'neg':
      return b.neg(build(r.a, ctx));
    case 'sum':
      return b.sum(build(r.a, ctx));
    case 'logsumexp':
      return b.logsumexp(build(r.a, ctx));
    case 'norm2':
      return b.norm2(build(r.a, ctx));
    case 'map':
      return b.map(r.fn, build(r.a, ctx));
    case 'broadcast':
      return b.broadcast(build(r.a, ctx), shapeOfKind(r.to, dims));
    case 'entry': {
      const v = build(r.a, ctx);
      return b.entry(v, indexNode(r.index, v.shape[0]));
    }
    case 'row': {
      const A = build(r.a, ctx);
      return b.row(A, indexNode(r.index, A.shape[0]));
    }
    case 'scatter':
      return b.scatter(build(r.a, ctx), indexNode(r.index, dims.n), dims.n);
    case 'scatterRow':
      return b.scatterRow(build(r.a, ctx), indexNode(r.index, dims.n), dims.n);
    case 'apply':
      return b.apply(
        r.name,
        r.args.map((a) => build(a, ctx)),
        resolveAttributes(r.attrs, dims),
      );
    case 'index':
      return indexNode(r.index, dims[r.along]);
  }
}

/** Attributes of a hint with `size` given as the extent n (−1) or d (−2) resolved for these dims. */
function resolveAttributes(attrs: Attributes, dims: Dims): Attributes {
  if (attrs.size === SIZE_N) return { ...attrs, size: dims.n };
  if (attrs.size === SIZE_D) return { ...attrs, size: dims.d };
  return attrs;
}

/** A point: values of every input (x, s, θ, A) and the sample index. */
interface Point {
  readonly x: Float64Array;
  readonly s: number;
  readonly theta: Float64Array;
  readonly A: Float64Array;
  readonly i: number;
}

/** The recipe's value computed straight from its definition, without the builder. */
function evalRecipe(r: Recipe, p: Point, dims: Dims): Tensor {
  const ev = (q: Recipe): Tensor => evalRecipe(q, p, dims);
  switch (r.op) {
    case 'x':
      return tensor([dims.d], p.x);
    case 's':
      return scalar(p.s);
    case 'theta':
      return tensor([dims.n], p.theta);
    case 'A':
      return tensor([dims.n, dims.d], p.A);
    case 'const':
      return scalar(r.value);
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'pow':
      return num.binary(r.op, ev(r.a), ev(r.b));
    case 'dot':
      return num.sum(num.binary('mul', ev(r.a), ev(r.b)));
    case 'norm2': {
      const v = ev(r.a);
      return num.sum(num.binary('mul', v, v));
    }
    case 'matvec':
      return num.matvec(ev(r.a), ev(r.b));
    case 'vecmat':
      return num.vecmat(ev(r.a), ev(r.b));
    case 'outer':
      return num.outer(ev(r.a), ev(r.b));
    case 'neg':
      return num.unary((v) => -v, ev(r.a));
    case 'sum':
      return num.sum(ev(r.a));
    case 'logsumexp':
      return num.logsumexp(ev(r.a));
    case 'map':
      return num.unary(REFERENCE_FUNCTIONS[r.fn], ev(r.a));
    case 'broadcast':
      return num.broadcast(ev(r.a), shapeOfKind(r.to, dims));
    case 'entry': {
      const v = ev(r.a);
      return num.entry(v, resolveIndex(r.index, v.shape[0], dims, p.i));
    }
    case 'row': {
      const A = ev(r.a);
      return num.row(A, resolveIndex(r.index, A.shape[0], dims, p.i));
    }
    case 'scatter':
      return num.scatter(ev(r.a), resolveIndex(r.index, dims.n, dims, p.i), dims.n);
    case 'scatterRow':
      return num.scatterRow(ev(r.a), resolveIndex(r.index, dims.n, dims, p.i), dims.n);
    case 'apply':
      return referenceApply(r.name, r.args.map(ev), resolveAttributes(r.attrs, dims));
    case 'index':
      return scalar(resolveIndex(r.index, dims[r.along], dims, p.i));
  }
}

/** `t1 = …; f = …` for failure messages (the printer names shared subexpressions). */
function formulaOf(node: Node, label = 'f'): string {
  const printed = printFormulas([{ label, node }], 'text', OPERATORS);
  return [...printed.shared.map((t) => `${t.name} = ${t.text}; `), printed.formulas[0].text].join('');
}

// ---------------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------------

const bin = (op: BinaryOp, a: Recipe, b: Recipe): Recipe => ({ op, a, b });
const call = (fn: string, a: Recipe): Recipe => ({ op: 'map', fn, a });
const lit = (value: number): Recipe => ({ op: 'const', value });

/**
 * Constants: the special values the builder's rewrites key on (0, 1, −1, and 2 for `sq`) as
 * well as arbitrary moderate doubles.
 */
const constantArb: fc.Arbitrary<Recipe> = fc
  .oneof(fc.constantFrom(0, 1, -1, 2, 0.5, -3), fc.double({ min: -2, max: 2, noNaN: true }))
  .map(lit);

/** A strictly positive expression made from `e` (≥ e⁻¹ ≈ 0.37), for log, sqrt, divisors and bases. */
function positive(e: fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> {
  return fc.oneof(
    e.map((r) => bin('add', call('softplus', r), lit(0.5))),
    e.map((r) => call('exp', call('tanh', r))),
    e.map((r) => bin('add', bin('mul', r, r), lit(1))),
    e.map((r) => call('exp', r)),
  );
}

/** An indexing position along an axis of extent n (sample or constant) or of extent d (constant only). */
const indexN: fc.Arbitrary<Index> = fc.oneof(fc.constant<Index>('i'), fc.nat({ max: 3 }));
const indexD: fc.Arbitrary<Index> = fc.nat({ max: 3 });

/** Stand-ins for a `size` attribute equal to the extent n or d, resolved per case. */
const SIZE_N = -1;
const SIZE_D = -2;

/** An argument of a generated operator: an expression of some kind, or an index along n or d. */
type Slot = { readonly kind: Kind } | { readonly index: 'n' | 'd' };

/** One way to apply a registered operator, from its generator hint: argument slots, attributes, result kind. */
interface OperatorForm {
  readonly name: string;
  readonly slots: readonly Slot[];
  readonly attrs: Attributes;
  readonly result: Kind;
}

const KIND_OF_PATTERN: Record<string, Kind> = { '': 'S', d: 'X', n: 'N', 'n,d': 'M', 'd,n': 'T', 'n,n': 'Q', 'd,d': 'P' };

/**
 * Every form of every registered operator with a generator hint. The result kind comes from the
 * record's own shape rule at extents n = 1009, d = 1013 (distinct primes, so every extent of the
 * result tells which dim it is); forms whose result is none of the kinds are left out.
 */
function operatorForms(): OperatorForm[] {
  const extents = { n: 1009, d: 1013 };
  const forms: OperatorForm[] = [];
  for (const record of OPERATORS.records.values()) {
    if (FOCUS !== undefined && record.name !== FOCUS) continue;
    for (const form of record.generate?.forms ?? []) {
      const slots: Slot[] = form.args.map((pattern) => (pattern.startsWith('i:') ? { index: pattern.slice(2) as 'n' | 'd' } : { kind: KIND_OF_PATTERN[pattern] }));
      const size = form.sizeFrom === 'n' ? SIZE_N : form.sizeFrom === 'd' ? SIZE_D : undefined;
      const attrs: Attributes = size === undefined ? { ...form.attrs } : { ...form.attrs, size };
      const shapes = form.args.map((pattern) => (pattern.startsWith('i:') || pattern === '' ? [] : pattern.split(',').map((e) => extents[e as 'n' | 'd'])));
      const shape = record.shape(shapes, size === undefined ? attrs : { ...attrs, size: extents[form.sizeFrom as 'n' | 'd'] });
      if (typeof shape === 'string') throw new Error(`generator hint of ${record.name} is not valid: ${shape}`);
      const pattern = shape.map((e) => (e === extents.n ? 'n' : e === extents.d ? 'd' : '?')).join(',');
      const result = KIND_OF_PATTERN[pattern];
      if (result) forms.push({ name: record.name, slots, attrs, result });
    }
  }
  return forms;
}

/**
 * Recursive generator of recipes of a given kind and maximal depth. Memoised per (kind, depth):
 * each arbitrary is made once, so deep generators stay cheap to construct.
 */
function makeGenerators(): (kind: Kind, depth: number) => fc.Arbitrary<Recipe> {
  const memo = new Map<string, fc.Arbitrary<Recipe>>();
  const gen = (kind: Kind, depth: number): fc.Arbitrary<Recipe> => {
    const key = `${kind}${depth}`;
    let arb = memo.get(key);
    if (!arb) {
      arb = make(kind, depth);
      memo.set(key, arb);
    }
    return arb;
  };

  /** Every elementwise function applied to `e`, each with its argument kept in its domain. */
  const mapped = (e: fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> =>
    fc.oneof(
      e.map((r) => call('exp', r)),
      positive(e).map((r) => call('log', r)),
      e.map((r) => call('log1p', call('softplus', r))),
      positive(e).map((r) => call('sqrt', r)),
      e.map((r) => call('softplus', r)),
      e.map((r) => call('sigmoid', r)),
      e.map((r) => call('tanh', r)),
    );

  /** Powers: constant integer exponents on any base, other constants and variable exponents on positive bases. */
  const powers = (e: fc.Arbitrary<Recipe>, scalarE: fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> =>
    fc.oneof(
      fc.tuple(e, fc.constantFrom(2, 3)).map(([r, c]) => bin('pow', r, lit(c))),
      fc.tuple(positive(e), fc.constantFrom(0.5, -1, -1.5, 2.5, 1, 0)).map(([r, c]) => bin('pow', r, lit(c))),
      fc.tuple(positive(e), fc.oneof(e, scalarE)).map(([r, c]) => bin('pow', r, c)),
      fc.tuple(fc.constantFrom(0.5, 1.5, Math.E), e).map(([c, r]) => bin('pow', lit(c), r)),
    );

  /** add, sub, mul between two operands, a positive divisor, and division by a nonzero constant. */
  const arithmetic = (a: fc.Arbitrary<Recipe>, b: fc.Arbitrary<Recipe>): fc.Arbitrary<Recipe> =>
    fc.oneof(
      fc.tuple(fc.constantFrom<BinaryOp>('add', 'sub', 'mul'), a, b).map(([op, l, r]) => bin(op, l, r)),
      fc.tuple(fc.constantFrom<BinaryOp>('add', 'sub', 'mul'), b, a).map(([op, l, r]) => bin(op, l, r)),
      fc.tuple(a, positive(b)).map(([l, r]) => bin('div', l, r)),
      fc.tuple(a, fc.constantFrom(2, -3, 0.5, 1, -1)).map(([l, c]) => bin('div', l, lit(c))),
    );

  const forms = operatorForms();

  /** Recipes of `kind` applying a registered operator, one arbitrary per form. */
  const applied = (kind: Kind, depth: number): Array<fc.Arbitrary<Recipe>> =>
    forms
      .filter((form) => form.result === kind)
      .map((form) =>
        fc
          .tuple(
            ...form.slots.map((slot): fc.Arbitrary<Recipe> => {
              if ('index' in slot) return (slot.index === 'n' ? indexN : indexD).map((index): Recipe => ({ op: 'index', index, along: slot.index }));
              // Matrices nest one level less: they are the largest values and the costliest to differentiate.
              return gen(slot.kind, isMatrixKind(slot.kind) ? Math.max(0, depth - 2) : depth - 1);
            }),
          )
          .map((args): Recipe => ({ op: 'apply', name: form.name, args, attrs: form.attrs })),
      );

  function make(kind: Kind, depth: number): fc.Arbitrary<Recipe> {
    const leafS: fc.Arbitrary<Recipe> = fc.oneof(
      fc.constant<Recipe>({ op: 's' }),
      constantArb,
      indexN.map((index): Recipe => ({ op: 'entry', index, a: { op: 'theta' } })),
      indexD.map((index): Recipe => ({ op: 'entry', index, a: { op: 'x' } })),
    );
    const broadcastLeaf = (to: Exclude<Kind, 'S'>): fc.Arbitrary<Recipe> => leafS.map((a): Recipe => ({ op: 'broadcast', to, a }));
    const leaves: Record<Kind, fc.Arbitrary<Recipe>> = {
      S: leafS,
      X: fc.oneof(
        { arbitrary: fc.constant<Recipe>({ op: 'x' }), weight: 3 },
        { arbitrary: broadcastLeaf('X'), weight: 1 },
        { arbitrary: indexN.map((index): Recipe => ({ op: 'row', index, a: { op: 'A' } })), weight: 1 },
      ),
      N: fc.oneof(
        { arbitrary: fc.constant<Recipe>({ op: 'theta' }), weight: 3 },
        { arbitrary: broadcastLeaf('N'), weight: 1 },
        { arbitrary: fc.constant<Recipe>({ op: 'matvec', a: { op: 'A' }, b: { op: 'x' } }), weight: 1 },
      ),
      M: fc.oneof(
        { arbitrary: fc.constant<Recipe>({ op: 'A' }), weight: 2 },
        { arbitrary: fc.constant<Recipe>({ op: 'outer', a: { op: 'theta' }, b: { op: 'x' } }), weight: 1 },
      ),
      T: fc.oneof(fc.constant<Recipe>({ op: 'outer', a: { op: 'x' }, b: { op: 'theta' } }), broadcastLeaf('T')),
      Q: fc.oneof(fc.constant<Recipe>({ op: 'outer', a: { op: 'theta' }, b: { op: 'theta' } }), broadcastLeaf('Q')),
      P: fc.oneof(fc.constant<Recipe>({ op: 'outer', a: { op: 'x' }, b: { op: 'x' } }), broadcastLeaf('P')),
    };
    if (depth === 0) return leaves[kind];
    const S = gen('S', depth - 1);
    const X = gen('X', depth - 1);
    const N = gen('N', depth - 1);
    // Matrices nest one level less: they are the largest values and the costliest to differentiate.
    const M = gen('M', Math.max(0, depth - 2));
    const self = gen(kind, depth - 1);
    const common = (): Array<fc.Arbitrary<Recipe>> => [
      arithmetic(self, self),
      self.map((a): Recipe => ({ op: 'neg', a })),
      mapped(self),
      powers(self, S),
    ];
    let recursive: Array<fc.Arbitrary<Recipe>>;
    switch (kind) {
      case 'S':
        recursive = [
          ...common(),
          fc.oneof(X, N, M).map((a): Recipe => ({ op: 'sum', a })),
          fc.oneof(X, N, M).map((a): Recipe => ({ op: 'logsumexp', a })),
          fc.oneof(fc.tuple(X, X), fc.tuple(N, N)).map(([a, b]): Recipe => ({ op: 'dot', a, b })),
          fc.oneof(X, N).map((a): Recipe => ({ op: 'norm2', a })),
          fc.tuple(X, indexD).map(([a, index]): Recipe => ({ op: 'entry', index, a })),
          fc.tuple(N, indexN).map(([a, index]): Recipe => ({ op: 'entry', index, a })),
        ];
        break;
      case 'T':
      case 'Q':
      case 'P':
        recursive = [...common(), arithmetic(self, S), S.map((a): Recipe => ({ op: 'broadcast', to: kind, a }))];
        break;
      case 'X':
      case 'N':
      case 'M':
        recursive = [
          ...common(),
          // Mixed scalar–tensor arithmetic: implicit broadcasting of either operand.
          arithmetic(self, S),
          arithmetic(S, self).filter((r) => r.op !== 'div'),
          S.map((a): Recipe => ({ op: 'broadcast', to: kind, a })),
          ...(kind === 'X'
            ? [
                fc.tuple(N, M).map(([a, b]): Recipe => ({ op: 'vecmat', a, b })),
                fc.tuple(M, indexN).map(([a, index]): Recipe => ({ op: 'row', index, a })),
              ]
            : kind === 'N'
              ? [
                  fc.tuple(M, X).map(([a, b]): Recipe => ({ op: 'matvec', a, b })),
                  fc.tuple(S, indexN).map(([a, index]): Recipe => ({ op: 'scatter', index, a })),
                ]
              : [
                  fc.tuple(N, X).map(([a, b]): Recipe => ({ op: 'outer', a, b })),
                  fc.tuple(X, indexN).map(([a, index]): Recipe => ({ op: 'scatterRow', index, a })),
                ]),
        ];
        break;
    }
    // Every registered operator with a generator hint, as one choice weighing like three forms.
    const registered = applied(kind, depth);
    const fromRecords = registered.length > 0 ? [{ arbitrary: fc.oneof(...registered), weight: 3 }] : [];
    // Leaves get the weight of one recursive form: deep enough to mix many operators, while the
    // depth bound keeps the size in check (median ≈ 20 nodes per objective, a few hundred at most).
    return fc.oneof({ arbitrary: leaves[kind], weight: 1 }, ...recursive.map((arbitrary) => ({ arbitrary, weight: 1 })), ...fromRecords);
  }
  return gen;
}

/** True for the matrix kinds. */
function isMatrixKind(kind: Kind): boolean {
  return kind === 'M' || kind === 'T' || kind === 'Q' || kind === 'P';
}

/** The generators of the operators under test (they read the records' hints). */
function makeArbitraries() {
  const gen = makeGenerators();

  /** One scalar term: a scalar expression, or a tensor one reduced by sum or logsumexp. */
  const termArb: fc.Arbitrary<Recipe> = fc.oneof(
    gen('S', 4),
    gen('X', 4).map((a): Recipe => ({ op: 'sum', a })),
    gen('N', 4).map((a): Recipe => ({ op: 'sum', a })),
    gen('M', 3).map((a): Recipe => ({ op: 'sum', a })),
    gen('X', 4).map((a): Recipe => ({ op: 'logsumexp', a })),
    fc.oneof(gen('T', 2), gen('Q', 2), gen('P', 2)).map((a): Recipe => ({ op: 'sum', a })),
  );

  /** A scalar objective: one term, or a sum or product of two (so it depends on several inputs at once). */
  const objectiveArb: fc.Arbitrary<Recipe> = fc.oneof(
    termArb,
    fc.tuple(fc.constantFrom<BinaryOp>('add', 'mul'), termArb, termArb).map(([op, a, b]) => bin(op, a, b)),
  );

  /**
   * Objectives built around `scatter` and `scatterRow` nodes written directly with the builder
   * (they otherwise only appear inside gradients): weighted by θ, A, or fed to further operators.
   */
  const scatterObjectiveArb: fc.Arbitrary<Recipe> = fc.oneof(
    fc.tuple(gen('S', 2), indexN, gen('N', 1)).map(([g, index, w]): Recipe => ({ op: 'dot', a: { op: 'scatter', index, a: g }, b: w })),
    fc.tuple(gen('S', 2), indexN).map(([g, index]): Recipe => ({ op: 'norm2', a: { op: 'matvec', a: { op: 'outer', a: { op: 'scatter', index, a: g }, b: { op: 'x' } }, b: { op: 'x' } } })),
    fc.tuple(gen('X', 2), indexN).map(([g, index]): Recipe => ({ op: 'sum', a: bin('mul', { op: 'scatterRow', index, a: g }, { op: 'A' }) })),
    fc.tuple(gen('X', 2), indexN, gen('N', 1)).map(([g, index, w]): Recipe => ({ op: 'dot', a: { op: 'vecmat', a: w, b: { op: 'scatterRow', index, a: g } }, b: { op: 'x' } })),
    fc.tuple(gen('X', 2), indexN, indexN).map(([g, index, at]): Recipe => ({
      op: 'sum',
      a: call('tanh', { op: 'row', index: at, a: { op: 'scatterRow', index, a: g } }),
    })),
  );
  return { gen, objectiveArb, scatterObjectiveArb };
}

const unit = fc.double({ min: -1, max: 1, noNaN: true });
const vector4 = fc.array(unit, { minLength: 4, maxLength: 4 });

/** One test case: dimensions, the objective, a point and three directions. */
interface Case {
  readonly dims: Dims;
  readonly recipe: Recipe;
  readonly point: Point;
  /** A direction in (x, s), used for jvp and Hessian products. */
  readonly v: Direction;
  /** A second direction in (x, s), for symmetry and the transpose cross product. */
  readonly w: Direction;
  /** A direction in θ. */
  readonly u: Float64Array;
  /** A batch of sample indices (repeats allowed), for kernels that average over samples. */
  readonly batch: readonly number[];
}

/** A tangent: directions of x, s and θ (zero where unused). */
interface Direction {
  readonly x: Float64Array;
  readonly s: number;
  readonly theta: Float64Array;
}

function caseArb(recipe: fc.Arbitrary<Recipe>): fc.Arbitrary<Case> {
  return fc
    .record({
      d: fc.integer({ min: 1, max: 4 }),
      n: fc.integer({ min: 1, max: 4 }),
      recipe,
      x: vector4,
      s: unit,
      theta: vector4,
      A: fc.array(unit, { minLength: 16, maxLength: 16 }),
      i: fc.nat({ max: 3 }),
      vx: vector4,
      vs: unit,
      wx: vector4,
      ws: unit,
      u: vector4,
      batch: fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 3 }),
    })
    .map((c) => {
      const dims = { d: c.d, n: c.n };
      const vec = (v: number[], size: number): Float64Array => Float64Array.from(v.slice(0, size));
      const zeroTheta = new Float64Array(c.n);
      return {
        dims,
        recipe: c.recipe,
        point: { x: vec(c.x, c.d), s: c.s, theta: vec(c.theta, c.n), A: vec(c.A, c.n * c.d), i: c.i % c.n },
        v: { x: vec(c.vx, c.d), s: c.vs, theta: zeroTheta },
        w: { x: vec(c.wx, c.d), s: c.ws, theta: zeroTheta },
        u: vec(c.u, c.n),
        batch: c.batch.map((k) => k % c.n),
      };
    });
}

// ---------------------------------------------------------------------------------------------
// Evaluating derivative graphs two ways
// ---------------------------------------------------------------------------------------------

const ZERO_DIRECTION = (dims: Dims): Direction => ({ x: new Float64Array(dims.d), s: 0, theta: new Float64Array(dims.n) });

/** Inputs of both evaluators: x, s, θ, A, the tangents of x, s, θ, and the sample index. */
function envOf(ctx: Ctx, p: Point, t: Direction): Env {
  const key = (n: Node): string => inputKey(n.input as NonNullable<Node['input']>);
  return {
    values: new Map([
      [key(ctx.x), p.x],
      [key(ctx.s), Float64Array.of(p.s)],
      [key(ctx.theta), p.theta],
      [key(ctx.A), p.A],
      [`tangent:${key(ctx.x)}`, t.x],
      [`tangent:${key(ctx.s)}`, Float64Array.of(t.s)],
      [`tangent:${key(ctx.theta)}`, t.theta],
    ]),
    sample: p.i,
  };
}

/** The tangent input for a direction along `primal`, named as `derive/graphs.ts` names it. */
function tangentOf(ctx: Ctx, primal: Node): Node {
  return ctx.b.input({ kind: 'tangent', name: inputKey(primal.input as NonNullable<Node['input']>) }, primal.shape);
}

/**
 * Kernel buffers as ProblemKernels lays them out: `x = [x, s]` (the vars), `th = θ`, `t = [tangent
 * x, tangent s]` (a direction in the vars), `u = tangent θ` (a direction in the params); A is data.
 */
function resolverOf(ctx: Ctx, p: Point): (node: Node) => InputLocation {
  const { d } = ctx.dims;
  return (node) => {
    const ref = node.input as NonNullable<Node['input']>;
    switch (inputKey(ref)) {
      case 'var:x':
        return { kind: 'buffer', buffer: 'x', offset: 0 };
      case 'var:s':
        return { kind: 'buffer', buffer: 'x', offset: d };
      case 'param:theta':
        return { kind: 'buffer', buffer: 'th', offset: 0 };
      case 'data:A':
        return { kind: 'data', values: p.A };
      case 'sample:i':
        return { kind: 'sample' };
      case 'tangent:var:x':
        return { kind: 'buffer', buffer: 't', offset: 0 };
      case 'tangent:var:s':
        return { kind: 'buffer', buffer: 't', offset: d };
      case 'tangent:param:theta':
        return { kind: 'buffer', buffer: 'u', offset: 0 };
      default:
        throw new Error(`unexpected input ${inputKey(ref)}`);
    }
  };
}

/** Named outputs to evaluate together: each a node (or null = zero) of a declared size. */
type Outputs = ReadonlyArray<{ readonly node: Node | null; readonly size: number }>;

function interpretOutputs(outputs: Outputs, env: Env): Float64Array {
  const memo = new Map<Node, Tensor>();
  const result = new Float64Array(outputs.reduce((acc, o) => acc + o.size, 0));
  let offset = 0;
  for (const { node, size } of outputs) {
    if (node) result.set(interpret(node, env, memo).data, offset);
    offset += size;
  }
  return result;
}

const EMPTY = new Float64Array(0);

/**
 * Evaluates `outputs` with the interpreter and with a compiled kernel, asserts that they agree,
 * and returns the kernel's result. The kernel computes the mean over `batch` (default: the
 * point's own sample) of each output; the interpreter's reference is the mean of its values at
 * each sample of the batch.
 */
function evaluateBoth(ctx: Ctx, outputs: Outputs, p: Point, t: Direction, what: string, formula: string, batch: readonly number[] = [p.i]): Float64Array {
  let offset = 0;
  const kernelOutputs = outputs.map(({ node, size }): KernelOutput => {
    // Every derivative node must have the static shape of what it is the derivative of.
    if (node && sizeOf(node.shape) !== size) {
      throw new Error(`${what}: node ${node.op}#${node.id} has shape [${node.shape}], expected ${size} entries\n  f = ${formula}`);
    }
    const split = node ? splitBySample(ctx.b, node) : { fixed: null, sampled: null };
    // The fixed part is computed once, outside the batch loop: it must not read the sample.
    if (split.fixed && sampleDependent([split.fixed]).size > 0) throw new Error(`${what}: fixed part depends on the sample\n  f = ${formula}`);
    for (const part of [split.fixed, split.sampled]) {
      if (part && sizeOf(part.shape) !== size) throw new Error(`${what}: split part has shape [${part.shape}], expected ${size} entries\n  f = ${formula}`);
    }
    const o = { ...split, size, offset };
    offset += size;
    return o;
  });
  const expected = new Float64Array(offset);
  for (const i of batch) {
    const value = interpretOutputs(outputs, envOf(ctx, { ...p, i }, t));
    for (let k = 0; k < offset; k++) expected[k] += value[k] / batch.length;
  }
  const kernel = compileKernel(kernelOutputs, resolverOf(ctx, p), FUNCTIONS, { backend: BACKEND });
  const out = new Float64Array(offset);
  // Garbage in `out` must be overwritten, including the slices of zero (null) outputs.
  out.fill(12345.678);
  kernel.run(Float64Array.from([...p.x, p.s]), p.theta, Float64Array.from([...t.x, t.s]), t.theta, Int32Array.from(batch), batch.length, out, EMPTY);
  assertAllClose(out, expected, KERNEL_TOLERANCE, `${what} (compiled vs interpreter, batch [${batch}])`, formula);
  return out;
}

/** `p` moved by `h` along `t` in (x, s) and θ. */
function moved(p: Point, t: Direction, h: number): Point {
  return {
    ...p,
    x: p.x.map((v, k) => v + h * t.x[k]),
    s: p.s + h * t.s,
    theta: p.theta.map((v, k) => v + h * t.theta[k]),
  };
}

/** Central difference of a vector-valued function of the point along `t`. */
function directionalFD(evaluate: (p: Point) => Float64Array, p: Point, t: Direction, h = FD_STEP): Float64Array {
  const plus = evaluate(moved(p, t, h));
  const minus = evaluate(moved(p, t, -h));
  return plus.map((v, k) => (v - minus[k]) / (2 * h));
}

const dotProduct = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let acc = 0;
  for (let k = 0; k < a.length; k++) acc += a[k] * b[k];
  return acc;
};

/** Everything one case needs: the built objective, its printed form and its derivative graphs. */
interface Prepared {
  readonly ctx: Ctx;
  readonly f: Node;
  readonly formula: string;
  readonly c: Case;
  /** f at a point, by the interpreter. */
  readonly value: (p: Point) => number;
  /** ∇ₓf, ∂ₛf, ∇θf nodes from vjp. */
  readonly grads: readonly [Node | null, Node | null, Node | null];
}

/**
 * Builds the case's objective and gradient graphs. Skips (fc.pre) the rare cases whose values
 * are so large or ill-conditioned that finite differences cannot be trusted.
 */
function prepare(c: Case): Prepared {
  const ctx = newCtx(c.dims);
  const f = build(c.recipe, ctx);
  expect(f.shape).toEqual([]);
  const formula = formulaOf(f);
  const memo = new Map<Node, Tensor>();
  interpret(f, envOf(ctx, c.point, ZERO_DIRECTION(c.dims)), memo);
  const tame = [...memo.values()].every((t) => t.data.every((v) => Number.isFinite(v) && Math.abs(v) <= MAGNITUDE));
  fc.pre(tame);
  // Operators with kinks (max) say where finite differences cannot be trusted.
  for (const [node] of memo) {
    const smoothAt = node.op === 'const' || node.op === 'input' ? undefined : OPERATORS.get(node.op).generate?.smoothAt;
    if (smoothAt) fc.pre(smoothAt(node.args.map((a) => memo.get(a) as Tensor), attributesOf(node)));
  }
  const grads = vjp(ctx.b, RULES, f, [ctx.x, ctx.s, ctx.theta]) as [Node | null, Node | null, Node | null];
  const value = (p: Point): number => interpret(f, envOf(ctx, p, ZERO_DIRECTION(c.dims))).data[0];
  return { ctx, f, formula, c, value, grads };
}

/** Outputs laid out as (x, s, θ) gradients. */
function gradientOutputs({ ctx, grads }: Prepared): Outputs {
  return [
    { node: grads[0], size: ctx.dims.d },
    { node: grads[1], size: 1 },
    { node: grads[2], size: ctx.dims.n },
  ];
}

// ---------------------------------------------------------------------------------------------
// The checks, shared by the general and the scatter-focused properties
// ---------------------------------------------------------------------------------------------

/** (a) ∇f by vjp (compiled, also as a batch mean) against central differences in every coordinate. */
function checkGradient(P: Prepared): void {
  const { ctx, c, formula } = P;
  const zero = ZERO_DIRECTION(c.dims);
  const outputs = gradientOutputs(P);
  const grad = evaluateBoth(ctx, outputs, c.point, zero, '∇f', formula);
  evaluateBoth(ctx, outputs, c.point, zero, 'batch mean of ∇f', formula, c.batch);
  const fd = new Float64Array(grad.length);
  const { d, n } = c.dims;
  for (let k = 0; k < d + 1 + n; k++) {
    // The k-th unit vector of the layout (x, s, θ).
    const t: Direction = { ...ZERO_DIRECTION(c.dims), s: k === d ? 1 : 0 };
    if (k < d) t.x[k] = 1;
    else if (k > d) t.theta[k - d - 1] = 1;
    const coordinate = k < d ? c.point.x[k] : k === d ? c.point.s : c.point.theta[k - d - 1];
    // The step scales with the coordinate so that p ± h stays representable to ~1e-11 relative.
    fd[k] = directionalFD((p) => Float64Array.of(P.value(p)), c.point, t, FD_STEP * Math.max(1, Math.abs(coordinate)))[0];
  }
  assertAllClose(grad, fd, FD_TOLERANCE, '∇f vs finite differences', formula);
}

/** (b) jvp of f along a direction in (x, s, θ) against the directional difference and ⟨∇f, t⟩. */
function checkJvp(P: Prepared): void {
  const { ctx, c, formula, f } = P;
  const t: Direction = { ...c.v, theta: c.u };
  const seeds = new Map([ctx.x, ctx.s, ctx.theta].map((n) => [n, tangentOf(ctx, n)] as const));
  const [df] = jvp(ctx.b, RULES, [f], seeds);
  const jv = evaluateBoth(ctx, [{ node: df, size: 1 }], c.point, t, 'jvp f', formula)[0];
  const fd = directionalFD((p) => Float64Array.of(P.value(p)), c.point, t)[0];
  assertAllClose([jv], [fd], FD_TOLERANCE, 'jvp vs directional finite difference', formula);
  const grad = evaluateBoth(ctx, gradientOutputs(P), c.point, ZERO_DIRECTION(c.dims), '∇f', formula);
  const direction = Float64Array.from([...t.x, t.s, ...t.theta]);
  assertAllClose([jv], [dotProduct(grad, direction)], ALGEBRA_TOLERANCE, 'jvp vs ⟨∇f, t⟩', formula);
}

/** ∇ₓf and ∂ₛf by the interpreter at a point (for differences of the gradient). */
function interpretGradXS(P: Prepared, p: Point): Float64Array {
  return interpretOutputs(gradientOutputs(P).slice(0, 2), envOf(P.ctx, p, ZERO_DIRECTION(P.c.dims)));
}

function interpretGradTheta(P: Prepared, p: Point): Float64Array {
  return interpretOutputs(gradientOutputs(P).slice(2), envOf(P.ctx, p, ZERO_DIRECTION(P.c.dims)));
}

/** Forward-mode derivative of the non-null gradients `grads` along `seeds`, back in layout order. */
function jvpOfGradients(P: Prepared, grads: readonly (Node | null)[], wrt: readonly Node[]): (Node | null)[] {
  const { ctx } = P;
  const present = grads.filter((g): g is Node => g !== null);
  const tangents = jvp(ctx.b, RULES, present, new Map(wrt.map((n) => [n, tangentOf(ctx, n)] as const)));
  let k = 0;
  return grads.map((g) => (g === null ? null : tangents[k++]));
}

/** (c) Hessian–vector products ∇²f·v in (x, s) against differences of the gradient; and symmetry. */
function checkHvp(P: Prepared): void {
  const { ctx, c, formula, grads } = P;
  const [hx, hs] = jvpOfGradients(P, grads.slice(0, 2), [ctx.x, ctx.s]);
  const outputs: Outputs = [
    { node: hx, size: c.dims.d },
    { node: hs, size: 1 },
  ];
  const Hv = evaluateBoth(ctx, outputs, c.point, c.v, '∇²f·v', formula);
  const fd = directionalFD((p) => interpretGradXS(P, p), c.point, c.v);
  assertAllClose(Hv, fd, FD_TOLERANCE, '∇²f·v vs finite differences of ∇f', formula);
  // A Hessian is symmetric: ⟨w, H v⟩ = ⟨v, H w⟩ (checks the rules against each other exactly).
  const Hw = evaluateBoth(ctx, outputs, c.point, c.w, '∇²f·w', formula);
  const vv = Float64Array.from([...c.v.x, c.v.s]);
  const ww = Float64Array.from([...c.w.x, c.w.s]);
  const scale = dotProduct(Hv.map(Math.abs), ww.map(Math.abs)) + dotProduct(Hw.map(Math.abs), vv.map(Math.abs));
  expect(Math.abs(dotProduct(ww, Hv) - dotProduct(vv, Hw)), `Hessian symmetry\n  f = ${formula}`).toBeLessThanOrEqual(ALGEBRA_TOLERANCE * (1 + scale));
}

/** (d) Cross products ∇²ₓθf·u and ∇²θₓf·w against differences of the gradients; and their adjointness. */
function checkCross(P: Prepared): void {
  const { ctx, c, formula, grads } = P;
  const [cx, cs] = jvpOfGradients(P, grads.slice(0, 2), [ctx.theta]);
  const thetaDirection: Direction = { ...ZERO_DIRECTION(c.dims), theta: c.u };
  const Cu = evaluateBoth(
    ctx,
    [
      { node: cx, size: c.dims.d },
      { node: cs, size: 1 },
    ],
    c.point,
    thetaDirection,
    '∇²ₓθf·u',
    formula,
  );
  assertAllClose(Cu, directionalFD((p) => interpretGradXS(P, p), c.point, thetaDirection), FD_TOLERANCE, '∇²ₓθf·u vs finite differences of ∇ₓf', formula);
  const [ct] = jvpOfGradients(P, grads.slice(2), [ctx.x, ctx.s]);
  const Ctw = evaluateBoth(ctx, [{ node: ct, size: c.dims.n }], c.point, c.w, '∇²θₓf·w', formula);
  assertAllClose(Ctw, directionalFD((p) => interpretGradTheta(P, p), c.point, c.w), FD_TOLERANCE, '∇²θₓf·w vs finite differences of ∇θf', formula);
  // ⟨w, C u⟩ = ⟨u, Cᵀ w⟩: the two mixed partials of a smooth f agree.
  const ww = Float64Array.from([...c.w.x, c.w.s]);
  const scale = dotProduct(Cu.map(Math.abs), ww.map(Math.abs)) + dotProduct(Ctw.map(Math.abs), c.u.map(Math.abs));
  expect(Math.abs(dotProduct(ww, Cu) - dotProduct(c.u, Ctw)), `cross adjointness\n  f = ${formula}`).toBeLessThanOrEqual(ALGEBRA_TOLERANCE * (1 + scale));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/** Options of {@link describeOperatorProperties}. */
export interface OperatorPropertyOptions {
  /** The operators and functions under test (a registry's `operators`). */
  readonly operators: OperatorTable;
  /** Base seed; each property offsets it so they explore different cases. */
  readonly seed: number;
  /** Cases per property. */
  readonly runs: number;
  /** Generate only this operator from its hint (for a test of one plugin operator). */
  readonly focus?: string;
  /** Also run the builder's simplification and hash-consing tests. */
  readonly builderTests?: boolean;
  /** The backend kernels are compiled for (default `js`). */
  readonly backend?: Backend;
}

/**
 * Defines the property tests over `options.operators`, in a `describe` named after the backend.
 * The module-level tables are set when the tests are defined (the arbitraries read them) and
 * again before they run, so that several calls in one file each test their own.
 */
export function describeOperatorProperties(options: OperatorPropertyOptions): void {
  describe(`kernels on the ${options.backend ?? 'js'} backend`, () => {
    beforeAll(async () => {
      useOptions(options);
      await prepareKernelBackend(options.backend);
    });
    defineProperties(options);
  });
}

function useOptions(options: OperatorPropertyOptions): void {
  OPERATORS = options.operators;
  FUNCTIONS = OPERATORS.functions;
  RULES = rulesOf(OPERATORS);
  FOCUS = options.focus;
  BACKEND = options.backend ?? 'js';
}

function defineProperties(options: OperatorPropertyOptions): void {
  useOptions(options);
  const { seed, runs } = options;
  const { gen, objectiveArb, scatterObjectiveArb } = makeArbitraries();
  const cases = caseArb(objectiveArb);


  describe('random expressions over every operator', () => {
    it('builder simplification and interning preserve the value of the expression', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const ctx = newCtx(c.dims);
          const f = build(c.recipe, ctx);
          const reference = evalRecipe(c.recipe, c.point, c.dims);
          fc.pre(reference.data.every((v) => Number.isFinite(v) && Math.abs(v) <= MAGNITUDE));
          const formula = formulaOf(f);
          expect(f.shape, `shape of ${formula}`).toEqual(reference.shape);
          const value = interpret(f, envOf(ctx, c.point, ZERO_DIRECTION(c.dims)));
          assertAllClose(value.data, reference.data, REWRITE_TOLERANCE, 'built IR vs recipe', formula);
        }),
        { seed, numRuns: runs * 2 },
      );
    });

    it('compiled kernels agree with the reference interpreter on f', () => {
      fc.assert(
        fc.property(cases, (c) => {
          const P = prepare(c);
          evaluateBoth(P.ctx, [{ node: P.f, size: 1 }], c.point, ZERO_DIRECTION(c.dims), 'f', P.formula);
          evaluateBoth(P.ctx, [{ node: P.f, size: 1 }], c.point, ZERO_DIRECTION(c.dims), 'batch mean of f', P.formula, c.batch);
        }),
        { seed: seed + 1, numRuns: runs },
      );
    });

    it('(a) the vjp gradient matches central finite differences', () => {
      fc.assert(fc.property(cases, (c) => checkGradient(prepare(c))), { seed: seed + 2, numRuns: runs });
    });

    it('(b) jvp matches the directional finite difference and ⟨∇f, t⟩', () => {
      fc.assert(fc.property(cases, (c) => checkJvp(prepare(c))), { seed: seed + 3, numRuns: runs });
    });

    it('(c) Hessian–vector products match finite differences of the gradient and are symmetric', () => {
      fc.assert(fc.property(cases, (c) => checkHvp(prepare(c))), { seed: seed + 4, numRuns: runs });
    });

    it('(d) cross derivatives in θ match finite differences and are adjoint', () => {
      fc.assert(fc.property(cases, (c) => checkCross(prepare(c))), { seed: seed + 5, numRuns: runs });
    });
  });

  describe('scatter and scatterRow built directly', () => {
    const scatterCases = caseArb(scatterObjectiveArb);

    it('value, gradient, jvp, Hessian and cross products are right', () => {
      fc.assert(
        fc.property(scatterCases, (c) => {
          const P = prepare(c);
          evaluateBoth(P.ctx, [{ node: P.f, size: 1 }], c.point, ZERO_DIRECTION(c.dims), 'f', P.formula);
          const reference = evalRecipe(c.recipe, c.point, c.dims).data[0];
          assertAllClose([P.value(c.point)], [reference], REWRITE_TOLERANCE, 'built IR vs recipe', P.formula);
          checkGradient(P);
          checkJvp(P);
          checkHvp(P);
          checkCross(P);
        }),
        { seed: seed + 6, numRuns: runs / 2 },
      );
    });

    it('a scatter output is written directly: one entry or row, the rest of its slice zero, averaged over a batch', () => {
      fc.assert(
        fc.property(caseArb(gen('S', 2)), indexN, fc.boolean(), (c, index, rowWise) => {
          const ctx = newCtx(c.dims);
          const g = rowWise ? ctx.b.mul(build(c.recipe, ctx), ctx.x) : build(c.recipe, ctx);
          const at = index === 'i' ? ctx.i : ctx.b.const(index % c.dims.n);
          const node = rowWise ? ctx.b.scatterRow(g, at, c.dims.n) : ctx.b.scatter(g, at, c.dims.n);
          const formula = formulaOf(node, 'g');
          const memo = new Map<Node, Tensor>();
          interpret(node, envOf(ctx, c.point, ZERO_DIRECTION(c.dims)), memo);
          fc.pre([...memo.values()].every((t) => t.data.every((v) => Number.isFinite(v) && Math.abs(v) <= MAGNITUDE)));
          // Placed after a scalar output so that the scatter slice starts at a nonzero offset.
          const outputs: Outputs = [
            { node: ctx.s, size: 1 },
            { node, size: sizeOf(node.shape) },
          ];
          evaluateBoth(ctx, outputs, c.point, ZERO_DIRECTION(c.dims), 'scatter output', formula);
          evaluateBoth(ctx, outputs, c.point, ZERO_DIRECTION(c.dims), 'batch mean of scatter output', formula, c.batch);
        }),
        { seed: seed + 7, numRuns: runs / 2 },
      );
    });
  });

  describe('generator coverage', () => {
    it('exercises every registered operator (internal ones such as scatter and maxmask through gradients) and every function', () => {
      const ops = new Set<Op>();
      const fns = new Set<string>();
      const samples = fc.sample(caseArb(objectiveArb), { seed: seed + 8, numRuns: 200 });
      for (const c of samples) {
        const ctx = newCtx(c.dims);
        const f = build(c.recipe, ctx);
        const grads = vjp(ctx.b, RULES, f, [ctx.x, ctx.s, ctx.theta]).filter((g): g is Node => g !== null);
        for (const node of topologicalOrder([f, ...grads])) {
          ops.add(node.op);
          if (node.fn) fns.add(node.fn);
        }
      }
      const allOps: Op[] = FOCUS === undefined ? ['const', 'input', ...OPERATORS.records.keys()] : [FOCUS];
      expect([...allOps].filter((op) => !ops.has(op))).toEqual([]);
      if (FOCUS === undefined) expect([...FUNCTIONS.keys()].filter((name) => !fns.has(name))).toEqual([]);
      // The reference interpreter must know every registered function.
      expect([...FUNCTIONS.keys()].filter((name) => !(name in REFERENCE_FUNCTIONS))).toEqual([]);
    });
  });

  // ---------------------------------------------------------------------------------------------
  // Simplification at construction and hash-consing
  // ---------------------------------------------------------------------------------------------

  if (!options.builderTests) return;
  describe('simplification at construction', () => {
    const ctx = newCtx({ d: 3, n: 2 });
    const { b, x, s, theta } = ctx;

    it('x*1 → x and 1*x → x', () => {
      expect(b.mul(x, b.const(1))).toBe(x);
      expect(b.mul(b.const(1), x)).toBe(x);
      expect(b.mul(s, b.const(1))).toBe(s);
    });

    it('x+0 → x, 0+x → x, x−0 → x, 0−x → −x', () => {
      expect(b.add(x, b.const(0))).toBe(x);
      expect(b.add(b.const(0), x)).toBe(x);
      expect(b.sub(x, b.const(0))).toBe(x);
      expect(b.sub(b.const(0), x)).toBe(b.neg(x));
    });

    it('0*x → 0 of the shape of x', () => {
      const zero = b.mul(b.const(0), x);
      expect(zero.op).toBe('broadcast');
      expect(zero.shape).toEqual([3]);
      expect(zero.args[0]).toBe(b.const(0));
      expect(b.mul(s, b.const(0))).toBe(b.const(0));
    });

    it('−(−x) → x, and negation of a constant folds', () => {
      expect(b.neg(b.neg(x))).toBe(x);
      expect(b.neg(b.const(2))).toBe(b.const(-2));
    });

    it('folds constant arithmetic and functions of constants', () => {
      expect(b.add(b.const(2), b.const(3))).toBe(b.const(5));
      expect(b.mul(b.add(b.const(2), b.const(3)), b.const(4))).toBe(b.const(20));
      expect(b.pow(b.const(2), b.const(10))).toBe(b.const(1024));
      expect(b.div(b.const(1), b.const(4))).toBe(b.const(0.25));
      expect(b.map('exp', b.const(0))).toBe(b.const(1));
      expect(b.sum(b.broadcast(b.const(2), [3]))).toBe(b.const(6));
    });

    it('c1*(c2*x) → (c1·c2)*x', () => {
      const folded = b.mul(b.const(2), b.mul(b.const(3), x));
      expect(folded).toBe(b.mul(b.const(6), x));
      expect(folded.args[0]).toBe(b.const(6));
      expect(folded.args[1]).toBe(x);
      expect(b.mul(b.mul(x, b.const(3)), b.const(2))).toBe(folded);
    });

    it('x^1 → x and x^0 → 1', () => {
      expect(b.pow(x, b.const(1))).toBe(x);
      expect(b.pow(s, b.const(0))).toBe(b.const(1));
    });

    it('keeps the broadcast shape when a rewrite applies to two scalar operands', () => {
      // Elementwise operators unwrap broadcast operands to their scalars before rewriting; the
      // rewritten node must still have the broadcast shape (a scalar would change `sum` by a factor 3).
      const bs = b.broadcast(s, [3]);
      const bt = b.broadcast(b.neg(b.entry(theta, b.const(1))), [3]);
      expect(b.div(bs, b.const(2)).shape).toEqual([3]);
      expect(b.add(bs, bt).shape).toEqual([3]);
      expect(b.sub(bs, bt).shape).toEqual([3]);
      expect(b.mul(b.broadcast(b.const(2), [3]), b.broadcast(b.mul(b.const(3), s), [3])).shape).toEqual([3]);
      expect(b.mul(b.const(2), b.broadcast(b.neg(s), [3])).shape).toEqual([3]);
    });
  });

  describe('hash-consing', () => {
    it('building the same expression twice gives the identical object and no new nodes', () => {
      const ctx = newCtx({ d: 3, n: 2 });
      const make = (): Node => build({ op: 'sum', a: call('exp', bin('mul', { op: 'matvec', a: { op: 'A' }, b: { op: 'x' } }, { op: 'theta' })) }, ctx);
      const first = make();
      const size = ctx.b.size;
      expect(make()).toBe(first);
      expect(ctx.b.size).toBe(size);
    });

    it('a*b and b*a, a+b and b+a are the same node; a−b and b−a are not', () => {
      const { b, x, theta, A } = newCtx({ d: 3, n: 2 });
      const u = b.matvec(A, x);
      expect(b.mul(u, theta)).toBe(b.mul(theta, u));
      expect(b.add(u, theta)).toBe(b.add(theta, u));
      expect(b.mul(b.const(2), u)).toBe(b.mul(u, b.const(2)));
      expect(b.sub(u, theta)).not.toBe(b.sub(theta, u));
    });

    it('equal random expressions built in one builder are one object', () => {
      fc.assert(
        fc.property(caseArb(objectiveArb), (c) => {
          const ctx = newCtx(c.dims);
          expect(build(c.recipe, ctx)).toBe(build(c.recipe, ctx));
        }),
        { seed: seed + 9, numRuns: 100 },
      );
    });

    it('inputs are interned by kind and name, and constants by value (−0 apart from 0)', () => {
      const b = new IRBuilder(OPERATORS);
      expect(b.input({ kind: 'var', name: 'x' }, [2])).toBe(b.input({ kind: 'var', name: 'x' }, [2]));
      expect(b.input({ kind: 'var', name: 'x' }, [2])).not.toBe(b.input({ kind: 'param', name: 'x' }, [2]));
      expect(() => b.input({ kind: 'var', name: 'x' }, [3])).toThrow();
      expect(b.const(0.1)).toBe(b.const(0.1));
      expect(b.const(NaN)).toBe(b.const(NaN));
      expect(b.const(-0)).not.toBe(b.const(0));
    });
  });
}
