/**
 * Tests of the kernel code generator: numbers reach generated code exactly, nothing from the
 * user's names reaches it at all, and kernels do not allocate or keep state between calls.
 *
 * The function table is defined here (not taken from @sgdiff/plugins) so the core's tests do
 * not depend on the plugins package.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IRBuilder } from '../ir/builder.ts';
import { builtinOperatorTable } from '../ir/operators/builtin.ts';
import type { ElementwiseFunction, FunctionTable } from '../ir/functions.ts';
import { inputKey, type InputKind, type Node } from '../ir/node.ts';
import { sizeOf, type Shape } from '../ir/shape.ts';
import { sampleDependent } from '../ir/split.ts';
import { compileKernel, type CompiledKernel, type KernelOutput } from './compile.ts';
import type { InputLocation, KernelBuffer } from './layout.ts';
import { numberLiteral } from './literal.ts';

/** A function name that would be code if it were ever pasted into the source. */
const HOSTILE_FUNCTION = 'f);process.exit(1);//';

function fn(name: string, evaluate: (z: number) => number): ElementwiseFunction {
  return {
    name,
    doc: 'test function',
    evaluate,
    derivative: () => {
      throw new Error('derivatives are not needed by code generator tests');
    },
  };
}

const FUNCTIONS: FunctionTable = new Map(
  [fn('exp', Math.exp), fn('tanh', Math.tanh), fn(HOSTILE_FUNCTION, (z) => 2 * z + 1)].map((f) => [f.name, f] as const),
);

const EMPTY = new Float64Array(0);

/** Kernel arguments by buffer name; missing buffers are empty. */
type Buffers = Partial<Record<KernelBuffer, readonly number[]>>;

/**
 * Compiles `nodes` as consecutive outputs, each entirely `fixed` or entirely `sampled`
 * (whichever it is), with inputs found by `resolve`.
 */
function compile(nodes: readonly Node[], resolve: (n: Node) => InputLocation): CompiledKernel {
  let offset = 0;
  const outputs = nodes.map((node): KernelOutput => {
    const size = sizeOf(node.shape);
    const dependent = sampleDependent([node]).has(node);
    const o = { fixed: dependent ? null : node, sampled: dependent ? node : null, size, offset };
    offset += size;
    return o;
  });
  return compileKernel(outputs, resolve, FUNCTIONS);
}

/** Runs a kernel into a fresh `out` of `size` entries prefilled with garbage. */
function run(kernel: CompiledKernel, size: number, buffers: Buffers = {}, batch: readonly number[] = [0]): Float64Array {
  const arg = (k: KernelBuffer): Float64Array => (buffers[k] ? Float64Array.from(buffers[k]) : EMPTY);
  const out = new Float64Array(size).fill(-777);
  kernel.run(arg('x'), arg('th'), arg('t'), arg('u'), Int32Array.from(batch), batch.length, out, arg('h'));
  return out;
}

// ---------------------------------------------------------------------------------------------
// (a) Hostile numbers
// ---------------------------------------------------------------------------------------------

const HOSTILE = [1e308, -1e308, 5e-324, -0, NaN, Infinity, -Infinity, 0.1, 1e21, -1e-7];
/** Run-time values the constants meet: the hostile ones and a few ordinary ones. */
const VALUES = [...HOSTILE, 1, -2.5, 3, 0];
const show = (v: number): string => (Object.is(v, -0) ? '-0' : String(v));

describe('hostile numbers', () => {
  /** A scalar var `x` at x[0] and a vector var `v : [3]` at x[1..3]. */
  function setup(): { b: IRBuilder; x: Node; v: Node; resolve: (n: Node) => InputLocation } {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const x = b.input({ kind: 'var', name: 'x' }, []);
    const v = b.input({ kind: 'var', name: 'v' }, [3]);
    return { b, x, v, resolve: (n) => ({ kind: 'buffer', buffer: 'x', offset: n === x ? 0 : 1 }) };
  }

  // `expect(a).toBe(b)` compares with Object.is: it tells −0 from 0 and accepts NaN for NaN.

  it.each(HOSTILE.map((c) => [show(c), c]))('the constant %s is written exactly, as a scalar and broadcast', (_label, c) => {
    const { b, resolve } = setup();
    const kernel = compile([b.const(c), b.broadcast(b.const(c), [3])], resolve);
    const out = run(kernel, 4);
    for (const entry of out) expect(entry).toBe(c);
  });

  it('numberLiteral round-trips every double, in an alphabet without identifiers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.constantFrom(...HOSTILE)), (v) => {
        const text = numberLiteral(v);
        expect(text).toMatch(/^[0-9.e+\-/()]+$/);
        expect(new Function(`return ${text};`)()).toBe(v);
        // A literal is parenthesised when negative, so `a - <literal>` can never read as `a--1`.
        expect(text.startsWith('-')).toBe(false);
      }),
      { seed: 1234, numRuns: 2000 },
    );
  });

  it('constant arithmetic is folded at construction with exactly JS semantics', () => {
    const { b, resolve } = setup();
    const ops = {
      add: (p: number, q: number) => p + q,
      sub: (p: number, q: number) => p - q,
      mul: (p: number, q: number) => p * q,
      div: (p: number, q: number) => p / q,
      pow: (p: number, q: number) => Math.pow(p, q),
    } as const;
    const nodes: Node[] = [];
    const expected: number[] = [];
    for (const c1 of HOSTILE) {
      nodes.push(b.neg(b.const(c1)), b.map('exp', b.const(c1)), b.map('tanh', b.const(c1)));
      expected.push(-c1, Math.exp(c1), Math.tanh(c1));
      for (const c2 of HOSTILE) {
        for (const [op, js] of Object.entries(ops)) {
          nodes.push(b[op as keyof typeof ops](b.const(c1), b.const(c2)));
          expected.push(js(c1, c2));
        }
      }
    }
    for (const node of nodes) expect(node.op).toBe('const');
    const out = run(compile(nodes, resolve), nodes.length);
    for (let k = 0; k < nodes.length; k++) expect(out[k], `entry ${k}`).toBe(expected[k]);
  });

  /**
   * Forms combining a hostile constant with a run-time value, and the JS they must equal. The
   * builder's rewrites of these forms are exact in IEEE arithmetic (x·1 → x, x·(−1) → −x,
   * x + (−0) → x, (−0) − x → −x, x^(−0) → 1), so the kernel must agree bit for bit. Forms the
   * builder rewrites inexactly are listed apart below.
   */
  const FORMS: ReadonlyArray<{
    readonly name: string;
    readonly build: (b: IRBuilder, x: Node, c: Node) => Node;
    readonly js: (x: number, c: number) => number;
    readonly skip?: (c: number) => boolean;
  }> = [
    { name: 'x + c', build: (b, x, c) => b.add(x, c), js: (x, c) => x + c },
    { name: 'c + x', build: (b, x, c) => b.add(c, x), js: (x, c) => c + x },
    // x − (−0) → x is wrong for x = −0 (−0 − (−0) = +0): a documented rewrite, tested below.
    { name: 'x - c', build: (b, x, c) => b.sub(x, c), js: (x, c) => x - c, skip: (c) => Object.is(c, -0) },
    { name: 'c - x', build: (b, x, c) => b.sub(c, x), js: (x, c) => c - x },
    // 0·x → 0 ignores the sign of zero and NaN/∞ (documented rewrite, tested below).
    { name: 'x * c', build: (b, x, c) => b.mul(x, c), js: (x, c) => x * c, skip: (c) => c === 0 },
    { name: 'c * x', build: (b, x, c) => b.mul(c, x), js: (x, c) => c * x, skip: (c) => c === 0 },
    { name: 'c / x', build: (b, x, c) => b.div(c, x), js: (x, c) => c / x, skip: (c) => c === 0 },
    { name: 'x ^ c', build: (b, x, c) => b.pow(x, c), js: (x, c) => Math.pow(x, c) },
    { name: 'c ^ x', build: (b, x, c) => b.pow(c, x), js: (x, c) => Math.pow(c, x) },
    { name: '-(x * c)', build: (b, x, c) => b.neg(b.mul(x, c)), js: (x, c) => -(x * c), skip: (c) => c === 0 },
    { name: 'exp(x) - c', build: (b, x, c) => b.sub(b.map('exp', x), c), js: (x, c) => Math.exp(x) - c, skip: (c) => Object.is(c, -0) },
  ];

  it.each(FORMS.map((f) => [f.name, f]))('%s evaluates exactly as JS for every hostile c and x, scalar and vector', (_name, form) => {
    const { b, x, v, resolve } = setup();
    const constants = HOSTILE.filter((c) => !form.skip?.(c));
    // One kernel per form: every constant, applied to the scalar x and to the vector v.
    const nodes = constants.flatMap((c) => [form.build(b, x, b.const(c)), form.build(b, v, b.const(c))]);
    const kernel = compile(nodes, resolve);
    const vector = [VALUES[0], VALUES[1], VALUES[2]];
    for (const value of VALUES) {
      const out = run(kernel, 4 * constants.length, { x: [value, ...vector] });
      constants.forEach((c, k) => {
        const where = `${form.name} with c = ${show(c)}`;
        expect(out[4 * k], `${where}, x = ${show(value)}`).toBe(form.js(value, c));
        for (let j = 0; j < 3; j++) expect(out[4 * k + 1 + j], `${where}, x = ${show(vector[j])} (vector)`).toBe(form.js(vector[j], c));
      });
    }
  });

  it('documented rewrites: 0·x is 0 and x − 0 is x, even where IEEE arithmetic would differ', () => {
    // These are the builder's algebraic simplifications (`0*x`, `x+0`), not code generation:
    // pinned here so that a change of policy is a visible decision.
    const { b, x, resolve } = setup();
    const kernel = compile([b.mul(b.const(-0), x), b.mul(x, b.const(0)), b.sub(x, b.const(-0))], resolve);
    expect(Array.from(run(kernel, 3, { x: [NaN] })).slice(0, 2)).toEqual([0, 0]);
    expect(run(kernel, 3, { x: [Infinity] })[0]).toBe(0);
    expect(run(kernel, 3, { x: [-0] })[2]).toBe(-0);
  });

  // `a / c` may become `(1/c) · a` only when that is exact (c a power of two with a finite
  // reciprocal): 1/c overflows for tiny c, rounds for most c, and 1/±∞ = 0 would turn x/∞ into 0.
  const DIVISIONS: ReadonlyArray<readonly [number, number]> = [
    [1e-310, 5e-324], // JS 20240225330731, kernel ∞
    [0, 5e-324], // JS 0, kernel NaN
    [1e308, 1e308], // JS 1, kernel 0.9999999999999999
    [Infinity, Infinity], // JS NaN, kernel 0
    [-5, Infinity], // JS −0, kernel 0
  ];
  it.each(DIVISIONS.map(([value, c]) => [show(value), show(c), value, c]))(
    'x / c with x = %s, c = %s evaluates exactly as JS',
    (_x, _c, value, c) => {
      const { b, x, resolve } = setup();
      expect(run(compile([b.div(x, b.const(c))], resolve), 1, { x: [value] })[0]).toBe(value / c);
    },
  );
});

// ---------------------------------------------------------------------------------------------
// (b) Only generated identifiers in the source, whatever the names of the inputs
// ---------------------------------------------------------------------------------------------

/** Names of the kernel's parameters and of the closure's bindings. */
const FIXED_IDENTIFIERS = new Set(['data', 'fns', 'kernel', 'x', 'th', 't', 'u', 'idx', 'count', 'out', 'h', 'i', 'q', 'w', 'sq', 'v']);
/** Keywords, globals and members the generator may write. */
const KEYWORDS = new Set(['const', 'let', 'for', 'if', 'else', 'return', 'function', 'new', 'Float64Array', 'Math', 'exp', 'max', 'log', 'pow', 'fill']);
/** Generated names: data arrays, functions, tensor buffers, scalars, loop indices, row bases, accumulators, maxima, weights. */
const GENERATED = /^(?:D|f|T|s|j|b|a|m|w)\d+$/;

/**
 * Lexes generated source with a closed grammar: whitespace, the "use strict" directive,
 * identifiers (which must be whitelisted), decimal number literals and operator punctuation.
 * Throws on anything else: a quote, a backtick, `$`, a non-ASCII character, a comment.
 */
function identifiersOf(source: string): string[] {
  const token = /\s+|"use strict"|([A-Za-z_][A-Za-z0-9_]*)|\d+(?:\.\d+)?(?:e[+-]?\d+)?|===|=>|\+\+|\+=|\|\||[-+*/=<>?:;,.()[\]{}!]/y;
  const identifiers: string[] = [];
  let at = 0;
  while (at < source.length) {
    token.lastIndex = at;
    const match = token.exec(source);
    if (!match) throw new Error(`unexpected text in generated source at ${at}: ${JSON.stringify(source.slice(at, at + 20))}`);
    if (match[1]) identifiers.push(match[1]);
    at = token.lastIndex;
  }
  return identifiers;
}

function expectOnlyGeneratedIdentifiers(source: string): void {
  const foreign = identifiersOf(source).filter((id) => !FIXED_IDENTIFIERS.has(id) && !KEYWORDS.has(id) && !GENERATED.test(id));
  expect(foreign, source).toEqual([]);
}

const HOSTILE_NAMES = [
  'constructor',
  '__proto__',
  'x);process.exit(1);(',
  `'; require("fs")`,
  'θ₁',
  'toString',
  'hasOwnProperty',
  'line\nbreak',
  'line\u2028separator',
  '`${process.exit(1)}`',
  '${}',
  '*/ process.exit(1) /*',
  '"use strict"',
  '',
];

/** Inputs named `names[k]`, one of each kind, with the expression a kernel computes from them. */
function hostileProblem(names: readonly string[]): { nodes: Node[]; resolve: (n: Node) => InputLocation } {
  const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
  const [n, d] = [3, 2];
  const name = (k: number): string => names[k % names.length] + (k >= names.length ? `#${k}` : '');
  const declare = (kind: InputKind, k: number, shape: Shape): Node => b.input({ kind, name: name(k) }, shape);
  const x = declare('var', 0, [d]);
  const s = declare('var', 1, []);
  const theta = declare('param', 2, [n]);
  const A = declare('data', 3, [n, d]);
  const i = declare('sample', 4, []);
  const tx = b.input({ kind: 'tangent', name: inputKey(x.input as NonNullable<Node['input']>) }, [d]);
  const ut = b.input({ kind: 'tangent', name: inputKey(theta.input as NonNullable<Node['input']>) }, [n]);
  const step = declare('var', 5, []);
  // Locations are looked up by the input's key only: the names never need to be code.
  const locations = new Map<string, InputLocation>([
    [inputKey(x.input!), { kind: 'buffer', buffer: 'x', offset: 0 }],
    [inputKey(s.input!), { kind: 'buffer', buffer: 'x', offset: d }],
    [inputKey(theta.input!), { kind: 'buffer', buffer: 'th', offset: 0 }],
    [inputKey(A.input!), { kind: 'data', values: Float64Array.of(0.5, -1, 2, 0.25, -0.75, 1.5) }],
    [inputKey(i.input!), { kind: 'sample' }],
    [inputKey(tx.input!), { kind: 'buffer', buffer: 't', offset: 0 }],
    [inputKey(ut.input!), { kind: 'buffer', buffer: 'u', offset: 0 }],
    [inputKey(step.input!), { kind: 'buffer', buffer: 'h', offset: 0 }],
  ]);
  const resolve = (node: Node): InputLocation => {
    const location = locations.get(inputKey(node.input!));
    if (!location) throw new Error(`unknown input ${inputKey(node.input!)}`);
    return location;
  };
  const Ax = b.matvec(A, b.add(x, s));
  const logits = b.add(Ax, b.mul(theta, b.const(-1e-7)));
  const nodes = [
    // A loss with every reduction, product, indexing and a hostile constant per line.
    b.add(b.logsumexp(logits), b.mul(b.const(1e21), b.entry(theta, i))),
    b.sum(b.map(HOSTILE_FUNCTION, b.pow(b.vecmat(theta, A), b.const(2)))),
    b.scatter(b.map('tanh', b.entry(Ax, i)), i, n),
    b.scatterRow(b.mul(b.row(A, i), b.const(0.1)), i, n),
    b.add(b.outer(ut, tx), b.const(5e-324)),
    b.div(b.pow(b.map('exp', b.dot(x, tx)), s), b.add(b.const(1e308), b.norm2(theta))),
    b.sub(x, b.mul(step, b.row(A, b.const(2)))),
  ];
  return { nodes, resolve };
}

/** Buffers for {@link hostileProblem}. */
const HOSTILE_BUFFERS: Buffers = { x: [0.3, -0.2, 0.7], th: [0.1, -0.4, 0.9], t: [1, -1], u: [0.5, 0.25, -2], h: [0.01] };

describe('generated source', () => {
  it('contains only generated identifiers, keywords and numbers, and none of the input names', () => {
    const { nodes, resolve } = hostileProblem(HOSTILE_NAMES);
    const kernel = compile(nodes, resolve);
    expectOnlyGeneratedIdentifiers(kernel.source);
    // Names short enough to occur by chance, and the directive every kernel starts with, are
    // covered by the lexer check above and by the next test (the source does not change with them).
    const distinctive = [...HOSTILE_NAMES, HOSTILE_FUNCTION].filter((n) => n.length > 2 && n !== '"use strict"');
    for (const name of distinctive) expect(kernel.source).not.toContain(name);
  });

  it('does not depend on the input names: same source and same results as with plain names', () => {
    const plain = hostileProblem(['p0', 'p1', 'p2', 'p3', 'p4', 'p5']);
    const hostile = hostileProblem(HOSTILE_NAMES);
    const [a, b] = [compile(plain.nodes, plain.resolve), compile(hostile.nodes, hostile.resolve)];
    expect(b.source).toBe(a.source);
    const size = plain.nodes.reduce((acc, n) => acc + sizeOf(n.shape), 0);
    const results = run(b, size, HOSTILE_BUFFERS, [0, 2, 1]);
    expect(results).toEqual(run(a, size, HOSTILE_BUFFERS, [0, 2, 1]));
    expect(results.every(Number.isFinite)).toBe(true);
  });

  it('computes the right values from inputs with hostile names', () => {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const inputs = HOSTILE_NAMES.map((name) => b.input({ kind: 'var', name }, []));
    const offsets = new Map(inputs.map((n, k) => [n, k]));
    // Σ_k (k + 1) · name_k, then through the hostile-named function z ↦ 2z + 1.
    const total = inputs.reduce<Node>((acc, n, k) => b.add(acc, b.mul(b.const(k + 1), n)), b.const(0));
    const kernel = compile([b.map(HOSTILE_FUNCTION, total)], (n) => ({ kind: 'buffer', buffer: 'x', offset: offsets.get(n) as number }));
    expectOnlyGeneratedIdentifiers(kernel.source);
    const values = HOSTILE_NAMES.map((_, k) => 0.5 - k);
    const expected = 2 * values.reduce((acc, v, k) => acc + (k + 1) * v, 0) + 1;
    expect(run(kernel, 1, { x: values })[0]).toBeCloseTo(expected, 12);
  });

  it('rejects a bad layout rather than writing it into the source', () => {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const x = b.input({ kind: 'var', name: 'x' }, [2]);
    const bad = (offset: number) => () => compile([b.map('exp', x)], () => ({ kind: 'buffer', buffer: 'x', offset }));
    expect(bad(-1)).toThrow();
    expect(bad(0.5)).toThrow();
    expect(bad(Number.MAX_SAFE_INTEGER + 2)).toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// (c) No allocation and no state between calls
// ---------------------------------------------------------------------------------------------

describe('kernel calls', () => {
  it('allocate nothing: every buffer is made before `return function`, and the kernel body only computes', () => {
    const { nodes, resolve } = hostileProblem(['a', 'b', 'c', 'd', 'e', 'f']);
    const { source } = compile(nodes, resolve);
    const split = source.indexOf('return function');
    expect(split).toBeGreaterThan(0);
    const [prelude, body] = [source.slice(0, split), source.slice(split + 'return function'.length)];
    // The expression has stored tensors, so buffers exist, and all of them are in the prelude.
    expect(prelude).toMatch(/new Float64Array\(\d+\)/);
    const buffers = [...prelude.matchAll(/const (T\d+) = new Float64Array\(\d+\);/g)].map((m) => m[1]);
    const used = new Set([...body.matchAll(/\bT\d+\b/g)].map((m) => m[0]));
    expect([...used].filter((t) => !buffers.includes(t))).toEqual([]);
    // No `new`, closures, array or object literals, or allocating calls inside the kernel.
    const identifiers = identifiersOf(body);
    for (const allocating of ['new', 'Float64Array', 'function']) expect(identifiers).not.toContain(allocating);
    expect(body).not.toMatch(/=>|[=(,]\s*[[{]|\bslice\b|\bmap\b|\bconcat\b/);
  });

  it('give identical results when called twice, and after calls with other inputs and samples', () => {
    const { nodes, resolve } = hostileProblem(['a', 'b', 'c', 'd', 'e', 'f']);
    const kernel = compile(nodes, resolve);
    const size = nodes.reduce((acc, n) => acc + sizeOf(n.shape), 0);
    const first = run(kernel, size, HOSTILE_BUFFERS, [1]);
    expect(run(kernel, size, HOSTILE_BUFFERS, [1])).toEqual(first);
    // Buffers that accumulate (vecmat) or scatter must be reset, not carry the previous call over.
    run(kernel, size, { x: [5, -3, 2], th: [-1, 2, 0.5], t: [0, 3], u: [1, 1, 1], h: [2] }, [2, 0, 0, 2]);
    expect(run(kernel, size, HOSTILE_BUFFERS, [1])).toEqual(first);
    // The same kernel from a fresh compilation agrees too (no state shared between kernels).
    expect(run(compile(nodes, resolve), size, HOSTILE_BUFFERS, [1])).toEqual(first);
  });

  it('average the sampled part over a batch: a batch is the mean of its single-sample results', () => {
    // A batch of one and a larger batch run different code (plain stores vs weighted sums).
    const { nodes, resolve } = hostileProblem(['a', 'b', 'c', 'd', 'e', 'f']);
    const kernel = compile(nodes, resolve);
    const size = nodes.reduce((acc, n) => acc + sizeOf(n.shape), 0);
    const batch = [2, 0, 2, 1];
    const mean = new Float64Array(size);
    for (const i of batch) run(kernel, size, HOSTILE_BUFFERS, [i]).forEach((v, k) => (mean[k] += v / batch.length));
    const together = run(kernel, size, HOSTILE_BUFFERS, batch);
    together.forEach((v, k) => expect(v, `entry ${k}`).toBeCloseTo(mean[k], 12));
  });

  it('leave `out` outside their outputs untouched and overwrite every entry inside', () => {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const x = b.input({ kind: 'var', name: 'x' }, [3]);
    const i = b.input({ kind: 'sample', name: 'i' }, []);
    const outputs: KernelOutput[] = [
      { fixed: b.map('exp', x), sampled: null, size: 3, offset: 1 },
      { fixed: null, sampled: null, size: 2, offset: 4 },
      { fixed: null, sampled: b.scatter(b.entry(x, i), i, 3), size: 3, offset: 6 },
    ];
    const kernel = compileKernel(outputs, (n) => (n === i ? { kind: 'sample' } : { kind: 'buffer', buffer: 'x', offset: 0 }), FUNCTIONS);
    const out = new Float64Array(10).fill(-1);
    kernel.run(Float64Array.of(0, 1, 2), EMPTY, EMPTY, EMPTY, Int32Array.of(1), 1, out, EMPTY);
    expect(Array.from(out)).toEqual([-1, 1, Math.E, Math.exp(2), 0, 0, 0, 1, 0, -1]);
  });
});
