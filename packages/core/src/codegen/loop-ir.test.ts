/**
 * Tests of the loop IR: the lowering gives small kernels the structure the design promises
 * (a fused chain in one loop, logsumexp in two passes with its guard, the per-sample part once
 * per batch mode, scratch shared between the modes), the IR holds no text from the `.sgd` file,
 * and the JavaScript emitter runs loop IR written by hand. Values are checked against formulas
 * computed in the test.
 */
import { describe, expect, it } from 'vitest';
import { IRBuilder } from '../ir/builder.ts';
import { builtinOperatorTable } from '../ir/operators/builtin.ts';
import type { ElementwiseFunction, FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { compileKernel, type CompiledKernel, type Kernel, type KernelOutput } from './compile.ts';
import { emitJavaScript } from './emit-js.ts';
import type { InputLocation } from './layout.ts';
import { binary, indexAdd, indexConst, indexOf, load, store, valueOf } from './loop-build.ts';
import type { ArgumentBuffer, LoopExpr, LoopKernel, LoopStatement } from './loop-ir.ts';

function fn(name: string, evaluate: (z: number) => number): ElementwiseFunction {
  return {
    name,
    doc: 'test function',
    evaluate,
    derivative: () => {
      throw new Error('not needed');
    },
  };
}

const HOSTILE_FUNCTION = 'f);process.exit(1);//';
const FUNCTIONS: FunctionTable = new Map([fn('exp', Math.exp), fn(HOSTILE_FUNCTION, (z) => 2 * z + 1)].map((f) => [f.name, f] as const));
const EMPTY = new Float64Array(0);

/** Calls a kernel with `x` as state, `th` as params, the batch `batch`, into an `out` of `size` entries prefilled with garbage. */
function call(kernel: Kernel, size: number, x: readonly number[], th: readonly number[] = [], batch: readonly number[] = [0]): Float64Array {
  const out = new Float64Array(size).fill(-777);
  kernel(Float64Array.from(x), Float64Array.from(th), EMPTY, EMPTY, Int32Array.from(batch), batch.length, out, EMPTY);
  return out;
}

/** Every statement of `list`, nested ones included, in order. */
function allStatements(list: readonly LoopStatement[]): LoopStatement[] {
  return list.flatMap((s) => {
    if (s.kind === 'loop') return [s, ...allStatements(s.body)];
    if (s.kind === 'if') return [s, ...allStatements(s.then), ...allStatements(s.otherwise)];
    return [s];
  });
}

/** The statement kinds of `list` as a nested array (loops and branches as [kind, children...]). */
function skeleton(list: readonly LoopStatement[]): unknown[] {
  return list.map((s) => {
    if (s.kind === 'loop') return ['loop', skeleton(s.body)];
    if (s.kind === 'if') return ['if', skeleton(s.then), skeleton(s.otherwise)];
    return s.kind;
  });
}

/** Every subexpression of `e`, `e` first. */
function subexpressions(e: LoopExpr): LoopExpr[] {
  switch (e.op) {
    case 'binary':
      return [e, ...subexpressions(e.left), ...subexpressions(e.right)];
    case 'unary':
    case 'call':
      return [e, ...subexpressions(e.arg)];
    case 'select':
      return [e, ...subexpressions(e.then), ...subexpressions(e.otherwise)];
    default:
      return [e];
  }
}

/** Vars `x : [4]` at x[0..4) and `y : [4]` at x[4..8). */
function vectors(): { b: IRBuilder; x: Node; y: Node; resolve: (n: Node) => InputLocation } {
  const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
  const x = b.input({ kind: 'var', name: 'x' }, [4]);
  const y = b.input({ kind: 'var', name: 'y' }, [4]);
  return { b, x, y, resolve: (n) => ({ kind: 'buffer', buffer: 'x', offset: n === x ? 0 : 4 }) };
}

function fixedOutput(node: Node, size: number): KernelOutput {
  return { fixed: node, sampled: null, size, offset: 0 };
}

describe('loop IR of small kernels', () => {
  it('fuses an elementwise chain into one loop that stores each entry once, with no scratch buffer', () => {
    const { b, x, y, resolve } = vectors();
    const kernel = compileKernel([fixedOutput(b.add(b.mul(b.map('exp', x), b.const(2)), y), 4)], resolve, FUNCTIONS);
    const { body, scratch } = kernel.loops;
    expect(scratch).toEqual([]);
    expect(skeleton(body)).toEqual([['loop', ['store']]]);
    const [loop] = body;
    if (loop.kind !== 'loop') throw new Error('expected a loop');
    expect(loop.extent).toEqual(indexConst(4));
    const [write] = loop.body;
    if (write.kind !== 'store') throw new Error('expected a store');
    expect(write).toMatchObject({ buffer: { kind: 'argument', name: 'out' }, index: indexOf(loop.index), accumulate: false });
    // The whole chain is one expression: exp(x[j]) · 2 + x[4 + j].
    const parts = subexpressions(write.value);
    expect(parts.filter((e) => e.op === 'call')).toHaveLength(1);
    expect(parts.filter((e) => e.op === 'binary').map((e) => e.op === 'binary' && e.operator).sort()).toEqual(['add', 'mul']);
    const loads = parts.filter((e) => e.op === 'load');
    expect(loads).toContainEqual(load({ kind: 'argument', name: 'x' }, indexOf(loop.index)));
    expect(loads).toContainEqual(load({ kind: 'argument', name: 'x' }, indexAdd(indexConst(4), indexOf(loop.index))));
    // Products and sums of doubles commute exactly, so the kernel equals the formula bit for bit.
    const xs = [0, 1, -1, 0.5];
    const ys = [3, -2, 0.25, 1e-3];
    expect(Array.from(call(kernel.run, 4, [...xs, ...ys]))).toEqual(xs.map((v, j) => 2 * Math.exp(v) + ys[j]));
  });

  it('lowers logsumexp to a max pass, a shifted sum pass and a guard for infinite maxima', () => {
    const { b, x, resolve } = vectors();
    const kernel = compileKernel([fixedOutput(b.logsumexp(x), 1)], resolve, FUNCTIONS);
    const { body } = kernel.loops;
    expect(skeleton(body)).toEqual(['reduce', 'reduce', 'let', 'store']);
    const [max, sum, guarded, write] = body;
    if (max.kind !== 'reduce' || sum.kind !== 'reduce' || guarded.kind !== 'let' || write.kind !== 'store') throw new Error('unexpected statements');
    expect(max.reduction).toBe('max');
    expect(max.element).toEqual(load({ kind: 'argument', name: 'x' }, indexOf(max.index)));
    expect(sum.reduction).toBe('sum');
    const m = valueOf(max.target);
    expect(sum.element).toEqual({ op: 'unary', operator: 'exp', arg: binary('sub', load({ kind: 'argument', name: 'x' }, indexOf(sum.index)), m) });
    expect(guarded.value).toEqual({
      op: 'select',
      condition: { op: 'infinite', value: m },
      then: m,
      otherwise: binary('add', m, { op: 'unary', operator: 'log', arg: valueOf(sum.target) }),
    });
    expect(write.value).toEqual(valueOf(guarded.local));

    // Entries of size 1e4: exp overflows without the shift; the result is 1e4 + log(1 + e + e⁻²)
    // (e^−20000 underflows to 0), to within 4 ulps of 1e4 (ulp = 1.8e-12).
    const large = call(kernel.run, 1, [1e4, 1e4 + 1, 1e4 - 2, -1e4])[0];
    expect(Math.log(Math.exp(1e4))).toBe(Infinity);
    expect(Math.abs(large - (1e4 + Math.log(1 + Math.E + Math.exp(-2))))).toBeLessThan(8e-12);
    // Small entries: the plain formula, to 1e-15 relative.
    const small = call(kernel.run, 1, [0.1, -0.3, 0.2, 0])[0];
    expect(Math.abs(small - Math.log(Math.exp(0.1) + Math.exp(-0.3) + Math.exp(0.2) + 1))).toBeLessThan(1e-15);
    // The guard: every entry −∞ gives −∞ and a +∞ entry gives +∞, not ∞ − ∞ = NaN.
    expect(call(kernel.run, 1, [-Infinity, -Infinity, -Infinity, -Infinity])[0]).toBe(-Infinity);
    expect(call(kernel.run, 1, [0, Infinity, 1, 2])[0]).toBe(Infinity);
  });

  it('writes the per-sample part once per batch mode: plain stores for one sample, weighted sums in the batch loop, one shared scratch buffer', () => {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const A = b.input({ kind: 'data', name: 'A' }, [3, 2]);
    const x = b.input({ kind: 'var', name: 'x' }, [2]);
    const i = b.input({ kind: 'sample', name: 'i' }, []);
    const values = Float64Array.of(0.5, -1, 2, 0.25, -0.75, 1.5);
    const resolve = (n: Node): InputLocation => (n === A ? { kind: 'data', values } : n === i ? { kind: 'sample' } : { kind: 'buffer', buffer: 'x', offset: 0 });
    // exp(A[i] xᵀ): the outer product is stored (read at random), the exp is fused into the output store.
    const kernel: CompiledKernel = compileKernel([{ fixed: null, sampled: b.map('exp', b.outer(b.row(A, i), x)), size: 4, offset: 0 }], resolve, FUNCTIONS);
    const { body, scratch, data } = kernel.loops;
    expect(scratch).toEqual([4]);
    expect(data).toEqual([values]);
    expect(body).toHaveLength(1);
    const [branch] = body;
    if (branch.kind !== 'if') throw new Error('expected the batch-of-one branch');
    expect(branch.condition).toEqual({ op: 'equal', left: { op: 'count' }, right: indexConst(1) });
    // Batch of one: the sample index, the row's offset, the outer product, the output store.
    expect(skeleton(branch.then)).toEqual(['letIndex', 'letIndex', ['loop', ['let', ['loop', ['store']]]], ['loop', ['store']]]);
    // Batch: the weight 1/count, clearing the output, then the same per-sample statements in a loop over the batch.
    const [weight, clear, batchLoop] = branch.otherwise;
    expect(branch.otherwise).toHaveLength(3);
    if (weight.kind !== 'let' || clear.kind !== 'zero' || batchLoop.kind !== 'loop') throw new Error('unexpected batch statements');
    expect(clear).toEqual({ kind: 'zero', buffer: { kind: 'argument', name: 'out' }, start: 0, end: 4 });
    expect(batchLoop.extent).toEqual({ op: 'count' });
    expect(skeleton(batchLoop.body)).toEqual(skeleton(branch.then));
    expect(batchLoop.body[0]).toMatchObject({ kind: 'letIndex', value: { op: 'batchEntry', at: indexOf(batchLoop.index) } });
    const outStores = (list: readonly LoopStatement[]) =>
      allStatements(list).filter((s): s is Extract<LoopStatement, { kind: 'store' }> => s.kind === 'store' && s.buffer.kind === 'argument');
    expect(outStores(branch.then).map((s) => s.accumulate)).toEqual([false]);
    const [added] = outStores(batchLoop.body);
    expect(added.accumulate).toBe(true);
    expect(added.value).toMatchObject({ op: 'binary', operator: 'mul', left: valueOf(weight.local) });
    // Both modes write the one scratch buffer.
    const scratchWrites = allStatements(body).filter((s) => s.kind === 'store' && s.buffer.kind === 'scratch');
    expect(scratchWrites).toHaveLength(2);

    const xs = [0.3, -0.8];
    const expected = (row: number) => [0, 1].flatMap((r) => [0, 1].map((k) => Math.exp(values[2 * row + r] * xs[k])));
    for (const row of [0, 1, 2]) expect(Array.from(call(kernel.run, 4, xs, [], [row]))).toEqual(expected(row));
    const batch = [2, 0, 2];
    const mean = expected(2).map((v, k) => (v + expected(0)[k] + expected(2)[k]) / 3);
    call(kernel.run, 4, xs, [], batch).forEach((v, k) => expect(Math.abs(v - mean[k])).toBeLessThan(1e-15 * Math.abs(mean[k]) + 1e-300));
  });

  it('holds no text from the .sgd file: every string in it is a word of the loop IR', () => {
    const b = new IRBuilder(builtinOperatorTable(FUNCTIONS));
    const x = b.input({ kind: 'var', name: 'x);process.exit(1);(' }, [3]);
    const theta = b.input({ kind: 'param', name: '__proto__' }, [3]);
    const i = b.input({ kind: 'sample', name: 'constructor' }, []);
    const A = b.input({ kind: 'data', name: '`${process.exit(1)}`' }, [3, 3]);
    const resolve = (n: Node): InputLocation =>
      n === x ? { kind: 'buffer', buffer: 'x', offset: 0 } : n === theta ? { kind: 'buffer', buffer: 'th', offset: 0 } : n === i ? { kind: 'sample' } : { kind: 'data', values: new Float64Array(9) };
    const loss = b.add(b.logsumexp(b.matvec(A, x)), b.sum(b.map(HOSTILE_FUNCTION, b.mul(b.entry(theta, i), x))));
    const { loops } = compileKernel([{ fixed: null, sampled: loss, size: 1, offset: 0 }], resolve, FUNCTIONS);
    const words = new Set<string>();
    const walk = (v: unknown): void => {
      if (typeof v === 'string') words.add(v);
      else if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') Object.values(v).forEach(walk);
    };
    walk(loops.body);
    walk(loops.scratch);
    const vocabulary = new Set([
      ...['let', 'letIndex', 'store', 'zero', 'loop', 'reduce', 'if', 'sum', 'max'],
      ...['const', 'local', 'count', 'batchEntry', 'add', 'mul', 'load', 'fromIndex', 'binary', 'unary', 'call', 'select', 'equal', 'infinite'],
      ...['sub', 'div', 'pow', 'neg', 'square', 'exp', 'log', 'f64', 'i32', 'argument', 'data', 'scratch', 'x', 'th', 't', 'u', 'h', 'out'],
    ]);
    expect([...words].filter((w) => !vocabulary.has(w))).toEqual([]);
    // The function is referenced by position; its record (with its name) is bound beside the code.
    expect(loops.functions.map((f) => f.name)).toEqual([HOSTILE_FUNCTION]);
  });
});

describe('JavaScript emitter', () => {
  /** `out[0] = Σ_j x[j] · th[j]; out[1 + j] = x[j] for j < n`, written by hand. */
  function handKernel(n: number, argument: ArgumentBuffer = 'th'): LoopKernel {
    const j = { id: 0, type: 'i32' } as const;
    const k = { id: 1, type: 'i32' } as const;
    const dot = { id: 2, type: 'f64' } as const;
    const x = { kind: 'argument', name: 'x' } as const;
    const out = { kind: 'argument', name: 'out' } as const;
    return {
      data: [],
      functions: [],
      scratch: [],
      body: [
        { kind: 'reduce', reduction: 'sum', target: dot, index: j, extent: indexConst(n), element: binary('mul', load(x, indexOf(j)), load({ kind: 'argument', name: argument }, indexOf(j))) },
        store(out, indexConst(0), valueOf(dot)),
        { kind: 'loop', index: k, extent: indexConst(n), body: [store(out, indexAdd(indexConst(1), indexOf(k)), load(x, indexOf(k)))] },
      ],
    };
  }

  it('runs loop IR written by hand, not only what the lowering writes', () => {
    const source = emitJavaScript(handKernel(3));
    const kernel = (new Function('data', 'fns', source) as (d: Float64Array[], f: unknown[]) => Kernel)([], []);
    expect(Array.from(call(kernel, 4, [1, 2, 3], [0.5, -1, 2]))).toEqual([1 * 0.5 + 2 * -1 + 3 * 2, 1, 2, 3]);
  });

  it('refuses an argument buffer that is not a parameter of the kernel', () => {
    expect(() => emitJavaScript(handKernel(3, 'constructor' as ArgumentBuffer))).toThrow(/not a kernel argument/);
    expect(() => emitJavaScript(handKernel(3, 'toString' as ArgumentBuffer))).toThrow(/not a kernel argument/);
  });
});
