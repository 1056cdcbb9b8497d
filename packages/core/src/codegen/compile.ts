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
import { directionLoops } from './direction-loops.ts';
import type { DirectionKernelLoops, LoopKernel } from './loop-ir.ts';
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
 * The all-directions variant of a forward kernel on JavaScript: columns [from, to) of `t` (J_k,
 * tangent-major) into the same columns of `out` (J_{k+1}), `u` a direction buffer of P zeros (set
 * to e_p for column p, zeros again on return).
 * @category Code generation
 */
export type DirectionKernel = (
  x: Float64Array,
  th: Float64Array,
  t: Float64Array,
  u: Float64Array,
  idx: Int32Array,
  count: number,
  out: Float64Array,
  h: Float64Array,
  from: number,
  to: number,
) => void;

/**
 * The all-directions variant on WebAssembly, by byte offsets into the run's memory: as
 * {@link DirectionKernel}, plus `scratch`, where the call keeps its scratch buffers
 * ({@link CompiledDirections.scratchBytes} bytes, 16-aligned). Two calls may run at once (on two
 * threads sharing the memory) on disjoint ranges when each has its own `u` and `scratch`.
 * @category Code generation
 */
export type DirectionOffsetKernel = (x: number, th: number, t: number, u: number, idx: number, count: number, out: number, h: number, from: number, to: number, scratch: number) => void;

/**
 * A forward kernel's all-directions variant, as compiled.
 * @category Code generation
 */
export interface CompiledDirections {
  /** The loop IR it was compiled from. */
  readonly loops: DirectionKernelLoops;
  /** On JavaScript: the variant (its scratch bound in its closure, so one call at a time). */
  readonly run?: DirectionKernel;
  /** On WebAssembly in a run's memory: the variant by byte offsets. */
  readonly direct?: DirectionOffsetKernel;
  /** Bytes of scratch a call of `direct` needs (0 on JavaScript). */
  readonly scratchBytes: number;
}

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
  /** Its all-directions variant, when compiled with {@link CompileOptions.directions}. */
  readonly directions?: CompiledDirections;
}

/**
 * How to compile a kernel.
 * @category Code generation
 */
export interface CompileOptions {
  /** The code generator (default: see `resolveBackend`). */
  readonly backend?: Backend;
  /**
   * For a forward kernel t' = ∂ₛΦ·t + ∂θΦ·u: also compile its all-directions variant
   * (`direction-loops.ts`), for columns of `column` entries (the state size).
   */
  readonly directions?: { readonly column: number };
}

/**
 * Compiles the outputs into one kernel.
 * @category Code generation
 */
export function compileKernel(outputs: readonly KernelOutput[], resolve: InputResolver, functions: FunctionTable, options: CompileOptions = {}): CompiledKernel {
  const loops = lowerKernel(outputs, resolve, functions);
  const directionLoopIR = options.directions && directionLoops(loops.body, options.directions.column);
  if (resolveBackend(options.backend) === 'wasm') {
    const memory = runKernelMemory();
    const wasm = compileWasmKernel(loops, memory, directionLoopIR);
    const range = directionLoopIR && wasm.directions;
    return {
      run: wasm.run,
      memory,
      direct: memory && wasm.direct,
      directions: range && { loops: directionLoopIR, direct: memory && range.run, scratchBytes: range.scratchBytes },
      get source(): string {
        return wasm.text;
      },
      loops,
      backend: 'wasm',
    };
  }
  const source = emitJavaScript(loops);
  const fns = loops.functions.map((f) => f.evaluate);
  const factory = new Function('data', 'fns', source) as (data: readonly Float64Array[], fns: Array<(z: number) => number>) => Kernel;
  const directions = directionLoopIR && {
    loops: directionLoopIR,
    run: (new Function('data', 'fns', emitJavaScript(loops, directionLoopIR)) as (data: readonly Float64Array[], fns: Array<(z: number) => number>) => DirectionKernel)(loops.data, fns),
    scratchBytes: 0,
  };
  return { run: factory(loops.data, fns), source, loops, backend: 'js', directions };
}
