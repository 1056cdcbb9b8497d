/**
 * Buffers a run passes to its kernels (state, Jacobian, directions, per-iteration inputs,
 * batch): in the run's WebAssembly memory when its kernels live in one, so that a call passes
 * them by offset and copies nothing; ordinary typed arrays on JavaScript.
 */
import type { CompiledKernel } from './compile.ts';
import { checkWasmMemory } from './wasm/memory-limit.ts';

/**
 * A block of bytes from {@link RunBuffers.block}: views are made on `buffer` from byte `offset`.
 * @category Code generation
 */
export interface RunBlock {
  /** The buffer holding the block (the run's memory on WebAssembly). */
  readonly buffer: ArrayBufferLike;
  /** The block's first byte in `buffer` (16-aligned). */
  readonly offset: number;
  /** Gives the block back (on WebAssembly, for a later block to reuse); its views must not be used after. */
  release(): void;
}

/**
 * Allocates buffers next to a kernel's memory.
 * @category Code generation
 */
export class RunBuffers {
  /** @param kernel - a kernel the buffers will be passed to (its `memory`, if any, is used) */
  constructor(private readonly kernel: CompiledKernel) {}

  /** A zeroed `Float64Array` of `entries`. */
  float64(entries: number): Float64Array {
    const memory = this.kernel.memory;
    return memory ? memory.float64(entries) : new Float64Array(entries);
  }

  /** A zeroed `Int32Array` of `entries`. */
  int32(entries: number): Int32Array {
    const memory = this.kernel.memory;
    return memory ? memory.int32(entries) : new Int32Array(entries);
  }

  /**
   * One zeroed block of `bytes` for views of several types: an `ArrayBuffer` of its own on
   * JavaScript; on WebAssembly a block of the run's memory (views on it are passed to kernels by
   * offset), refused with a `WasmMemoryLimitError` naming `what` and the size before
   * anything is allocated when it cannot fit, and given back by `release` for a later block to reuse.
   */
  block(bytes: number, what: string): RunBlock {
    const memory = this.kernel.memory;
    if (!memory) return { buffer: new ArrayBuffer(bytes), offset: 0, release: () => undefined };
    checkWasmMemory(bytes, what);
    const offset = memory.reserve(bytes, what);
    return { buffer: memory.memory.buffer, offset, release: () => memory.release(offset, bytes) };
  }

  /** `values` itself on JavaScript; a copy in the run's memory on WebAssembly. */
  place(values: Float64Array): Float64Array {
    if (!this.kernel.memory || this.kernel.memory.owns(values)) return values;
    const copy = this.float64(values.length);
    copy.set(values);
    return copy;
  }
}
