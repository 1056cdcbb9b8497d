/**
 * One WebAssembly memory for a run. Every kernel the run compiles places its data arrays and
 * scratch buffers in it, once, and the stepper and the trackers allocate their state, Jacobian,
 * directions, per-iteration inputs and batch in it (`run-buffers.ts`), so a kernel call passes
 * byte offsets and copies nothing.
 *
 * The memory is shared (backed by a `SharedArrayBuffer`): growing a shared memory never moves
 * or detaches it, so every view handed out stays valid when a later kernel or buffer needs more
 * room. Allocation is a bump pointer: a run's buffers live as long as the run, except blocks
 * given back with `release` (the reverse tape's, one per trajectory), which the next request
 * that fits reuses, so an outer loop of many tracked runs does not grow the memory each time.
 */
import { align16 } from './emit-wasm.ts';
import { checkWasmMemory, WASM_MAX_BYTES } from './memory-limit.ts';

/** 64 KiB, WebAssembly's page. */
const PAGE = 65536;

/** The byte offset of the first allocation: offset 0 stays unused. */
const FIRST_OFFSET = 16;

/**
 * A run's one memory and its allocator.
 * @category Code generation
 */
export class KernelMemory {
  /**
   * The memory every kernel of the run imports (hidden from the API pages: its type is the
   * project's own declaration of the WebAssembly API, `webassembly.d.ts`).
   * @hidden
   */
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: WASM_MAX_BYTES / PAGE, shared: true });
  private top = FIRST_OFFSET;
  /** `memory.buffer` now; after a growth, a new object over the same bytes. */
  private current: ArrayBufferLike = this.memory.buffer;
  /** Every `memory.buffer` object views may have been made on (one per size the memory had). */
  private readonly buffers = new Set<ArrayBufferLike>([this.current]);
  /** Data arrays already copied in, with their byte offsets: kernels binding the same array share one copy. */
  private readonly placed = new WeakMap<Float64Array, number>();
  /** What to stop when the run ends (its forward-tracking threads). */
  private readonly endings: Array<() => void> = [];

  /** Whether `a` is a view on this memory (then its `byteOffset` is its address). */
  owns(a: ArrayBufferView): boolean {
    return a.buffer === this.current || this.buffers.has(a.buffer);
  }

  /** Blocks given back by `release`, by byte offset with their (16-aligned) length. */
  private readonly released: Array<{ readonly offset: number; readonly bytes: number }> = [];
  /** Released blocks handed out again, by offset, with their whole length (kept whole when released anew). */
  private readonly reused = new Map<number, number>();

  /** Reserves `bytes` (16-aligned, zero-filled) and returns their byte offset; grows the memory when needed. */
  reserve(bytes: number, what: string): number {
    const reused = this.reuse(align16(bytes));
    if (reused !== undefined) return reused;
    const offset = this.top;
    const end = offset + align16(bytes);
    checkWasmMemory(end, what);
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      this.memory.grow(Math.ceil((end - have) / PAGE));
      this.current = this.memory.buffer;
      this.buffers.add(this.current);
    }
    this.top = end;
    return offset;
  }

  /**
   * Gives back a block from `reserve` (its offset and the bytes asked for); its views must no
   * longer be used. The smallest released block that fits serves a later request.
   */
  release(offset: number, bytes: number): void {
    const whole = this.reused.get(offset) ?? align16(bytes);
    this.reused.delete(offset);
    this.released.push({ offset, bytes: whole });
  }

  /** The smallest released block of at least `bytes`, zero-filled up to `bytes`, taken off the list. */
  private reuse(bytes: number): number | undefined {
    let best = -1;
    for (let k = 0; k < this.released.length; k++) {
      const block = this.released[k]!;
      if (block.bytes >= bytes && (best < 0 || block.bytes < this.released[best]!.bytes)) best = k;
    }
    if (best < 0) return undefined;
    const [block] = this.released.splice(best, 1);
    new Uint8Array(this.current, block!.offset, bytes).fill(0);
    this.reused.set(block!.offset, block!.bytes);
    return block!.offset;
  }

  /** A zeroed `Float64Array` of `entries` in this memory. */
  float64(entries: number, what = 'a run buffer'): Float64Array {
    const offset = this.reserve(entries * 8, what);
    return new Float64Array(this.current, offset, entries);
  }

  /** A zeroed `Int32Array` of `entries` in this memory. */
  int32(entries: number, what = 'a run buffer'): Int32Array {
    const offset = this.reserve(entries * 4, what);
    return new Int32Array(this.current, offset, entries);
  }

  /** The byte offset of a copy of the data array `data` in this memory, copied on first use. */
  data(data: Float64Array): number {
    const known = this.placed.get(data);
    if (known !== undefined) return known;
    const offset = this.reserve(data.length * 8, 'a data array');
    new Float64Array(this.current, offset, data.length).set(data);
    this.placed.set(data, offset);
    return offset;
  }

  /** Registers `stop`, called once when the run ends ({@link KernelMemory.end}). */
  onEnd(stop: () => void): void {
    this.endings.push(stop);
  }

  /** Ends the run (a new one starts, `setKernelBackend`): stops what {@link KernelMemory.onEnd} registered; the buffers stay readable. */
  end(): void {
    for (const stop of this.endings.splice(0)) stop();
  }
}
