/**
 * Tests of the WebAssembly backend on loop IR written by hand: vectorized loops compute what the
 * JavaScript emitter computes, bit for bit; sums follow the stated four-partial-sum order (checked against
 * that order computed in the test); loops with a cross-iteration hazard are not vectorized;
 * arguments that live in the kernel's memory are used in place; a function registered under a
 * built-in's name but computing something else is called through its own `evaluate`; the memory
 * limit and the missing-SIMD fallback give their one-line messages.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadBinaryen } from './binaryen-module.ts';
import type { ElementwiseFunction } from '../../ir/functions.ts';
import { resolveBackend, wasmSimdSupported } from '../backend.ts';
import type { Kernel } from '../compile.ts';
import { emitJavaScript } from '../emit-js.ts';
import { binary, call, constant, indexAdd, indexConst, indexOf, load, store, unary, valueOf } from '../loop-build.ts';
import type { LoopBuffer, LoopKernel, LoopLocal, LoopStatement } from '../loop-ir.ts';
import { checkWasmMemory, WASM_MAX_BYTES } from './memory-limit.ts';
import { vectorizableLoop } from './vectorize.ts';
import { compileWasmKernel } from './wasm-kernel.ts';

const X: LoopBuffer = { kind: 'argument', name: 'x' };
const TH: LoopBuffer = { kind: 'argument', name: 'th' };
const OUT: LoopBuffer = { kind: 'argument', name: 'out' };
const D0: LoopBuffer = { kind: 'data', index: 0 };
const EMPTY = new Float64Array(0);
const ONE = Int32Array.from([0]);

const j: LoopLocal<'i32'> = { id: 0, type: 'i32' };
const s: LoopLocal<'f64'> = { id: 1, type: 'f64' };
const total: LoopLocal<'f64'> = { id: 2, type: 'f64' };

function jsKernel(kernel: LoopKernel): Kernel {
  const factory = new Function('data', 'fns', emitJavaScript(kernel)) as (d: readonly Float64Array[], f: Array<(z: number) => number>) => Kernel;
  return factory(kernel.data, kernel.functions.map((f) => f.evaluate));
}

function run(kernel: Kernel, x: Float64Array, th: Float64Array, size: number): Float64Array {
  const out = new Float64Array(size).fill(-777);
  kernel(x, th, EMPTY, EMPTY, ONE, 1, out, EMPTY);
  return out;
}

/** A deterministic sequence of doubles of mixed magnitudes (so that summation order shows in the last bits). */
function values(n: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length: n }, () => {
    state = (state * 16807) % 2147483647;
    return (state / 2147483647 - 0.3) * 10 ** ((state % 7) - 3);
  });
}

function fn(name: string, evaluate: (z: number) => number): ElementwiseFunction {
  return { name, doc: 'test function', evaluate, derivative: () => { throw new Error('not needed'); } };
}

// Binaryen is loaded on demand (binaryen-module.ts); the suites below build modules as they are defined.
await loadBinaryen();

describe('the WebAssembly backend', () => {
  it('the runtime has SIMD (Node 20)', () => {
    expect(wasmSimdSupported()).toBe(true);
  });

  it('a unit-stride loop runs in f64x2 lanes with a scalar tail and matches the JavaScript kernel bit for bit', () => {
    for (const n of [1, 2, 7, 8]) {
      const body: LoopStatement[] = [
        { kind: 'let', local: s, value: binary('mul', load(X, indexOf(j)), load(TH, indexConst(0))) },
        store(OUT, indexAdd(indexOf(j), indexConst(1)), binary('add', binary('div', valueOf(s), load(D0, indexOf(j))), unary('square', valueOf(s)))),
      ];
      const kernel: LoopKernel = { data: [values(n, 3)], functions: [], scratch: [], body: [store(OUT, indexConst(0), constant(5)), { kind: 'loop', index: j, extent: indexConst(n), body }] };
      const wasm = compileWasmKernel(kernel);
      // A constant extent below 2 has no pair to run in lanes: its one iteration is the scalar tail alone.
      if (n >= 2) expect(wasm.text).toContain('f64x2.mul');
      else expect(wasm.text).not.toContain('f64x2');
      const x = values(n, 11);
      const th = Float64Array.from([1.75]);
      expect(run(wasm.run, x, th, n + 1)).toEqual(run(jsKernel(kernel), x, th, n + 1));
    }
  });

  it('a sum adds terms 4k, 4k+1, 4k+2, 4k+3 in four partial sums, the next pair into the first two, then (s0 + s2) + (s1 + s3), then the odd last term', () => {
    for (const n of [1, 2, 5, 6, 7, 8, 33, 34]) {
      const terms = values(n, 7);
      const kernel: LoopKernel = {
        data: [],
        functions: [],
        scratch: [],
        body: [
          { kind: 'reduce', reduction: 'sum', target: total, index: j, extent: indexConst(n), element: binary('mul', load(X, indexOf(j)), constant(3)) },
          store(OUT, indexConst(0), valueOf(total)),
        ],
      };
      const partial = [0, 0, 0, 0];
      let k = 0;
      for (; k + 4 <= n; k += 4) for (let r = 0; r < 4; r++) partial[r]! += terms[k + r]! * 3;
      if (k + 2 <= n) {
        partial[0]! += terms[k]! * 3;
        partial[1]! += terms[k + 1]! * 3;
        k += 2;
      }
      const lanes = partial[0]! + partial[2]! + (partial[1]! + partial[3]!);
      const expected = k < n ? lanes + terms[k]! * 3 : lanes;
      expect(run(compileWasmKernel(kernel).run, terms, EMPTY, 1)[0]).toBe(expected);
    }
  });

  it('a loop reading a buffer at another index than it writes it is not vectorized', () => {
    const shifted: LoopStatement[] = [store(OUT, indexOf(j), load(OUT, indexAdd(indexOf(j), indexConst(1))))];
    const same: LoopStatement[] = [store(OUT, indexOf(j), binary('add', load(OUT, indexOf(j)), load(X, indexOf(j))))];
    expect(vectorizableLoop(shifted, j)).toBe(false);
    expect(vectorizableLoop(same, j)).toBe(true);
    // out[j] = out[j + 1] shifts left only when run in index order, as the JavaScript kernel does.
    const kernel: LoopKernel = { data: [], functions: [], scratch: [], body: [{ kind: 'loop', index: j, extent: indexConst(5), body: shifted }] };
    const out = Float64Array.from([0, 1, 2, 3, 4, 5]);
    compileWasmKernel(kernel).run(EMPTY, EMPTY, EMPTY, EMPTY, ONE, 1, out, EMPTY);
    expect([...out]).toEqual([1, 2, 3, 4, 5, 5]);
  });

  it('arguments that are views on the kernel memory are read and written in place', () => {
    const kernel: LoopKernel = { data: [], functions: [], scratch: [], body: [{ kind: 'loop', index: j, extent: indexConst(4), body: [store(OUT, indexOf(j), binary('mul', load(X, indexOf(j)), constant(2)))] }] };
    const wasm = compileWasmKernel(kernel);
    wasm.memory.grow(1);
    const pages = wasm.memory.buffer.byteLength;
    const x = new Float64Array(wasm.memory.buffer, pages - 64, 4);
    const out = new Float64Array(wasm.memory.buffer, pages - 32, 4);
    x.set([1, -2, 3.5, 0.25]);
    wasm.run(x, EMPTY, EMPTY, EMPTY, ONE, 1, out, EMPTY);
    expect([...out]).toEqual([2, -4, 7, 0.5]);
  });

  it('a function registered as exp that is not exp is called through its own evaluate', () => {
    const fake = fn('exp', (z) => 2 * z + 1);
    const real = fn('exp', Math.exp);
    const body = (k: number): LoopStatement[] => [store(OUT, indexConst(0), call(k, load(X, indexConst(0))))];
    const x = Float64Array.from([0.75]);
    expect(run(compileWasmKernel({ data: [], functions: [fake], scratch: [], body: body(0) }).run, x, EMPTY, 1)[0]).toBe(2.5);
    const native = compileWasmKernel({ data: [], functions: [real], scratch: [], body: body(0) });
    expect(native.text).toContain('(import "math" "exp"');
    expect(run(native.run, x, EMPTY, 1)[0]).toBeCloseTo(Math.exp(0.75), 15);
  });

  it('a memory over the limit is refused with its size, before allocation', () => {
    expect(() => checkWasmMemory(WASM_MAX_BYTES + 8, 'the run')).toThrow(/the run needs 4\.00 GiB \(4294967304 bytes\) of WebAssembly memory, over WebAssembly's limit of 4\.00 GiB/);
    expect(() => checkWasmMemory(WASM_MAX_BYTES, 'the run')).not.toThrow();
  });
});

describe('backend selection', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('wasm without SIMD falls back to js with one line on stderr, once', () => {
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(resolveBackend('wasm', () => false)).toBe('js');
    expect(resolveBackend('wasm', () => false)).toBe('js');
    expect(resolveBackend('wasm', () => true)).toBe('wasm');
    expect(resolveBackend('js', () => false)).toBe('js');
    expect(write).toHaveBeenCalledTimes(1);
    expect(String(write.mock.calls[0]![0])).toMatch(/^sgd: this runtime has no WebAssembly SIMD; kernels run on the JavaScript backend\n$/);
  });
});
