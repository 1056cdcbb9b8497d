/**
 * Buffers a run passes to its kernels (state, Jacobian, directions, per-iteration inputs,
 * batch): in the run's WebAssembly memory when its kernels live in one, so that a call passes
 * them by offset and copies nothing; ordinary typed arrays on JavaScript.
 */
import type { CompiledKernel } from './compile.ts';

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

  /** `values` itself on JavaScript; a copy in the run's memory on WebAssembly. */
  place(values: Float64Array): Float64Array {
    if (!this.kernel.memory || this.kernel.memory.owns(values)) return values;
    const copy = this.float64(values.length);
    copy.set(values);
    return copy;
  }
}
