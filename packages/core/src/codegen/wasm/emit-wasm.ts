/**
 * The WebAssembly emitter of the loop IR, through Binaryen's JS API. A kernel becomes a module
 * with one memory (exported as `memory`), imports of the elementwise functions it calls (module
 * `math`: the WebAssembly versions of `math.ts`, one instance shared by every kernel, so a kernel
 * is compiled without recompiling them; module `env`: JavaScript functions), and the exported function
 * `kernel(x, th, t, u, idx, count, out, h)` whose arguments are byte offsets into that memory
 * (`count` is the batch length). Data arrays and scratch buffers live at fixed offsets from
 * {@link WASM_STATIC_BASE}, laid out here; arguments are placed by the caller (`wasm-kernel.ts`).
 *
 * Innermost unit-stride loops and reductions run in f64x2 lanes (`vectorize.ts`), with a scalar
 * tail for an odd extent. A sum reduction keeps two vector accumulators, so two chains of adds run
 * at once: four partial sums s0..s3 of the terms of index 4k, 4k+1, 4k+2, 4k+3, each in increasing
 * index order; when two terms remain after the last group of four, they go to s0 and s1; then
 * (s0 + s2) + (s1 + s3), then the last term when the extent is odd: a fixed order, so results are
 * deterministic (and differ from the JavaScript backend's left-to-right sum in the last bits). Max
 * reductions are exact in any order.
 * @module
 */
import type Binaryen from 'binaryen';
import { binaryen } from './binaryen-module.ts';
import type { ElementwiseFunction } from '../../ir/functions.ts';
import { readsArgument, renameExpr } from '../direction-loops.ts';
import type { DirectionKernelLoops, LoopBuffer, LoopCondition, LoopExpr, LoopIndex, LoopKernel, LoopLocal, LoopStatement } from '../loop-ir.ts';
import { wasmFeatures } from './math.ts';
import { nativeFunctionName } from './native-functions.ts';
import { vectorizableElement, vectorizableLoop } from './vectorize.ts';

/**
 * Byte offset of the first data array: below it, nothing (offset 0 stays unused).
 * @category Code generation
 */
export const WASM_STATIC_BASE = 16;

/**
 * Where the kernel's fixed buffers are, in bytes.
 * @category Code generation
 */
export interface WasmStaticLayout {
  /** Byte offset of each data array, as {@link LoopKernel.data} orders them. */
  readonly data: readonly number[];
  /** Byte offset of each scratch buffer, as {@link LoopKernel.scratch} orders them. */
  readonly scratch: readonly number[];
  /** First byte after the static buffers (16-aligned): arguments are placed from here. */
  readonly end: number;
}

/**
 * An emitted kernel module: its binary, its static layout and the functions it imports.
 * @category Code generation
 */
export interface EmittedWasm {
  /** The optimized module. */
  readonly binary: Uint8Array;
  /** Where the data arrays and scratch buffers are. */
  readonly layout: WasmStaticLayout;
  /** Imports of module `env`: elementwise functions without a WebAssembly version, and `pow`. */
  readonly imports: Readonly<Record<string, (z: number, w?: number) => number>>;
  /** Names of the functions imported from module `math` (the shared instance of `math.ts`). */
  readonly math: readonly string[];
  /**
   * Bytes of scratch a call of the exported `directions` function needs at its `scratch`
   * argument (present when the module has that function).
   */
  readonly directionScratchBytes?: number;
}

/** The module as WAT, for tests and curious users. */
export function wasmText(binary: Uint8Array): string {
  const module = binaryen.readBinary(binary);
  try {
    module.setFeatures(wasmFeatures());
    return module.emitText();
  } finally {
    module.dispose();
  }
}


/** Rounds a byte count up to a multiple of 16. */
export function align16(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

/**
 * Lays out the data arrays, then the scratch buffers, from {@link WASM_STATIC_BASE}.
 * @category Code generation
 */
export function staticLayout(kernel: LoopKernel): WasmStaticLayout {
  let at = WASM_STATIC_BASE;
  const place = (entries: number): number => {
    const offset = at;
    at += align16(entries * 8);
    return offset;
  };
  const data = kernel.data.map((d) => place(d.length));
  const scratch = kernel.scratch.map((n) => place(n));
  return { data, scratch, end: at };
}

/**
 * Emits `kernel` as an optimized WebAssembly module with SIMD. With `placed` (the offsets a run's
 * `KernelMemory` gave its data arrays and scratch buffers), the module imports that shared memory
 * as `env.memory`; without, it has a memory of its own, laid out by {@link staticLayout} and
 * exported as `memory`. With `directions` (the kernel's all-directions variant), the module also
 * exports `directions(x, th, t, u, idx, count, out, h, from, to, scratch)`: columns [from, to)
 * of `t` and `out` in one call, `u` the caller's direction buffer (P zeros, left as it was), its
 * scratch buffers at the caller's `scratch` ({@link EmittedWasm.directionScratchBytes} bytes), so
 * that concurrent calls with their own `u` and `scratch` on disjoint ranges touch disjoint memory.
 * @category Code generation
 */
export function emitWasm(kernel: LoopKernel, placed?: WasmStaticLayout, directions?: DirectionKernelLoops): EmittedWasm {
  const module = new binaryen.Module();
  try {
    module.setFeatures(wasmFeatures());
    if (placed) {
      module.setMemory(1, 65536, null, [], true);
      module.addMemoryImport('0', 'env', 'memory', true);
    } else module.setMemory(1, 65536, 'memory');
    const layout = placed ?? staticLayout(kernel);
    const imports: Record<string, (z: number, w?: number) => number> = {};
    const math = new Set<string>();
    const functions = kernel.functions.map((f, k) => functionName(module, f, k, imports));
    const body = new KernelBody(module, layout, functions, imports, math);
    const params = binaryen.createType(Array.from({ length: 8 }, () => binaryen.i32));
    module.addFunction('kernel', params, binaryen.none, body.vars, body.statements(kernel.body));
    module.addFunctionExport('kernel', 'kernel');
    let directionScratchBytes: number | undefined;
    if (directions) {
      const own = staticLayout({ ...kernel, data: [] });
      const scratch = own.scratch.map((offset) => offset - WASM_STATIC_BASE);
      directionScratchBytes = own.end - WASM_STATIC_BASE;
      const range = new KernelBody(module, { ...layout, scratch }, functions, imports, math, DIRECTION_PARAMS);
      const rangeParams = binaryen.createType(Array.from({ length: DIRECTION_PARAMS }, () => binaryen.i32));
      module.addFunction('directions', rangeParams, binaryen.none, range.vars, range.statements(directions.body));
      module.addFunctionExport('directions', 'directions');
    }
    if (!module.validate()) throw new Error('the WebAssembly emitter produced an invalid module');
    module.optimize();
    return { binary: module.emitBinary(), layout, imports, math: [...math], directionScratchBytes };
  } finally {
    module.dispose();
  }
}

/** The module's name for elementwise function `k`: its WebAssembly version, or an import of its JavaScript `evaluate`. */
function functionName(module: Binaryen.Module, f: ElementwiseFunction, k: number, imports: Record<string, (z: number) => number>): string {
  const native = nativeFunctionName(f);
  if (native) return `math:${native}`;
  const name = `f${k}`;
  module.addFunctionImport(name, 'env', name, binaryen.f64, binaryen.f64);
  imports[name] = (z: number) => f.evaluate(z);
  return name;
}

const PARAMS = { x: 0, th: 1, t: 2, u: 3, idx: 4, count: 5, out: 6, h: 7 } as const;
/** The all-directions function's parameters after the kernel's 8: the range [from, to) and the call's scratch. */
const FROM = 8;
const TO = 9;
const SCRATCH = 10;
const DIRECTION_PARAMS = 11;

/** A loop's extent: its value, the statements computing it before the loop, and the value when it is a constant. */
interface Extent {
  readonly setup: readonly Binaryen.ExpressionRef[];
  readonly get: () => Binaryen.ExpressionRef;
  readonly constant?: number;
}
const MINUS_INFINITY = -Infinity;

/** The statements of one kernel function, with its locals. */
class KernelBody {
  /** Types of the function's locals after its 8 parameters. */
  readonly vars: number[] = [];
  private readonly scalars = new Map<number, number>();
  /** Vector versions of locals declared in the loop body being vectorized. */
  private lanes = new Map<number, number>();
  /** v128 locals holding splats of scalar locals, for the vector loop being built. */
  private splats = new Map<number, { readonly scalar: number; readonly vector: number }>();
  /** Ids (negative, apart from the loop IR's) of the index locals that evaluate a reduction's element two terms ahead. */
  private shiftedIds = 0;
  private labels = 0;
  /** The locals holding the `t` and `out` columns inside a `directions` loop (the parameters outside). */
  private columns: { readonly t: number; readonly out: number } | undefined;
  /** The locals holding the current block [from, to) inside a `directionBlocks` loop. */
  private block: { readonly from: number; readonly to: number } | undefined;

  /**
   * @param params - 8 for `kernel`; 11 (`DIRECTION_PARAMS`) for `directions`, whose scratch
   *   buffers are at `layout.scratch` bytes from its `scratch` parameter
   */
  constructor(
    private readonly m: Binaryen.Module,
    private readonly layout: WasmStaticLayout,
    private readonly functions: readonly string[],
    private readonly imports: Record<string, (z: number, w?: number) => number>,
    private readonly math: Set<string>,
    private readonly params = 8,
  ) {}

  /** Calls function `name` of the kernel's table: a `math:` one is imported from the shared math instance on first use. */
  private call(name: string, args: Binaryen.ExpressionRef[]): Binaryen.ExpressionRef {
    if (name.startsWith('math:')) {
      const native = name.slice('math:'.length);
      if (!this.math.has(native)) {
        this.m.addFunctionImport(name, 'math', native, binaryen.f64, binaryen.f64);
        this.math.add(native);
      }
    }
    return this.m.call(name, args, binaryen.f64);
  }

  statements(list: readonly LoopStatement[]): Binaryen.ExpressionRef {
    return this.m.block(null, list.map((s) => this.statement(s)));
  }

  private fresh(type: Binaryen.Type): number {
    return this.params + this.vars.push(type) - 1;
  }

  private local(l: LoopLocal): number {
    let at = this.scalars.get(l.id);
    if (at === undefined) {
      at = this.fresh(l.type === 'f64' ? binaryen.f64 : binaryen.i32);
      this.scalars.set(l.id, at);
    }
    return at;
  }

  private statement(s: LoopStatement): Binaryen.ExpressionRef {
    const m = this.m;
    switch (s.kind) {
      case 'let':
        return m.local.set(this.local(s.local), this.expr(s.value));
      case 'letIndex':
        return m.local.set(this.local(s.local), this.index(s.value));
      case 'store': {
        const value = s.accumulate ? m.f64.add(this.load(s.buffer, s.index), this.expr(s.value)) : this.expr(s.value);
        const [offset, ptr] = this.address(s.buffer, s.index);
        return m.f64.store(offset, 8, ptr, value);
      }
      case 'zero': {
        const [offset, ptr] = this.address(s.buffer, { op: 'const', value: s.start });
        return m.memory.fill(m.i32.add(ptr, m.i32.const(offset)), m.i32.const(0), m.i32.const((s.end - s.start) * 8));
      }
      case 'loop':
        return this.loop(s.index, s.extent, s.body);
      case 'reduce':
        return this.reduce(s);
      case 'if':
        return m.if(this.condition(s.condition), this.statements(s.then), this.statements(s.otherwise));
      case 'directions':
        return this.directions(s.column, s.body);
      case 'directionBlocks':
        return this.directionBlocks(s.size, s.body);
      default: {
        const unknown: never = s;
        throw new Error(`unknown loop statement ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** `for (p = from; p < to; p++) { t, out ← column p; u[p] = 1; body; u[p] = 0 }` over the current block or the call's range. */
  private directions(column: number, body: readonly LoopStatement[]): Binaryen.ExpressionRef {
    const m = this.m;
    if (this.params !== DIRECTION_PARAMS || this.columns) throw new Error('a direction loop outside the all-directions function, or nested');
    const i32 = (local: number): Binaryen.ExpressionRef => m.local.get(local, binaryen.i32);
    const p = this.fresh(binaryen.i32);
    const end = this.fresh(binaryen.i32);
    const columns = { t: this.fresh(binaryen.i32), out: this.fresh(binaryen.i32) };
    const columnBytes = column * 8;
    const direction = (): Binaryen.ExpressionRef => m.i32.add(i32(PARAMS.u), m.i32.shl(i32(p), m.i32.const(3)));
    const setsDirection = readsArgument(body, 'u');
    this.columns = columns;
    const inner = this.statements(body);
    this.columns = undefined;
    const label = `P${this.labels++}`;
    const next = (local: number): Binaryen.ExpressionRef => m.local.set(local, m.i32.add(i32(local), m.i32.const(columnBytes)));
    const step = m.block(null, [
      ...(setsDirection ? [m.f64.store(0, 8, direction(), m.f64.const(1))] : []),
      inner,
      ...(setsDirection ? [m.f64.store(0, 8, direction(), m.f64.const(0))] : []),
      next(columns.t),
      next(columns.out),
      m.local.set(p, m.i32.add(i32(p), m.i32.const(1))),
    ]);
    return m.block(`${label}_done`, [
      m.local.set(p, i32(this.block ? this.block.from : FROM)),
      m.local.set(end, i32(this.block ? this.block.to : TO)),
      m.local.set(columns.t, m.i32.add(i32(PARAMS.t), m.i32.mul(i32(p), m.i32.const(columnBytes)))),
      m.local.set(columns.out, m.i32.add(i32(PARAMS.out), m.i32.mul(i32(p), m.i32.const(columnBytes)))),
      m.loop(`${label}_next`, m.block(null, [m.br(`${label}_done`, m.i32.ge_u(i32(p), i32(end))), step, m.br(`${label}_next`)])),
    ]);
  }

  /** `for (b = from; b < to; b = end) { end = min(b + size, to); body }`, the body's direction loops over [b, end). */
  private directionBlocks(size: number, body: readonly LoopStatement[]): Binaryen.ExpressionRef {
    const m = this.m;
    if (this.params !== DIRECTION_PARAMS || this.block || this.columns) throw new Error('direction blocks outside the all-directions function, or nested');
    const i32 = (local: number): Binaryen.ExpressionRef => m.local.get(local, binaryen.i32);
    const block = { from: this.fresh(binaryen.i32), to: this.fresh(binaryen.i32) };
    this.block = block;
    const inner = this.statements(body);
    this.block = undefined;
    const label = `B${this.labels++}`;
    const bounded = m.i32.add(i32(block.from), m.i32.const(size));
    return m.block(`${label}_done`, [
      m.local.set(block.from, i32(FROM)),
      m.loop(
        `${label}_next`,
        m.block(null, [
          m.br(`${label}_done`, m.i32.ge_u(i32(block.from), i32(TO))),
          m.local.set(block.to, m.select(m.i32.lt_u(bounded, i32(TO)), m.i32.add(i32(block.from), m.i32.const(size)), i32(TO))),
          inner,
          m.local.set(block.from, i32(block.to)),
          m.br(`${label}_next`),
        ]),
      ),
    ]);
  }

  /**
   * `for (j = 0; j < n; j++) body`, with n evaluated once. When vectorizable: pairs (j, j + 1) in
   * lanes while j + 2 ≤ n, then one scalar iteration when n is odd.
   */
  private loop(j: LoopLocal<'i32'>, extent: LoopIndex, body: readonly LoopStatement[]): Binaryen.ExpressionRef {
    const m = this.m;
    const index = this.local(j);
    const n = this.extent(extent);
    const setup = [...n.setup, m.local.set(index, m.i32.const(0))];
    const scalar = (): Binaryen.ExpressionRef => this.statements(body);
    if (!vectorizableLoop(body, j)) return m.block(null, [...setup, this.counted(index, n, 1, scalar())]);
    const lanes = m.block(null, body.map((s) => this.laneStatement(s, j)));
    const splats = this.endLanes();
    return m.block(null, [...setup, ...splats, this.counted(index, n, 2, lanes), this.oddTail(index, n, scalar)]);
  }

  /**
   * A loop extent, evaluated once into a local, or a constant. A constant lets the loop be
   * tested at its bottom against an immediate (`counted`) and an even extent drop its scalar
   * tail: V8 compiles the WebAssembly as written, so this saves a compare and branch per iteration.
   */
  private extent(extent: LoopIndex): Extent {
    const m = this.m;
    if (extent.op === 'const') return { setup: [], get: () => m.i32.const(extent.value), constant: extent.value };
    const n = this.fresh(binaryen.i32);
    return { setup: [m.local.set(n, this.index(extent))], get: () => m.local.get(n, binaryen.i32) };
  }

  /**
   * `while (j + step ≤ n) { body; j += step }` from j = 0, tested at the bottom of each iteration
   * (one branch per iteration instead of two): against an immediate when n is a constant (then
   * whether a first iteration runs is known), else after one test before the loop.
   */
  private counted(index: number, n: Extent, step: number, body: Binaryen.ExpressionRef): Binaryen.ExpressionRef {
    const m = this.m;
    const label = `L${this.labels++}`;
    const advance = m.local.set(index, m.i32.add(m.local.get(index, binaryen.i32), m.i32.const(step)));
    if (n.constant !== undefined) {
      if (n.constant < step) return m.nop();
      return m.loop(`${label}_next`, m.block(null, [body, advance, m.br(`${label}_next`, m.i32.le_u(m.local.get(index, binaryen.i32), m.i32.const(n.constant - step)))]));
    }
    const more = (): Binaryen.ExpressionRef => m.i32.le_u(m.i32.add(m.local.get(index, binaryen.i32), m.i32.const(step)), n.get());
    return m.if(more(), m.loop(`${label}_next`, m.block(null, [body, advance, m.br(`${label}_next`, more())])));
  }

  /** After a loop in pairs: `tail` (the last iteration, j = n − 1) when n is odd; nothing when n is an even constant. */
  private oddTail(index: number, n: Extent, tail: () => Binaryen.ExpressionRef): Binaryen.ExpressionRef {
    const m = this.m;
    if (n.constant !== undefined) return n.constant % 2 === 1 ? tail() : m.nop();
    return m.if(m.i32.lt_u(m.local.get(index, binaryen.i32), n.get()), tail());
  }

  private reduce(s: Extract<LoopStatement, { kind: 'reduce' }>): Binaryen.ExpressionRef {
    const m = this.m;
    const target = this.local(s.target);
    const index = this.local(s.index);
    const n = this.extent(s.extent);
    const sum = s.reduction === 'sum';
    const combine = (a: Binaryen.ExpressionRef, b: Binaryen.ExpressionRef): Binaryen.ExpressionRef => (sum ? m.f64.add(a, b) : m.f64.max(a, b));
    const get = (): Binaryen.ExpressionRef => m.local.get(target, binaryen.f64);
    const step = (): Binaryen.ExpressionRef => m.local.set(target, combine(get(), this.expr(s.element)));
    const setup = [...n.setup, m.local.set(index, m.i32.const(0))];
    if (!vectorizableElement(s.element, s.index)) {
      return m.block(null, [...setup, m.local.set(target, m.f64.const(sum ? 0 : MINUS_INFINITY)), this.counted(index, n, 1, step())]);
    }
    // Two vector accumulators (terms 4k, 4k+1 and 4k+2, 4k+3): two independent chains of adds, since
    // one chain waits out the add's latency at every term.
    const ahead: LoopLocal<'i32'> = { id: --this.shiftedIds, type: 'i32' };
    const accs = [this.fresh(binaryen.v128), this.fresh(binaryen.v128)] as const;
    const accGet = (k: 0 | 1): Binaryen.ExpressionRef => m.local.get(accs[k], binaryen.v128);
    const add = (k: 0 | 1, element: Binaryen.ExpressionRef): Binaryen.ExpressionRef => m.local.set(accs[k], sum ? m.f64x2.add(accGet(k), element) : m.f64x2.max(accGet(k), element));
    const pair = m.block(null, [
      m.local.set(this.local(ahead), m.i32.add(m.local.get(index, binaryen.i32), m.i32.const(2))),
      add(0, this.laneExpr(s.element, s.index)),
      add(1, this.laneExpr(renameExpr(s.element, s.index, ahead), ahead)),
    ]);
    const single = add(0, this.laneExpr(s.element, s.index));
    const splats = this.endLanes();
    const start = m.f64x2.splat(m.f64.const(sum ? 0 : MINUS_INFINITY));
    const lanes = sum ? m.f64x2.add(accGet(0), accGet(1)) : m.f64x2.max(accGet(0), accGet(1));
    return m.block(null, [
      ...setup,
      ...splats,
      m.local.set(accs[0], start),
      m.local.set(accs[1], m.f64x2.splat(m.f64.const(sum ? 0 : MINUS_INFINITY))),
      this.counted(index, n, 4, pair),
      m.if(m.i32.le_u(m.i32.add(m.local.get(index, binaryen.i32), m.i32.const(2)), n.get()), m.block(null, [single, m.local.set(index, m.i32.add(m.local.get(index, binaryen.i32), m.i32.const(2)))])),
      m.local.set(accs[0], lanes),
      m.local.set(target, combine(m.f64x2.extract_lane(accGet(0), 0), m.f64x2.extract_lane(accGet(0), 1))),
      this.oddTail(index, n, step),
    ]);
  }

  /** Byte offset constant and pointer expression of `buffer[index]`. */
  private address(buffer: LoopBuffer, index: LoopIndex): [number, Binaryen.ExpressionRef] {
    const m = this.m;
    const scaled = index.op === 'const' ? m.i32.const(index.value * 8) : m.i32.shl(this.index(index), m.i32.const(3));
    switch (buffer.kind) {
      case 'argument': {
        if (!Object.hasOwn(PARAMS, buffer.name)) throw new Error('not a kernel argument buffer');
        const { columns } = this;
        const base = columns && (buffer.name === 't' || buffer.name === 'out') ? columns[buffer.name] : PARAMS[buffer.name];
        return [0, m.i32.add(m.local.get(base, binaryen.i32), scaled)];
      }
      case 'data':
        return [this.layout.data[buffer.index]!, scaled];
      case 'scratch':
        if (this.params === DIRECTION_PARAMS) return [this.layout.scratch[buffer.index]!, m.i32.add(m.local.get(SCRATCH, binaryen.i32), scaled)];
        return [this.layout.scratch[buffer.index]!, scaled];
      default: {
        const unknown: never = buffer;
        throw new Error(`unknown loop buffer ${JSON.stringify(unknown)}`);
      }
    }
  }

  private load(buffer: LoopBuffer, index: LoopIndex): Binaryen.ExpressionRef {
    const [offset, ptr] = this.address(buffer, index);
    return this.m.f64.load(offset, 8, ptr);
  }

  private expr(e: LoopExpr): Binaryen.ExpressionRef {
    const m = this.m;
    switch (e.op) {
      case 'const':
        return m.f64.const(e.value);
      case 'local':
        return m.local.get(this.local(e.local), binaryen.f64);
      case 'load':
        return this.load(e.buffer, e.index);
      case 'fromIndex':
        return m.f64.convert_u.i32(this.index(e.index));
      case 'binary': {
        const left = this.expr(e.left);
        const right = this.expr(e.right);
        switch (e.operator) {
          case 'add':
            return m.f64.add(left, right);
          case 'sub':
            return m.f64.sub(left, right);
          case 'mul':
            return m.f64.mul(left, right);
          case 'div':
            return m.f64.div(left, right);
          case 'max':
            return m.f64.max(left, right);
          case 'pow':
            return m.call(this.pow(), [left, right], binaryen.f64);
          default: {
            const unknown: never = e;
            throw new Error(`unknown binary operator ${JSON.stringify(unknown)}`);
          }
        }
      }
      case 'unary': {
        const arg = this.expr(e.arg);
        switch (e.operator) {
          case 'neg':
            return m.f64.neg(arg);
          case 'square': {
            const t = this.fresh(binaryen.f64);
            return m.f64.mul(m.local.tee(t, arg, binaryen.f64), m.local.get(t, binaryen.f64));
          }
          case 'exp':
          case 'log':
            return this.call(`math:${e.operator}`, [arg]);
          default: {
            const unknown: never = e;
            throw new Error(`unknown unary operator ${JSON.stringify(unknown)}`);
          }
        }
      }
      case 'call':
        return this.call(this.functions[e.fn]!, [this.expr(e.arg)]);
      case 'select':
        return m.select(this.condition(e.condition), this.expr(e.then), this.expr(e.otherwise));
      default: {
        const unknown: never = e;
        throw new Error(`unknown loop expression ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** `Math.pow`, imported once (NaN, ±0 and ±∞ cases exactly as JavaScript's). */
  private pow(): string {
    if (!this.imports['pow']) {
      this.m.addFunctionImport('pow', 'env', 'pow', binaryen.createType([binaryen.f64, binaryen.f64]), binaryen.f64);
      this.imports['pow'] = Math.pow as (z: number, w?: number) => number;
    }
    return 'pow';
  }

  private condition(c: LoopCondition): Binaryen.ExpressionRef {
    const m = this.m;
    switch (c.op) {
      case 'equal':
        return m.i32.eq(this.index(c.left), this.index(c.right));
      case 'infinite':
        return m.f64.eq(m.f64.abs(this.expr(c.value)), m.f64.const(Infinity));
      case 'same':
        return m.f64.eq(this.expr(c.left), this.expr(c.right));
      default: {
        const unknown: never = c;
        throw new Error(`unknown loop condition ${JSON.stringify(unknown)}`);
      }
    }
  }

  private index(e: LoopIndex): Binaryen.ExpressionRef {
    const m = this.m;
    switch (e.op) {
      case 'const':
        return m.i32.const(e.value);
      case 'local':
        return m.local.get(this.local(e.local), binaryen.i32);
      case 'count':
        return m.local.get(PARAMS.count, binaryen.i32);
      case 'batchEntry':
        return m.i32.load(0, 4, m.i32.add(m.local.get(PARAMS.idx, binaryen.i32), m.i32.shl(this.index(e.at), m.i32.const(2))));
      case 'add':
        return m.i32.add(this.index(e.left), this.index(e.right));
      case 'mul':
        return m.i32.mul(this.index(e.left), this.index(e.right));
      case 'div':
        return m.i32.div_u(this.index(e.left), this.index(e.right));
      case 'mod':
        return m.i32.rem_u(this.index(e.left), this.index(e.right));
      default: {
        const unknown: never = e;
        throw new Error(`unknown loop index ${JSON.stringify(unknown)}`);
      }
    }
  }

  /**
   * The v128 local holding a scalar local of the enclosing code in both lanes, set once before the
   * vector loop being built (by {@link KernelBody.endLanes}) rather than splatted per iteration.
   */
  private splatOf(local: LoopLocal): number {
    let splat = this.splats.get(local.id);
    if (splat === undefined) {
      splat = { scalar: this.local(local), vector: this.fresh(binaryen.v128) };
      this.splats.set(local.id, splat);
    }
    return splat.vector;
  }

  /** Ends building a vector loop: forgets its lane locals, returns the splats to run before it. */
  private endLanes(): Binaryen.ExpressionRef[] {
    const m = this.m;
    const sets = [...this.splats.values()].map(({ scalar, vector }) => m.local.set(vector, m.f64x2.splat(m.local.get(scalar, binaryen.f64))));
    this.lanes = new Map();
    this.splats = new Map();
    return sets;
  }

  /** A statement of a vectorized loop body, for lanes j and j + 1. */
  private laneStatement(s: LoopStatement, j: LoopLocal<'i32'>): Binaryen.ExpressionRef {
    const m = this.m;
    if (s.kind === 'let') {
      const v = this.fresh(binaryen.v128);
      const value = this.laneExpr(s.value, j);
      this.lanes.set(s.local.id, v);
      return m.local.set(v, value);
    }
    if (s.kind !== 'store') throw new Error('only lets and stores are vectorized');
    const [offset, ptr] = this.address(s.buffer, s.index);
    const value = this.laneExpr(s.value, j);
    const [offset2, ptr2] = this.address(s.buffer, s.index);
    return m.v128.store(offset, 8, ptr, s.accumulate ? m.f64x2.add(m.v128.load(offset2, 8, ptr2), value) : value);
  }

  /** `e` at lanes j and j + 1. */
  private laneExpr(e: LoopExpr, j: LoopLocal<'i32'>): Binaryen.ExpressionRef {
    const m = this.m;
    const splat = (scalar: Binaryen.ExpressionRef): Binaryen.ExpressionRef => m.f64x2.splat(scalar);
    switch (e.op) {
      case 'const':
      case 'fromIndex':
        return splat(this.expr(e));
      case 'local': {
        const v = this.lanes.get(e.local.id) ?? this.splatOf(e.local);
        return m.local.get(v, binaryen.v128);
      }
      case 'load': {
        if (!this.dependsOn(e.index, j)) return splat(this.expr(e));
        const [offset, ptr] = this.address(e.buffer, e.index);
        return m.v128.load(offset, 8, ptr);
      }
      case 'binary': {
        if (e.operator === 'pow') return this.perLane([e.left, e.right], j, (a, b) => m.call(this.pow(), [a, b!], binaryen.f64));
        // a + (−b) is a − b in IEEE arithmetic, to the bit: one instruction less per pair of lanes.
        if (e.operator === 'add' && e.right.op === 'unary' && e.right.operator === 'neg') return m.f64x2.sub(this.laneExpr(e.left, j), this.laneExpr(e.right.arg, j));
        const left = this.laneExpr(e.left, j);
        const right = this.laneExpr(e.right, j);
        return m.f64x2[e.operator](left, right);
      }
      case 'unary':
        if (e.operator === 'neg') return m.f64x2.neg(this.laneExpr(e.arg, j));
        if (e.operator === 'square') {
          const t = this.fresh(binaryen.v128);
          return m.f64x2.mul(m.local.tee(t, this.laneExpr(e.arg, j), binaryen.v128), m.local.get(t, binaryen.v128));
        }
        return this.perLane([e.arg], j, (a) => this.call(`math:${e.operator}`, [a]));
      case 'call':
        return this.perLane([e.arg], j, (a) => this.call(this.functions[e.fn]!, [a]));
      case 'select':
        return m.select(this.condition(e.condition), this.laneExpr(e.then, j), this.laneExpr(e.otherwise, j));
      default: {
        const unknown: never = e;
        throw new Error(`unknown loop expression ${JSON.stringify(unknown)}`);
      }
    }
  }

  /** A scalar function applied to each lane of its vector arguments. */
  private perLane(args: readonly LoopExpr[], j: LoopLocal<'i32'>, f: (a: Binaryen.ExpressionRef, b?: Binaryen.ExpressionRef) => Binaryen.ExpressionRef): Binaryen.ExpressionRef {
    const m = this.m;
    const locals = args.map(() => this.fresh(binaryen.v128));
    const sets = args.map((a, k) => m.local.set(locals[k]!, this.laneExpr(a, j)));
    const lane = (i: number): Binaryen.ExpressionRef => {
      const [a, b] = locals.map((l) => m.f64x2.extract_lane(m.local.get(l, binaryen.v128), i));
      return f(a!, b);
    };
    return m.block(null, [...sets, m.f64x2.replace_lane(m.f64x2.splat(lane(0)), 1, lane(1))], binaryen.v128);
  }

  private dependsOn(index: LoopIndex, j: LoopLocal<'i32'>): boolean {
    switch (index.op) {
      case 'local':
        return index.local === j;
      case 'batchEntry':
        return this.dependsOn(index.at, j);
      case 'add':
      case 'mul':
        return this.dependsOn(index.left, j) || this.dependsOn(index.right, j);
      default:
        return false;
    }
  }
}
