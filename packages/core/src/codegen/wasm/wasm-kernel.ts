/**
 * A compiled WebAssembly kernel behind the JavaScript {@link Kernel} signature. Each kernel owns
 * one memory: its data arrays and scratch buffers at fixed offsets (`emit-wasm.ts`), then a
 * staging area where a call places the argument arrays it uses. An argument that already is a
 * view on this memory (`memory.buffer`) is passed by its offset, without a copy; any other is
 * copied in before the call, and `out` (and any other argument the kernel writes) copied back
 * after it. A call allocates nothing: the typed-array views on the memory are renewed only when
 * the memory grows.
 */
import type { Kernel } from '../compile.ts';
import type { ArgumentBuffer, LoopExpr, LoopIndex, LoopKernel, LoopStatement } from '../loop-ir.ts';
import { align16, emitWasm, wasmText } from './emit-wasm.ts';
import { checkWasmMemory } from './memory-limit.ts';
import { wasmMathFunctions } from './native-functions.ts';

/** A kernel compiled to WebAssembly. */
export interface WasmKernel {
  /** The kernel, called as a JavaScript one. */
  readonly run: Kernel;
  /** The optimized module as WAT (written when first read). */
  readonly text: string;
  /** The kernel's memory (its `buffer` changes when it grows). */
  readonly memory: WebAssembly.Memory;
}

const ARGUMENTS: readonly ArgumentBuffer[] = ['x', 'th', 't', 'u', 'h', 'out'];

/** Compiles `kernel` to WebAssembly and instantiates it. */
export function compileWasmKernel(kernel: LoopKernel): WasmKernel {
  const staticBytes = kernel.data.reduce((n, d) => n + align16(d.length * 8), 0) + kernel.scratch.reduce((n, s) => n + align16(s * 8), 0);
  checkWasmMemory(staticBytes, 'a kernel with its data arrays and scratch buffers');
  const emitted = emitWasm(kernel);
  const instance = new WebAssembly.Instance(new WebAssembly.Module(emitted.binary), { env: emitted.imports, math: wasmMathFunctions() });
  const memory = instance.exports['memory'] as WebAssembly.Memory;
  const call = instance.exports['kernel'] as (x: number, th: number, t: number, u: number, idx: number, count: number, out: number, h: number) => void;
  const { read, written, batch } = argumentUse(kernel.body);
  const staged = new Set([...read, ...written]);
  const use = (name: ArgumentBuffer): boolean => staged.has(name);
  const [useX, useTh, useT, useU, useH, useOut] = ARGUMENTS.map(use) as [boolean, boolean, boolean, boolean, boolean, boolean];
  const writesOut = written.has('out');
  if ([...written].some((name) => name !== 'out')) throw new Error('a kernel writes an argument other than out');

  let f64 = new Float64Array(memory.buffer);
  let i32 = new Int32Array(memory.buffer);
  const ensure = (bytes: number): void => {
    if (bytes <= memory.buffer.byteLength) return;
    checkWasmMemory(bytes, 'a kernel call with its arguments');
    memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
    f64 = new Float64Array(memory.buffer);
    i32 = new Int32Array(memory.buffer);
  };
  ensure(emitted.layout.end);
  emitted.layout.data.forEach((offset, k) => f64.set(kernel.data[k]!, offset / 8));

  const own = (a: Float64Array | Int32Array): boolean => a.buffer === memory.buffer;
  const room = (used: boolean, a: Float64Array): number => (used && !own(a) ? align16(a.length * 8) : 0);
  /** Copies `a` to `at` unless it lives in the memory; returns its byte offset. */
  const stage = (used: boolean, a: Float64Array, at: number): number => {
    if (!used) return 0;
    if (own(a)) return a.byteOffset;
    f64.set(a, at / 8);
    return at;
  };

  const run: Kernel = (x, th, t, u, idx, count, out, h) => {
    const base = emitted.layout.end;
    const px = base;
    const pth = px + room(useX, x);
    const pt = pth + room(useTh, th);
    const pu = pt + room(useT, t);
    const ph = pu + room(useU, u);
    const pout = ph + room(useH, h);
    const pidx = pout + room(useOut, out);
    const end = pidx + (batch && !own(idx) ? align16(idx.length * 4) : 0);
    ensure(end);
    const ox = stage(useX, x, px);
    const oth = stage(useTh, th, pth);
    const ot = stage(useT, t, pt);
    const ou = stage(useU, u, pu);
    const oh = stage(useH, h, ph);
    const oout = stage(useOut, out, pout);
    let oidx = 0;
    if (batch) {
      if (own(idx)) oidx = idx.byteOffset;
      else {
        i32.set(idx, pidx / 4);
        oidx = pidx;
      }
    }
    call(ox, oth, ot, ou, oidx, count, oout, oh);
    if (writesOut && !own(out)) {
      const from = oout / 8;
      for (let k = 0; k < out.length; k++) out[k] = f64[from + k]!;
    }
  };
  let text: string | undefined;
  return {
    run,
    memory,
    get text(): string {
      text ??= wasmText(emitted.binary);
      return text;
    },
  };
}

/** Which argument buffers a kernel reads and writes, and whether it reads the batch `idx`. */
function argumentUse(body: readonly LoopStatement[]): { read: Set<ArgumentBuffer>; written: Set<ArgumentBuffer>; batch: boolean } {
  const read = new Set<ArgumentBuffer>();
  const written = new Set<ArgumentBuffer>();
  let batch = false;
  const index = (e: LoopIndex): void => {
    if (e.op === 'batchEntry') {
      batch = true;
      index(e.at);
    } else if (e.op === 'add' || e.op === 'mul') {
      index(e.left);
      index(e.right);
    }
  };
  const expr = (e: LoopExpr): void => {
    switch (e.op) {
      case 'load':
        if (e.buffer.kind === 'argument') read.add(e.buffer.name);
        index(e.index);
        return;
      case 'fromIndex':
        index(e.index);
        return;
      case 'binary':
        expr(e.left);
        expr(e.right);
        return;
      case 'unary':
      case 'call':
        expr(e.arg);
        return;
      case 'select':
        condition(e.condition);
        expr(e.then);
        expr(e.otherwise);
        return;
      default:
        return;
    }
  };
  const condition = (c: Extract<LoopExpr, { op: 'select' }>['condition']): void => {
    if (c.op === 'equal') {
      index(c.left);
      index(c.right);
    } else expr(c.value);
  };
  const statements = (list: readonly LoopStatement[]): void => {
    for (const s of list) {
      switch (s.kind) {
        case 'let':
          expr(s.value);
          break;
        case 'letIndex':
          index(s.value);
          break;
        case 'store':
          if (s.buffer.kind === 'argument') written.add(s.buffer.name);
          index(s.index);
          expr(s.value);
          break;
        case 'zero':
          if (s.buffer.kind === 'argument') written.add(s.buffer.name);
          break;
        case 'loop':
          index(s.extent);
          statements(s.body);
          break;
        case 'reduce':
          index(s.extent);
          expr(s.element);
          break;
        case 'if':
          condition(s.condition);
          statements(s.then);
          statements(s.otherwise);
          break;
        default: {
          const unknown: never = s;
          throw new Error(`unknown loop statement ${JSON.stringify(unknown)}`);
        }
      }
    }
  };
  statements(body);
  return { read, written, batch };
}
