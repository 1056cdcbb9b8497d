/**
 * The per-process cache of compiled kernel modules: the same kernel at the same placement reuses
 * one module (a new instance, with its own memory and data, computing the same numbers); kernels
 * that differ only in a constant JSON cannot tell apart (NaN, ±∞, ±0), or only in where their
 * buffers were placed, get modules of their own and compute their own numbers.
 */
import { describe, expect, it } from 'vitest';
import { loadBinaryen } from './binaryen-module.ts';
import { binary, constant, indexConst, load, store } from '../loop-build.ts';
import type { LoopBuffer, LoopKernel } from '../loop-ir.ts';
import { KernelMemory } from './kernel-memory.ts';
import { wasmModule } from './module-cache.ts';
import { compileWasmKernel } from './wasm-kernel.ts';

const X: LoopBuffer = { kind: 'argument', name: 'x' };
const OUT: LoopBuffer = { kind: 'argument', name: 'out' };
const D0: LoopBuffer = { kind: 'data', index: 0 };
const EMPTY = new Float64Array(0);
const ONE = Int32Array.from([0]);

/** out[0] = 1 / c (so that ±0 and ±∞ give different results), out[1] = x[0] · D0[0]. */
function kernel(c: number, data: Float64Array): LoopKernel {
  return {
    data: [data],
    functions: [],
    scratch: [],
    body: [store(OUT, indexConst(0), binary('div', constant(1), constant(c))), store(OUT, indexConst(1), binary('mul', load(X, indexConst(0)), load(D0, indexConst(0))))],
  };
}

function evaluate(k: LoopKernel, shared?: KernelMemory): number[] {
  const out = new Float64Array(2);
  compileWasmKernel(k, shared).run(Float64Array.from([3]), EMPTY, EMPTY, EMPTY, ONE, 1, out, EMPTY);
  return [...out];
}

await loadBinaryen();

describe('compiled kernel modules are cached per process', () => {
  it('the same kernel at the same placement reuses its module, with its own data', () => {
    const first = wasmModule(kernel(4, Float64Array.from([2])), undefined);
    expect(wasmModule(kernel(4, Float64Array.from([5])), undefined)).toBe(first);
    // One module, two instances: each kernel computes with its own data array.
    expect(evaluate(kernel(4, Float64Array.from([2])))).toEqual([0.25, 6]);
    expect(evaluate(kernel(4, Float64Array.from([5])))).toEqual([0.25, 15]);
  });

  it('constants JSON writes alike (NaN, ±Infinity, ±0) get modules of their own', () => {
    const constants = [Number.NaN, Infinity, -Infinity, 0, -0];
    const modules = constants.map((c) => wasmModule(kernel(c, Float64Array.from([1])), undefined));
    expect(new Set(modules).size).toBe(constants.length);
    expect(constants.map((c) => evaluate(kernel(c, Float64Array.from([1])))[0])).toEqual([Number.NaN, 0, -0, Infinity, -Infinity]);
  });

  it('in run memories, a kernel placed at other offsets gets another module; placed alike, the same one', () => {
    const runA = new KernelMemory();
    const runB = new KernelMemory();
    runB.float64(10); // B's data land 80 bytes later than A's
    const runC = new KernelMemory();
    const data = Float64Array.from([7]);
    expect(evaluate(kernel(2, data), runA)).toEqual([0.5, 21]);
    expect(evaluate(kernel(2, data), runB)).toEqual([0.5, 21]);
    expect(evaluate(kernel(2, data), runC)).toEqual([0.5, 21]);
    const placedAt = (run: KernelMemory) => wasmModule(kernel(2, data), { data: [run.data(data)], scratch: [], end: 0 });
    expect(placedAt(runA)).toBe(placedAt(runC));
    expect(placedAt(runB)).not.toBe(placedAt(runA));
  });
});
