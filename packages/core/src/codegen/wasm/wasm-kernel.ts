/**
 * A compiled WebAssembly kernel behind the JavaScript {@link Kernel} signature. A kernel of a run
 * imports the run's one shared memory (`KernelMemory`): its data arrays (one copy per array for
 * the whole run) and scratch buffers are placed there when it is compiled, and the stepper and
 * trackers allocate their buffers there, so a call passes each argument by its byte offset and
 * copies nothing. A kernel compiled outside a run owns a memory of its own: its data and scratch
 * from byte 16, then a staging area. Either way an argument that is not a view on the kernel's
 * memory is copied into a staging area before the call, and `out` copied back after it; a call
 * allocates nothing (the staging area and the views on it are renewed only when they grow).
 */
import type { DirectionOffsetKernel, Kernel, OffsetKernel } from '../compile.ts';
import type { ArgumentBuffer, DirectionKernelLoops, LoopKernel, LoopStatement } from '../loop-ir.ts';
import { walkLoopStatements } from '../loop-walk.ts';
import { align16, wasmText, type WasmStaticLayout } from './emit-wasm.ts';
import type { KernelMemory } from './kernel-memory.ts';
import { checkWasmMemory } from './memory-limit.ts';
import { wasmModule } from './module-cache.ts';
import { wasmMathFunctions } from './native-functions.ts';

/** A kernel compiled to WebAssembly. */
export interface WasmKernel {
  /** The kernel, called as a JavaScript one. */
  readonly run: Kernel;
  /** The optimized module as WAT (written when first read). */
  readonly text: string;
  /** The kernel's memory (its `buffer` changes when it grows). */
  readonly memory: WebAssembly.Memory;
  /** The exported function itself: byte offsets into `memory`, no staging. */
  readonly direct: OffsetKernel;
  /** The all-directions variant by byte offsets, and the scratch bytes a call needs (when compiled with one). */
  readonly directions?: { readonly run: DirectionOffsetKernel; readonly scratchBytes: number };
}

const ARGUMENTS: readonly ArgumentBuffer[] = ['x', 'th', 't', 'u', 'h', 'out'];

/** Where a kernel's arguments are placed when they are not views on its memory. */
interface Staging {
  /** Whether `a` is a view on the kernel's memory. */
  owns(a: ArrayBufferView): boolean;
  /** The byte offset of a staging area of at least `bytes`, renewing the views when it moved or the memory grew. */
  area(bytes: number): number;
  /** A view of the whole memory as doubles, valid after the last `area` call. */
  f64: Float64Array;
  /** The same as 32-bit integers. */
  i32: Int32Array;
}

/**
 * Compiles `kernel` to WebAssembly and instantiates it, in the run memory `shared` when given;
 * with `directions`, its all-directions variant too (a second function of the same module).
 */
export function compileWasmKernel(kernel: LoopKernel, shared?: KernelMemory, directions?: DirectionKernelLoops): WasmKernel {
  const staticBytes = kernel.data.reduce((n, d) => n + align16(d.length * 8), 0) + kernel.scratch.reduce((n, s) => n + align16(s * 8), 0);
  checkWasmMemory(staticBytes, 'a kernel with its data arrays and scratch buffers');
  const placed: WasmStaticLayout | undefined = shared && {
    data: kernel.data.map((d) => shared.data(d)),
    scratch: kernel.scratch.map((entries) => shared.reserve(entries * 8, 'a kernel scratch buffer')),
    end: 0,
  };
  const emitted = wasmModule(kernel, placed, directions);
  const functions = envFunctions(emitted.imports, kernel);
  const env = shared ? { ...functions, memory: shared.memory } : functions;
  const instance = new WebAssembly.Instance(emitted.module, { env, math: wasmMathFunctions() });
  const memory = shared ? shared.memory : (instance.exports['memory'] as WebAssembly.Memory);
  const call = instance.exports['kernel'] as OffsetKernel;
  const { read, written, batch } = argumentUse(kernel.body);
  const staged = new Set([...read, ...written]);
  const use = (name: ArgumentBuffer): boolean => staged.has(name);
  const [useX, useTh, useT, useU, useH, useOut] = ARGUMENTS.map(use) as [boolean, boolean, boolean, boolean, boolean, boolean];
  const writesOut = written.has('out');
  const writesU = written.has('u');
  if ([...written].some((name) => name !== 'out' && name !== 'u')) throw new Error('a kernel writes an argument other than out and u');
  const staging = shared ? sharedStaging(shared) : ownStaging(memory, emitted.layout, kernel.data);

  const room = (used: boolean, a: Float64Array): number => (used && !staging.owns(a) ? align16(a.length * 8) : 0);
  /** Copies `a` to `at` unless it lives in the memory; returns its byte offset. */
  const stage = (used: boolean, a: Float64Array, at: number): number => {
    if (!used) return 0;
    if (staging.owns(a)) return a.byteOffset;
    staging.f64.set(a, at / 8);
    return at;
  };

  const run: Kernel = (x, th, t, u, idx, count, out, h) => {
    const px = 0;
    const pth = px + room(useX, x);
    const pt = pth + room(useTh, th);
    const pu = pt + room(useT, t);
    const ph = pu + room(useU, u);
    const pout = ph + room(useH, h);
    const pidx = pout + room(useOut, out);
    const bytes = pidx + (batch && !staging.owns(idx) ? align16(idx.length * 4) : 0);
    const base = bytes > 0 ? staging.area(bytes) : 0;
    const ox = stage(useX, x, base + px);
    const oth = stage(useTh, th, base + pth);
    const ot = stage(useT, t, base + pt);
    const ou = stage(useU, u, base + pu);
    const oh = stage(useH, h, base + ph);
    const oout = stage(useOut, out, base + pout);
    let oidx = 0;
    if (batch) {
      if (staging.owns(idx)) oidx = idx.byteOffset;
      else {
        staging.i32.set(idx, (base + pidx) / 4);
        oidx = base + pidx;
      }
    }
    call(ox, oth, ot, ou, oidx, count, oout, oh);
    if (writesOut && !staging.owns(out)) copyBack(out, oout);
    if (writesU && !staging.owns(u)) copyBack(u, ou);
  };
  /** Copies a written argument back from where it was staged. */
  const copyBack = (a: Float64Array, at: number): void => {
    const from = at / 8;
    const f64 = staging.f64;
    for (let k = 0; k < a.length; k++) a[k] = f64[from + k]!;
  };
  let text: string | undefined;
  const range = instance.exports['directions'] as DirectionOffsetKernel | undefined;
  return {
    run,
    memory,
    direct: call,
    directions: range && { run: range, scratchBytes: emitted.directionScratchBytes ?? 0 },
    get text(): string {
      text ??= wasmText(emitted.binary);
      return text;
    },
  };
}

/** A second copy of a run's kernel, for another thread: its module and the names of its JavaScript imports (module `env`). */
export interface WasmKernelCopy {
  /** The compiled module (it imports the run's memory as `env.memory` and the math module as `math`). */
  readonly module: WebAssembly.Module;
  /** The functions it imports from module `env`: `pow` (`Math.pow`) and `fK` (an elementwise function's `evaluate`). */
  readonly imports: readonly string[];
}

/**
 * Compiles `kernel` again for the run memory `shared`, with scratch buffers of its own (its data
 * arrays are the run's one copy), without instantiating it: a thread that runs it while the
 * first copy runs elsewhere must not share that copy's scratch, whose offsets are constants in
 * its code. The code is emitted from the same loop IR, so both copies compute the same bits.
 */
export function compileWasmKernelCopy(kernel: LoopKernel, shared: KernelMemory, directions?: DirectionKernelLoops): WasmKernelCopy {
  const placed: WasmStaticLayout = {
    data: kernel.data.map((d) => shared.data(d)),
    scratch: kernel.scratch.map((entries) => shared.reserve(entries * 8, 'a kernel scratch buffer')),
    end: 0,
  };
  const emitted = wasmModule(kernel, placed, directions);
  return { module: emitted.module, imports: emitted.imports };
}

/** The `env` functions a kernel module imports, by name: `fK` is the kernel's function K (its `evaluate`), `pow` is `Math.pow`. */
function envFunctions(names: readonly string[], kernel: LoopKernel): Record<string, (z: number, w?: number) => number> {
  const functions: Record<string, (z: number, w?: number) => number> = {};
  for (const name of names) {
    if (name === 'pow') functions[name] = Math.pow as (z: number, w?: number) => number;
    else {
      const f = /^f(\d+)$/.exec(name) && kernel.functions[Number(name.slice(1))];
      if (!f) throw new Error(`a kernel module imports an unknown function ${name}`);
      functions[name] = (z: number) => f.evaluate(z);
    }
  }
  return functions;
}

/** A kernel's own memory: data copied in at the static layout, arguments staged right after it (growing the memory when needed). */
function ownStaging(memory: WebAssembly.Memory, layout: WasmStaticLayout, data: readonly Float64Array[]): Staging {
  const staging: Staging = {
    owns: (a) => a.buffer === memory.buffer,
    area(bytes) {
      const end = layout.end + bytes;
      if (end > memory.buffer.byteLength) {
        checkWasmMemory(end, 'a kernel call with its arguments');
        memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
        renew();
      }
      return layout.end;
    },
    f64: new Float64Array(0),
    i32: new Int32Array(0),
  };
  const renew = (): void => {
    staging.f64 = new Float64Array(memory.buffer);
    staging.i32 = new Int32Array(memory.buffer);
  };
  renew();
  staging.area(0);
  layout.data.forEach((offset, k) => staging.f64.set(data[k]!, offset / 8));
  return staging;
}

/** A staging area reserved in the run memory on first need, reserved anew (twice as large) when a call needs more. */
function sharedStaging(shared: KernelMemory): Staging {
  let start = 0;
  let size = 0;
  const staging: Staging = {
    owns: (a) => shared.owns(a),
    area(bytes) {
      if (bytes > size) {
        size = Math.max(bytes, 2 * size);
        start = shared.reserve(size, 'a kernel call with its arguments');
      }
      if (staging.f64.buffer !== shared.memory.buffer) {
        staging.f64 = new Float64Array(shared.memory.buffer);
        staging.i32 = new Int32Array(shared.memory.buffer);
      }
      return start;
    },
    f64: new Float64Array(0),
    i32: new Int32Array(0),
  };
  return staging;
}

/** Which argument buffers a kernel reads and writes, and whether it reads the batch `idx`. */
function argumentUse(body: readonly LoopStatement[]): { read: Set<ArgumentBuffer>; written: Set<ArgumentBuffer>; batch: boolean } {
  const read = new Set<ArgumentBuffer>();
  const written = new Set<ArgumentBuffer>();
  let batch = false;
  walkLoopStatements(body, {
    read: (buffer) => buffer.kind === 'argument' && read.add(buffer.name),
    write: (buffer) => buffer.kind === 'argument' && written.add(buffer.name),
    batch: () => (batch = true),
  });
  return { read, written, batch };
}
