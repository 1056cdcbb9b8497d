/**
 * Compiled kernel modules kept per process, keyed by everything the emitter reads: the loop IR,
 * the sizes of the data arrays and scratch buffers, which elementwise functions are native, and
 * the byte offsets the kernel's buffers were placed at. A process that builds the same problem's
 * session again (a sweep's cells, a queue worker's jobs, `sgd run` called in-process) then skips
 * Binaryen (about 10 ms per kernel) and V8's compilation. It is correct with one memory per run:
 * a module only holds offsets, which are part of the key, and each kernel instantiates it with its
 * own run's memory, into which its data were copied at those offsets.
 */
import type { DirectionKernelLoops, LoopKernel } from '../loop-ir.ts';
import { emitWasm, type WasmStaticLayout } from './emit-wasm.ts';
import { nativeFunctionName } from './native-functions.ts';

/** A cached module: the compiled code and what instantiating it needs besides the memory. */
export interface CachedWasmModule {
  /** The compiled module. */
  readonly module: WebAssembly.Module;
  /** Its binary (for the WAT text). */
  readonly binary: Uint8Array;
  /** Where its data arrays and scratch buffers are. */
  readonly layout: WasmStaticLayout;
  /** Names of its `env` function imports (`fK`: function K's `evaluate`; `pow`: `Math.pow`). */
  readonly imports: readonly string[];
  /** Scratch bytes a call of its all-directions function needs (when it has one). */
  readonly directionScratchBytes?: number;
}

/** Modules kept at most: enough for the kernels of several problems, bounded for long-lived queue workers. */
const CAPACITY = 256;
const cache = new Map<string, CachedWasmModule>();

/** The compiled module of `kernel` placed at `placed` (its own memory when absent), with the all-directions function of `directions` when given, from the cache or emitted now. */
export function wasmModule(kernel: LoopKernel, placed: WasmStaticLayout | undefined, directions?: DirectionKernelLoops): CachedWasmModule {
  const key = JSON.stringify(
    {
      body: kernel.body,
      scratch: kernel.scratch,
      data: kernel.data.map((d) => d.length),
      functions: kernel.functions.map((f) => nativeFunctionName(f) ?? null),
      placed: placed ?? null,
      directions: directions ?? null,
    },
    // JSON writes NaN and ±Infinity as null and −0 as 0: spelled out, so that distinct constants never share a key.
    (_key, value: unknown) => (typeof value === 'number' && (!Number.isFinite(value) || Object.is(value, -0)) ? `number:${Object.is(value, -0) ? '-0' : String(value)}` : value),
  );
  const known = cache.get(key);
  if (known) {
    // Most recently used last: the first entry is the one evicted.
    cache.delete(key);
    cache.set(key, known);
    return known;
  }
  const emitted = emitWasm(kernel, placed, directions);
  const entry: CachedWasmModule = {
    module: new WebAssembly.Module(emitted.binary),
    binary: emitted.binary,
    layout: emitted.layout,
    imports: Object.keys(emitted.imports),
    directionScratchBytes: emitted.directionScratchBytes,
  };
  cache.set(key, entry);
  if (cache.size > CAPACITY) cache.delete(cache.keys().next().value!);
  return entry;
}
