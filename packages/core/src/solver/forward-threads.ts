/**
 * Both cores for forward tracking on WebAssembly: the Jacobian's P columns of a step split in
 * two ranges, [0, half) computed by the main thread and [half, P) by one worker thread
 * (`forward-worker.mjs`), both in the run's shared memory. Each column is computed by the same
 * code from the same inputs (the worker's kernel is a second compilation of the same loop IR, and
 * both threads call its all-directions variant over their ranges, each with a direction buffer
 * and a scratch area of its own), so J is bit-identical whatever the thread count.
 *
 * The threads meet through a control block of 32-bit integers on a `SharedArrayBuffer`: per
 * step the main thread writes the step's byte offsets and bumps `GO`, runs its range, then takes
 * the worker's chunks the worker has not claimed and waits for those it has; each side spins
 * briefly before sleeping in `Atomics.wait`, since a step lasts tens to hundreds of microseconds
 * and a sleep–wake costs some tens. Nothing allocates per step (auto's timing reads the clock once
 * per window of steps). The worker is started once per forward kernel of a run, without blocking
 * (the first steps run on one thread until it is ready), is `unref`'d (it never keeps the process
 * alive) and is stopped when the run ends ({@link KernelMemory.onEnd}).
 */
import { availableParallelism } from 'node:os';
import { isMainThread, Worker } from 'node:worker_threads';
import type { CompiledKernel } from '../codegen/compile.ts';
import type { LoopIndex, LoopKernel, LoopStatement } from '../codegen/loop-ir.ts';
import type { KernelMemory } from '../codegen/wasm/kernel-memory.ts';
import { nativeFunctionName, wasmMathModule } from '../codegen/wasm/native-functions.ts';
import { compileWasmKernelCopy } from '../codegen/wasm/wasm-kernel.ts';

/**
 * The work per step from which `threads = 0` (auto) considers two threads: P × the forward
 * kernel's inner-loop iterations per column ({@link forwardKernelWork}). 120 000 is about 30–50 µs
 * per step of SGD′ least squares on wasm here (0.25–0.4 ns per unit of work: 606 000 at n = 1000,
 * d = 200 took 150–250 µs on one thread), where halving a step saves more than a split costs: a
 * few µs of posting, claiming and waiting for the worker's last chunk, and 5–50 µs when a sleeping
 * worker must be woken. It could not be measured as a break-even on this machine, whose two cores
 * were shared with three other engineers' jobs (load average 6–12): `threads = 2` against 1 in one
 * process on SGD′ least squares took 2.2× at n = 100, d = 50, 1.5× at n = 400, d = 100 and
 * 1.3–1.4× at n = 1000, d = 200 in separate runs, and 0.86× and 1.12× at n = 1000, d = 200 in
 * two `pnpm bench` runs: whether a core is free decides, which is why auto also times both
 * ({@link ForwardSplit}); it stayed within 0.95–1.02× of one thread.
 * @category Solvers and tracking
 */
export const FORWARD_THREADS_THRESHOLD = 120_000;

/**
 * The values of the solve option `threads`: 0 (auto: two threads from {@link FORWARD_THREADS_THRESHOLD}), 1 or 2.
 * @category Solvers and tracking
 */
export type ForwardThreads = 0 | 1 | 2;

let runThreads: ForwardThreads = 0;

/**
 * Sets the thread count of the forward tracking of the runs that follow (the solve option
 * `threads`; a session sets it when it is built, next to the backend): 0 is auto.
 * @category Solvers and tracking
 */
export function setForwardThreads(threads: ForwardThreads): void {
  runThreads = threads;
}

/**
 * Iterations of a busy wait before sleeping in `Atomics.wait`: an `Atomics.load` costs 10–20 ns
 * (measured), so some 30–60 µs, the gap between two steps of a large run; a run that pauses
 * longer costs the waiting thread no more than that before it sleeps.
 */
const SPINS = 3000;

/** Slots of the control block (`forward-worker.mjs` reads the same layout): `CLAIM + j` and `DONE + j` for chunk j on their own cache lines. */
const SLOT = { GO: 0, STOP: 1, S: 2, THETA: 3, IDX: 4, COUNT: 5, H: 6, CURRENT: 7, NEXT: 8, STATE: 16, WORKER_ASLEEP: 17, MAIN_ASLEEP: 18, CLAIM: 32, DONE: 48 } as const;
const CONTROL_INTS = 64;
/** The worker's range is cut in at most this many chunks (at least {@link MIN_CHUNK} columns each). */
const MAX_CHUNKS = 8;
const MIN_CHUNK = 4;
const READY = 1;
const FAILED = 2;
/** Steps per timed window of auto's policy ({@link ForwardSplit}). */
const WINDOW = 32;
/** Windows run with the chosen thread count before timing both again. */
const RUN_WINDOWS = 32;
/** Two threads are chosen when their window took less than this fraction of one thread's. */
const MARGIN = 0.95;

/**
 * The forward kernel's inner-loop iterations for one column with a batch of `count`: each
 * statement counts once per iteration of the loops around it, a reduction once per term, a
 * branch as its longer side; an extent that is not a constant or the batch length counts as 1.
 * @category Solvers and tracking
 */
export function forwardKernelWork(kernel: LoopKernel, count: number): number {
  const extent = (e: LoopIndex): number => {
    if (e.op === 'const') return e.value;
    if (e.op === 'count') return count;
    if (e.op === 'add') return extent(e.left) + extent(e.right);
    if (e.op === 'mul') return extent(e.left) * extent(e.right);
    return 1;
  };
  const work = (statements: readonly LoopStatement[]): number =>
    statements.reduce((total, s) => {
      if (s.kind === 'loop') return total + extent(s.extent) * work(s.body);
      if (s.kind === 'reduce') return total + extent(s.extent);
      if (s.kind === 'if') return total + Math.max(work(s.then), work(s.otherwise));
      return total + 1;
    }, 0);
  return work(kernel.body);
}

/**
 * The worker thread of a forward kernel, computing the columns [half, P) of its steps. Its range is
 * cut in chunks it claims one at a time; the main thread, done with [0, half), takes the chunks
 * still unclaimed (from the last one down) and waits only for those the worker has claimed. A
 * worker that is asleep, not yet scheduled or slow thus costs at most one chunk of waiting.
 *
 * A claim is a compare-and-swap of the chunk's slot from the previous step's number to this
 * step's, so each chunk is computed exactly once per step, by either thread, and a worker late
 * by a step or more claims nothing.
 * @category Solvers and tracking
 */
export class ForwardThread {
  /** The main thread computes columns [0, half) and the chunks of [half, P) the worker has not claimed. */
  readonly half: number;
  private readonly control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
  /** Chunk j is columns [bounds[j], bounds[j + 1]). */
  private readonly bounds: Int32Array;
  private readonly thread: Worker;
  private step = 0;
  private stopped = false;

  /**
   * Starts the worker (it is ready some milliseconds later, see {@link ForwardThread.ready}). Made by
   * {@link forwardSplit} (hidden from the API pages: `module`'s type is the project's own
   * declaration of the WebAssembly API, `webassembly.d.ts`).
   * @hidden
   * @param module - the worker's own copy of the forward kernel with its all-directions variant, compiled for `memory`
   * @param memory - the run's memory
   * @param columns - P
   * @param scratchBytes - the scratch a call of the all-directions variant needs
   */
  constructor(module: WebAssembly.Module, memory: KernelMemory, columns: number, scratchBytes: number) {
    this.half = Math.ceil(columns / 2);
    const count = Math.max(1, Math.min(MAX_CHUNKS, Math.floor((columns - this.half) / MIN_CHUNK)));
    this.bounds = Int32Array.from({ length: count + 1 }, (_, j) => this.half + Math.round((j * (columns - this.half)) / count));
    const direction = memory.float64(columns, 'a forward-tracking direction').byteOffset;
    const scratch = scratchBytes > 0 ? memory.reserve(scratchBytes, 'the worker thread\'s forward-tracking scratch') : 0;
    const workerData = {
      memory: memory.memory,
      kernel: module,
      math: wasmMathModule(),
      control: this.control.buffer,
      direction,
      scratch,
      chunks: Array.from(this.bounds),
      spins: SPINS,
    };
    this.thread = new Worker(new URL('./forward-worker.mjs', import.meta.url), { workerData, execArgv: [] });
    this.thread.unref();
    // A worker that cannot start never sets `STATE`: its trackers stay on one thread.
    this.thread.on('error', () => (this.stopped = true));
    memory.onEnd(() => this.stop());
  }

  /** Whether the worker takes steps (it has started and not failed or been stopped). */
  get ready(): boolean {
    return !this.stopped && Atomics.load(this.control, SLOT.STATE) === READY;
  }

  /** Hands the worker the step with these byte offsets of s, θ, the batch, h, J_k and J_{k+1} (`count`: the batch length). Only when {@link ForwardThread.ready}. */
  post(s: number, theta: number, idx: number, count: number, h: number, current: number, next: number): void {
    const c = this.control;
    c[SLOT.S] = s;
    c[SLOT.THETA] = theta;
    c[SLOT.IDX] = idx;
    c[SLOT.COUNT] = count;
    c[SLOT.H] = h;
    c[SLOT.CURRENT] = current;
    c[SLOT.NEXT] = next;
    Atomics.store(c, SLOT.GO, ++this.step);
    // A wake-up is a system call (and may hand this core to the worker): only when it sleeps.
    if (Atomics.load(c, SLOT.WORKER_ASLEEP) !== 0) Atomics.notify(c, SLOT.GO);
  }

  /**
   * Completes the posted step: `columns(from, to)` computes the chunks the worker has not claimed
   * (none when not `stealing`; and, should the worker have failed, those it had), then this waits
   * for the worker's. Returns whether the worker computed any.
   */
  complete(columns: (from: number, to: number) => void, stealing: boolean): boolean {
    const c = this.control;
    const { bounds, step } = this;
    let j = bounds.length - 2;
    if (stealing) for (; j >= 0 && Atomics.compareExchange(c, SLOT.CLAIM + j, step - 1, step) === step - 1; j--) columns(bounds[j], bounds[j + 1]);
    if (j < 0) return false;
    // The worker claims in increasing order and marks each chunk when done: its last chunk done means all are.
    let spin = 0;
    for (let done = Atomics.load(c, SLOT.DONE + j); done !== step; done = Atomics.load(c, SLOT.DONE + j)) {
      if (++spin > SPINS) {
        // Announced before the last look at DONE: the worker stores DONE, then looks here.
        Atomics.store(c, SLOT.MAIN_ASLEEP, 1);
        Atomics.wait(c, SLOT.DONE + j, done);
        Atomics.store(c, SLOT.MAIN_ASLEEP, 0);
        spin = 0;
      }
    }
    if (Atomics.load(c, SLOT.STATE) !== FAILED) return true;
    this.stop();
    columns(bounds[0], bounds[j + 1]);
    return false;
  }

  /** Stops the worker (between steps): it leaves its loop and the thread is terminated. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    Atomics.store(this.control, SLOT.STOP, 1);
    Atomics.store(this.control, SLOT.GO, ++this.step);
    Atomics.notify(this.control, SLOT.GO);
    void this.thread.terminate();
  }
}

/** The policy's phases: timing two threads, timing one, running the faster. */
const PROBE_TWO = 0;
const PROBE_ONE = 1;
const RUN = 2;

/**
 * A tracker's use of its forward kernel's {@link ForwardThread}: whether each step is split, and
 * the split itself (`begin`, then the caller's range [0, half), then `finish`).
 *
 * With `threads = 2` every step is split once the thread is ready. With auto the split is also
 * timed, since a second thread only pays when a core is free for it: on a machine shared with
 * other jobs (more runnable threads than cores) a worker descheduled while it holds a chunk makes
 * the main thread wait for a scheduler time slice (milliseconds), and waking a sleeping worker may
 * hand it the main thread's core. Every 32 windows of 32 steps (`RUN_WINDOWS`, `WINDOW`), a
 * window on two threads and one on one are timed (whole steps, from one `begin` to the next), and
 * the next windows run on two only when theirs took less than 0.95 (`MARGIN`) of the other's. The bits do not
 * depend on any of it.
 * @category Solvers and tracking
 */
export class ForwardSplit {
  /** Steps the worker took part in (it computed at least one chunk); tests and benchmarks read it. */
  sharedSteps = 0;
  /**
   * Whether the main thread takes the chunks the worker has not claimed (the default). Without,
   * each split step waits for the worker's whole range: what a test that must see the worker's
   * own bits sets, since on a loaded machine the main thread may otherwise take every chunk.
   */
  stealing = true;
  private phase = RUN;
  /** Whether the current window splits its steps. */
  private two = true;
  /** Steps left in the current window (timing starts at the first step the thread is ready for). */
  private left = 1;
  private since = 0;
  private twoTime = 0;

  /**
   * @param thread - the kernel's worker thread
   * @param timed - whether to time the split against one thread (auto), or split every step (`threads = 2`)
   */
  constructor(
    readonly thread: ForwardThread,
    readonly timed: boolean,
  ) {}

  /** The main thread computes columns [0, half); see {@link ForwardThread.half}. */
  get half(): number {
    return this.thread.half;
  }

  /** Whether the worker thread takes steps (see {@link ForwardThread.ready}). */
  get ready(): boolean {
    return this.thread.ready;
  }

  /**
   * Splits this step (byte offsets of s, θ, the batch, h, J_k and J_{k+1}; `count` the batch
   * length) when the thread is ready and the policy says so; false: the caller computes every
   * column. After true, the caller computes [0, half), then calls {@link ForwardSplit.finish}.
   */
  begin(s: number, theta: number, idx: number, count: number, h: number, current: number, next: number): boolean {
    if (!this.thread.ready) return false;
    if (this.timed && --this.left === 0) this.lap();
    if (!this.two) return false;
    this.thread.post(s, theta, idx, count, h, current, next);
    return true;
  }

  /** Completes the split step: `columns(from, to)` computes what the worker has not. */
  finish(columns: (from: number, to: number) => void): void {
    if (this.thread.complete(columns, this.stealing)) this.sharedSteps++;
  }

  /** The end of a window: record its time, choose the next window's thread count. */
  private lap(): void {
    const now = performance.now();
    const elapsed = now - this.since;
    this.since = now;
    if (this.phase === RUN) {
      this.phase = PROBE_TWO;
      this.two = true;
      this.left = WINDOW;
    } else if (this.phase === PROBE_TWO) {
      this.twoTime = elapsed;
      this.phase = PROBE_ONE;
      this.two = false;
      this.left = WINDOW;
    } else {
      this.two = this.twoTime < MARGIN * elapsed;
      this.phase = RUN;
      this.left = RUN_WINDOWS * WINDOW;
    }
  }
}

/** The worker thread of each forward kernel of a run (`null`: it cannot have one). */
const threads = new WeakMap<CompiledKernel, ForwardThread | null>();

/**
 * How a tracker of `forward` splits its steps, or `undefined` to stay on one thread: on
 * JavaScript kernels (they cannot share memory); when the kernel imports an elementwise function
 * from JavaScript (a plugin's `evaluate`, which cannot be rebuilt in another thread; `Math.pow`
 * can); with `threads` 1; with 0 (auto) when P × the kernel's work per column is below
 * {@link FORWARD_THREADS_THRESHOLD}, when this is itself a worker thread (a run already spread
 * over threads, as Monte Carlo and sweep workers are) or when the machine has one core. The
 * kernel's worker thread is started on first need and shared by its trackers.
 * @param forward - the run's forward kernel
 * @param columns - P, the θ-directions
 * @param count - the batch length
 * @param choice - the thread count asked for (default: {@link setForwardThreads}'s)
 * @category Solvers and tracking
 */
export function forwardSplit(forward: CompiledKernel, columns: number, count: number, choice: ForwardThreads = runThreads): ForwardSplit | undefined {
  const memory = forward.memory;
  if (!memory || choice === 1 || columns < 2) return undefined;
  if (choice === 0 && !(isMainThread && availableParallelism() >= 2 && columns * forwardKernelWork(forward.loops, count) >= FORWARD_THREADS_THRESHOLD)) return undefined;
  let thread = threads.get(forward);
  if (thread === undefined) {
    const directions = forward.directions;
    const copy = directions && forward.loops.functions.every((f) => nativeFunctionName(f) !== null) ? compileWasmKernelCopy(forward.loops, memory, directions.loops) : undefined;
    thread = directions && copy && copy.imports.every((name) => name === 'pow') ? new ForwardThread(copy.module, memory, columns, directions.scratchBytes) : null;
    threads.set(forward, thread);
  }
  return thread ? new ForwardSplit(thread, choice === 0) : undefined;
}
