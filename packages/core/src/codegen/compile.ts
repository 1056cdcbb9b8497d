/**
 * Compiles IR to an allocation-free JavaScript kernel: plan (`plan.ts`) → loop IR (`lower.ts`)
 * → JavaScript source (`emit-js.ts`) → `new Function`. The generated source is built only from
 * generated identifiers, operator symbols and numbers; names and text from the `.sgd` file never
 * enter it. Data arrays, elementwise functions and scratch buffers are bound once, by position,
 * in the closure that `new Function` returns.
 */
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { resolveBackend, runKernelMemory, type Backend } from './backend.ts';
import { emitJavaScript } from './emit-js.ts';
import type { InputResolver } from './layout.ts';
import type { LoopKernel } from './loop-ir.ts';
import { lowerKernel } from './lower.ts';
import type { KernelMemory } from './wasm/kernel-memory.ts';
import { compileWasmKernel } from './wasm/wasm-kernel.ts';

/**
 * A compiled kernel. It writes, for each output, `fixed + (1/count) Σ_q sampled(idx[q])`: the
 * sample-free part once, the sample-dependent part averaged over the batch `idx[0..count)`.
 * @category Code generation
 */
export type Kernel = (
  x: Float64Array,
  th: Float64Array,
  t: Float64Array,
  u: Float64Array,
  idx: Int32Array,
  count: number,
  out: Float64Array,
  h: Float64Array,
) => void;

/**
 * A kernel of a run on WebAssembly called with byte offsets into the run's memory instead of
 * arrays (`count` stays the batch length): what the stepper and trackers call per step, since
 * reading a typed array's `buffer` or `byteOffset` costs tens of nanoseconds per argument.
 * @category Code generation
 */
export type OffsetKernel = (x: number, th: number, t: number, u: number, idx: number, count: number, out: number, h: number) => void;

/**
 * One result a kernel writes at `out[offset ...]` (or `u[offset ...]`, see `into`): `fixed` plus
 * the batch mean of `sampled`, or that value added to what the buffer holds (see `accumulate`).
 * @category Code generation
 */
export interface KernelOutput {
  /** The part that does not depend on the sample (`null`: zero). */
  readonly fixed: Node | null;
  /** The part averaged over the batch (`null`: zero). */
  readonly sampled: Node | null;
  /** Entry count. */
  readonly size: number;
  /** First position in `out` (in `into`, when given). */
  readonly offset: number;
  /**
   * The argument buffer the result goes to: `out` (the default), or `u`, so that a kernel can
   * write one result and add another into a buffer of its own (the fused adjoint step writes
   * λ_k into `out` and adds ∂θΦᵀλ into the gradient passed as `u`).
   */
  readonly into?: 'out' | 'u';
  /**
   * When true the result is added into the buffer, term by term as it is computed (the fixed
   * part, then each batch entry's weighted term), instead of replacing it: nothing is cleared.
   */
  readonly accumulate?: boolean;
}

/**
 * A kernel with the loop IR and the source it was compiled from (for tests, other backends and curious users).
 * @category Code generation
 */
export interface CompiledKernel {
  /** The callable kernel. */
  readonly run: Kernel;
  /** The generated source: the JavaScript function body, or the WebAssembly module as WAT. */
  readonly source: string;
  /** The backend it was compiled with. */
  readonly backend: Backend;
  /** The loop IR the source was emitted from. */
  readonly loops: LoopKernel;
  /**
   * The run's WebAssembly memory the kernel lives in (`undefined` on JavaScript and for a kernel
   * with a memory of its own): buffers allocated there (`runBuffers`) are passed without a copy.
   */
  readonly memory?: KernelMemory;
  /** The same kernel taking byte offsets into {@link CompiledKernel.memory} (present exactly when `memory` is). */
  readonly direct?: OffsetKernel;
}

/**
 * How to compile a kernel.
 * @category Code generation
 */
export interface CompileOptions {
  /** The code generator (default: see `resolveBackend`). */
  readonly backend?: Backend;
}

/**
 * Compiles the outputs into one kernel.
 * @category Code generation
 */
export function compileKernel(outputs: readonly KernelOutput[], resolve: InputResolver, functions: FunctionTable, options: CompileOptions = {}): CompiledKernel {
  const loops = lowerKernel(outputs, resolve, functions);
  if (resolveBackend(options.backend) === 'wasm') {
    const memory = runKernelMemory();
    const wasm = compileWasmKernel(loops, memory);
    return {
      run: wasm.run,
      memory,
      direct: memory && wasm.direct,
      get source(): string {
        return wasm.text;
      },
      loops,
      backend: 'wasm',
    };
  }
  const source = emitJavaScript(loops);
  const factory = new Function('data', 'fns', source) as (data: readonly Float64Array[], fns: Array<(z: number) => number>) => Kernel;
  return { run: factory(loops.data, loops.functions.map((f) => f.evaluate)), source, loops, backend: 'js' };
}
