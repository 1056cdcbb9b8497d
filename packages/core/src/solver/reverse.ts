/**
 * Reverse-mode derivative of the last iterate: adjoints run back through the iterations,
 * λ ← ∂ₛΦ_kᵀ λ and g ← g + ∂θΦ_kᵀ λ, then through the start, g ← g + ∂θs₀ᵀ λ₀, one adjoint per
 * entry of x_T (so the cost is D adjoint sweeps, against P tangents for forward mode).
 *
 * The tape is one block allocated when the run starts (on WebAssembly, in the run's memory):
 * the kept iterates (t × stateSize doubles, or ⌈√t⌉ of them with checkpointing, plus ⌈t/⌈√t⌉⌉
 * checkpoint iterates), their per-iteration inputs and batches. It keeps only what the backward
 * step reads and cannot recompute: no iterate when Φ is affine in s (the adjoint step does not
 * read it), no inputs when preparing an iteration draws nothing (`prepare(k)` recomputes them);
 * a gradient step on a quadratic with a fixed batch keeps nothing at all. Each backward step is
 * one call of the fused `adjoint` kernel per adjoint, λ_{k+1} → λ_k between two buffers that
 * alternate, g accumulated in place; on WebAssembly the call passes byte offsets into the tape.
 * Checkpoint replay restores the random streams, so it reproduces the run's bits.
 */
import type { OffsetKernel } from '../codegen/compile.ts';
import { RunBuffers, type RunBlock } from '../codegen/run-buffers.ts';
import { checkWasmMemory } from '../codegen/wasm/memory-limit.ts';
import type { ProblemKernels } from '../derive/kernels.ts';
import type { StepProgram } from './step-program.ts';
import { iterationInputs, type Stepper, type StepperCheckpoint } from './stepper.ts';

/**
 * How the tape stores the forward pass.
 * @category Solvers and tracking
 */
export type Checkpointing = 'none' | 'sqrt';

/**
 * What the tape keeps per iteration: `needed`, what the backward step reads and cannot
 * recompute (the default); `all`, every iterate with its inputs and batch whatever the step map
 * (the general layout, to measure it and to test the lean one against it).
 * @category Solvers and tracking
 */
export type TapeContents = 'needed' | 'all';

/**
 * The tape's layout, fixed when it is made.
 * @category Solvers and tracking
 */
export interface TapeLayout {
  /** Doubles of the iterate kept per iteration: the state size, or 0 when the adjoint step does not read it. */
  readonly state: number;
  /** Doubles of per-iteration inputs kept per iteration: the inputs' size, or 0 when `prepare(k)` recomputes them. */
  readonly inputs: number;
  /** Batch entries kept per iteration: the batch length, or 0 when the batch is every outcome. */
  readonly batch: number;
  /** Iterations per replayed segment: ⌈√t⌉ with `sqrt` checkpointing, t without. */
  readonly segment: number;
  /** Iterations the block holds at once: t without checkpoints, one segment with them; 0 when nothing is kept. */
  readonly capacity: number;
  /** Checkpoints, ⌈t / segment⌉ with `sqrt` when anything is kept, else 0 (each an iterate in the block when iterates are kept). */
  readonly checkpoints: number;
  /** Bytes of the block: 8 per kept double, 4 per kept batch entry. */
  readonly bytes: number;
}

/**
 * The layout of the tape of a run of `program` over `iterations` steps.
 * @category Solvers and tracking
 */
export function reverseTapeLayout(program: StepProgram, kernels: ProblemKernels, iterations: number, checkpointing: Checkpointing, contents: TapeContents = 'needed'): TapeLayout {
  const all = contents === 'all';
  const inputs = iterationInputs(program, kernels);
  const state = all || program.adjointReadsState ? program.stateSize : 0;
  const hypers = all || inputs.draws ? program.hyperSize : 0;
  const batch = all || inputs.stochastic ? inputs.batch : 0;
  const keeps = state + hypers + batch > 0;
  const segment = checkpointing === 'sqrt' ? Math.max(1, Math.ceil(Math.sqrt(iterations))) : Math.max(1, iterations);
  const capacity = keeps ? Math.min(segment, iterations) : 0;
  const checkpoints = keeps && checkpointing === 'sqrt' ? Math.ceil(iterations / segment) : 0;
  return { state, inputs: hypers, batch, segment, capacity, checkpoints, bytes: 8 * (capacity * (state + hypers) + checkpoints * state) + 4 * capacity * batch };
}

/** The tape's contents, for messages: `(… iterations × (… state + … input doubles + … batch entries) …)`. */
function describeTape({ state, inputs, batch, capacity, checkpoints }: TapeLayout): string {
  const kept = `${capacity} iterations × (${state} state + ${inputs} input doubles + ${batch} batch entries)`;
  return `the reverse-mode tape (${kept}${checkpoints > 0 ? ` and ${checkpoints} checkpoints × ${state} state doubles` : ''})`;
}

/**
 * On the WebAssembly backend, throws a `WasmMemoryLimitError` naming the size when the tape of a
 * run of `program` over `iterations` steps cannot fit WebAssembly's memory: called by a session
 * before any run, as the tape itself checks before it allocates.
 * @category Solvers and tracking
 */
export function checkReverseTapeMemory(program: StepProgram, kernels: ProblemKernels, iterations: number, checkpointing: Checkpointing): void {
  if (!program.adjoint.memory) return;
  const layout = reverseTapeLayout(program, kernels, iterations, checkpointing);
  checkWasmMemory(layout.bytes, describeTape(layout));
}

/**
 * What the forward pass leaves for the backward sweep.
 * @category Solvers and tracking
 */
export class ReverseTape {
  /** Sizes and counts of what is kept. */
  readonly layout: TapeLayout;
  /** The most iterates held at once (kept iterates and checkpoint iterates): the memory the mode costs, in states. */
  peakStoredStates = 0;
  private readonly block: RunBlock;
  private readonly buffers: RunBuffers;
  /** Kept iterates, `capacity × state`. */
  private readonly states: Float64Array;
  /** Checkpoint iterates, `checkpoints × state`. */
  private readonly checkpointStates: Float64Array;
  /** Kept per-iteration inputs, `capacity × inputs`. */
  private readonly inputs: Float64Array;
  /** Kept batches, `capacity × batch`. */
  private readonly batches: Int32Array;
  /** The byte offsets of `states`, `inputs` and `batches`. */
  private readonly offsets: TapeSlots['offsets'];
  /** The streams' positions at each checkpoint, when the run draws. */
  private readonly streams: Array<Pick<StepperCheckpoint, 'samples' | 'noise'>> = [];
  /** Checkpoints taken so far. */
  private taken = 0;
  /** Iterations kept so far without checkpoints. */
  private kept = 0;
  /** The state, inputs and batch of one iteration copied out of the block, for the JavaScript kernel (which reads arrays from index 0). */
  private readonly step: { readonly state: Float64Array; readonly inputs: Float64Array; readonly batch: Int32Array };

  /** Length of the state vector, so cotangents can be sized. */
  get stateSize(): number {
    return this.stepper.program.stateSize;
  }

  /** Bytes of the tape's block. */
  get bytes(): number {
    return this.layout.bytes;
  }

  /**
   * @param stepper - the run being recorded
   * @param iterations - the run's length t
   * @param checkpointing - `none` (keep every iteration) or `sqrt` (⌈√t⌉ checkpoints, segments replayed)
   * @param contents - what is kept per iteration (see {@link TapeContents})
   */
  constructor(
    private readonly stepper: Stepper,
    private iterations: number,
    readonly checkpointing: Checkpointing,
    contents: TapeContents = 'needed',
  ) {
    const layout = reverseTapeLayout(stepper.program, stepper.kernels, iterations, checkpointing, contents);
    this.layout = layout;
    const { state, inputs, batch, capacity, checkpoints } = layout;
    this.buffers = new RunBuffers(stepper.program.adjoint);
    this.block = this.buffers.block(layout.bytes, describeTape(layout));
    let at = this.block.offset;
    const doubles = (entries: number): Float64Array => {
      const view = new Float64Array(this.block.buffer, at, entries);
      at += 8 * entries;
      return view;
    };
    this.states = doubles(capacity * state);
    this.checkpointStates = doubles(checkpoints * state);
    this.inputs = doubles(capacity * inputs);
    this.batches = new Int32Array(this.block.buffer, at, capacity * batch);
    this.offsets = { states: this.states.byteOffset, inputs: this.inputs.byteOffset, batches: this.batches.byteOffset };
    this.step = { state: new Float64Array(state), inputs: new Float64Array(inputs), batch: new Int32Array(batch) };
  }

  /** Call before `stepper.prepare(k)`: a checkpoint keeps the iterate and the streams as they are before iteration k draws. */
  beforePrepare(k: number): void {
    const { checkpoints, segment, state } = this.layout;
    if (checkpoints === 0 || k % segment !== 0) return;
    const c = k / segment;
    if (state > 0) {
      this.checkpointStates.set(this.stepper.s, c * state);
      this.peakStoredStates = Math.max(this.peakStoredStates, c + 1);
    }
    if (this.stepper.draws) this.streams[c] = this.stepper.streams();
    this.taken = c + 1;
  }

  /** Call after `stepper.prepare(k)`, before `advance()`: without checkpoints, the iteration is kept. */
  afterPrepare(): void {
    if (this.layout.checkpoints > 0 || this.layout.capacity === 0) return;
    this.keep(this.kept++);
    if (this.layout.state > 0) this.peakStoredStates = this.kept;
  }

  /** The run stopped after `iterations` steps (a stopping rule met before t): the sweeps start there. */
  end(iterations: number): void {
    this.iterations = iterations;
  }

  /** Gives the tape's block back to the run's memory (WebAssembly) for the next tape; the tape is unusable after. */
  release(): void {
    this.block.release();
  }

  /** ∂θx_t, tangent-major (P columns of length D): one adjoint per entry of x_t, in one backward pass. */
  jacobian(): Float64Array {
    const D = this.stepper.kernels.dimension;
    const S = this.stepper.program.stateSize;
    const units = Array.from({ length: D }, (_, j) => {
      const a = new Float64Array(S);
      a[j] = 1;
      return a;
    });
    const rows = this.pullback(units);
    const P = this.stepper.kernels.parameters;
    const jacobian = new Float64Array(D * P);
    for (let j = 0; j < D; j++) for (let p = 0; p < P; p++) jacobian[p * D + j] = rows[j][p];
    return jacobian;
  }

  /**
   * (∂θs_t)ᵀ w for each cotangent w on the last state (length `stateSize`), by one backward pass
   * carrying all of them: the cost of reverse mode is one sweep per cotangent, whatever P is.
   * The tape stays usable: kept iterations stay, checkpointed segments are replayed.
   */
  pullback(cotangents: readonly Float64Array[]): Float64Array[] {
    const S = this.stateSize;
    const P = this.stepper.kernels.parameters;
    const width = 2 * S + P;
    // Per adjoint: λ in two halves that alternate (λ_{k+1} read, λ_k written), then g.
    const work = this.buffers.block(8 * width * cotangents.length, "the reverse sweep's adjoints");
    try {
      const all = new Float64Array(work.buffer, work.offset, width * cotangents.length);
      cotangents.forEach((w, j) => all.set(w, j * width));
      const sweep = new Sweep(this.stepper, all, width, cotangents.length);
      const { checkpoints, segment, state } = this.layout;
      if (checkpoints === 0) sweep.run(0, this.iterations, this.slots(false));
      else
        for (let c = this.taken - 1; c >= 0; c--) {
          const from = c * segment;
          const to = Math.min(this.iterations, from + segment);
          this.replay(c, from, to);
          if (state > 0) this.peakStoredStates = Math.max(this.peakStoredStates, this.taken + to - from);
          sweep.run(from, to, this.slots(true));
        }
      const lambdas = cotangents.map((_, j) => all.subarray(j * width + sweep.half * S, j * width + sweep.half * S + S));
      const gradients = cotangents.map((_, j) => all.slice(j * width + 2 * S, (j + 1) * width));
      return this.addStart(lambdas, gradients);
    } finally {
      work.release();
    }
  }

  /** Where iteration k's kept state, inputs and batch are: slot k, or k − (segment start) in a replayed segment. */
  private slots(segmented: boolean): TapeSlots {
    return { states: this.states, inputs: this.inputs, batches: this.batches, offsets: this.offsets, layout: this.layout, segmented, step: this.step };
  }

  /** Replays segment c, iterations [from, to), from its checkpoint, keeping each iteration. */
  private replay(c: number, from: number, to: number): void {
    const { stepper } = this;
    const S = this.layout.state;
    if (S > 0) {
      const s = stepper.s;
      for (let j = 0; j < S; j++) s[j] = this.checkpointStates[c * S + j]!;
    }
    if (stepper.draws) stepper.restoreStreams(this.streams[c]!);
    for (let k = from; k < to; k++) {
      stepper.prepare(k);
      this.keep(k - from);
      // Without kept iterates the replay only regenerates the inputs and batches: no step.
      if (S > 0) stepper.advance();
    }
  }

  /** Copies the stepper's iterate, inputs and batch (those the layout keeps) into `slot`. */
  private keep(slot: number): void {
    const { stepper } = this;
    const { state, inputs, batch } = this.layout;
    if (state > 0) this.states.set(stepper.s, slot * state);
    if (inputs > 0) this.inputs.set(stepper.h, slot * inputs);
    if (batch > 0) this.batches.set(stepper.idx, slot * batch);
  }

  /** g += ∂θs₀ᵀ λ₀ when a solver state starts at an expression of θ (λ₀: the adjoints after the sweep). */
  private addStart(adjoints: readonly Float64Array[], gradients: Float64Array[]): Float64Array[] {
    const { program, kernels } = this.stepper;
    if (!program.initDependsOnTheta) return gradients;
    const out = new Float64Array(kernels.parameters);
    const none = new Float64Array(0);
    adjoints.forEach((lambda, j) => {
      program.initReverse.run(kernels.instance.x0, kernels.instance.theta, lambda, none, new Int32Array(0), 0, out, none);
      for (let p = 0; p < out.length; p++) gradients[j][p] += out[p];
    });
    return gradients;
  }
}

/** The tape's arrays as a sweep reads them. */
interface TapeSlots {
  readonly states: Float64Array;
  readonly inputs: Float64Array;
  readonly batches: Int32Array;
  /** Their byte offsets, read once (reading `byteOffset` in the loop would allocate a number per step). */
  readonly offsets: { readonly states: number; readonly inputs: number; readonly batches: number };
  readonly layout: TapeLayout;
  /** True in a replayed segment (slot = k − segment start), false without checkpoints (slot = k). */
  readonly segmented: boolean;
  readonly step: { readonly state: Float64Array; readonly inputs: Float64Array; readonly batch: Int32Array };
}

/**
 * The backward steps of one pullback: one `adjoint` kernel call per iteration and adjoint, with
 * nothing allocated per step. On WebAssembly the call passes byte offsets (the kept iterate, the
 * λ halves and g in the run's memory); on JavaScript the kept iteration is copied into arrays
 * read from index 0 (a view per step would allocate).
 */
class Sweep {
  /** Which λ half holds the current adjoint (λ_{k+1} before a step, λ_k after it). */
  half = 0;
  private readonly direct?: OffsetKernel;
  /** The byte offset of the adjoints' block. */
  private readonly base: number;
  /** On JavaScript: each adjoint's two λ halves and g, as arrays. */
  private readonly views: ReadonlyArray<{ readonly halves: readonly [Float64Array, Float64Array]; readonly g: Float64Array }>;

  constructor(
    private readonly stepper: Stepper,
    private readonly all: Float64Array,
    private readonly width: number,
    private readonly adjoints: number,
  ) {
    this.direct = stepper.program.adjoint.direct;
    this.base = all.byteOffset;
    const S = stepper.program.stateSize;
    this.views = this.direct
      ? []
      : Array.from({ length: adjoints }, (_, j) => ({
          halves: [all.subarray(j * width, j * width + S), all.subarray(j * width + S, j * width + 2 * S)] as const,
          g: all.subarray(j * width + 2 * S, (j + 1) * width),
        }));
  }

  /** Steps the adjoints back through iterations to−1 … from. */
  run(from: number, to: number, slots: TapeSlots): void {
    if (this.direct) this.byOffsets(this.direct, from, to, slots);
    else this.byArrays(from, to, slots);
  }

  private byOffsets(adjoint: OffsetKernel, from: number, to: number, slots: TapeSlots): void {
    const { stepper, width, adjoints } = this;
    const { state, inputs, batch } = slots.layout;
    const { offsets } = slots;
    const S = stepper.program.stateSize;
    const base = this.base;
    const at = stepper.offsets();
    const count = stepper.count;
    const first = slots.segmented ? from : 0;
    for (let k = to - 1; k >= from; k--) {
      const slot = k - first;
      if (inputs === 0) stepper.prepare(k);
      const x = state > 0 ? offsets.states + 8 * slot * state : at.s;
      const h = inputs > 0 ? offsets.inputs + 8 * slot * inputs : at.h;
      const idx = batch > 0 ? offsets.batches + 4 * slot * batch : at.idx;
      const read = 8 * this.half * S;
      const write = 8 * (1 - this.half) * S;
      for (let j = 0; j < adjoints; j++) {
        const own = base + 8 * j * width;
        adjoint(x, at.theta, own + read, own + 16 * S, idx, count, own + write, h);
      }
      this.half = 1 - this.half;
    }
  }

  private byArrays(from: number, to: number, slots: TapeSlots): void {
    const { stepper, adjoints, views } = this;
    const { state, inputs, batch } = slots.layout;
    const { step } = slots;
    const run = stepper.program.adjoint.run;
    const count = stepper.count;
    const first = slots.segmented ? from : 0;
    for (let k = to - 1; k >= from; k--) {
      const slot = k - first;
      if (inputs === 0) stepper.prepare(k);
      for (let e = 0; e < state; e++) step.state[e] = slots.states[slot * state + e]!;
      for (let e = 0; e < inputs; e++) step.inputs[e] = slots.inputs[slot * inputs + e]!;
      for (let e = 0; e < batch; e++) step.batch[e] = slots.batches[slot * batch + e]!;
      const x = state > 0 ? step.state : stepper.s;
      const h = inputs > 0 ? step.inputs : stepper.h;
      const idx = batch > 0 ? step.batch : stepper.idx;
      for (let j = 0; j < adjoints; j++) {
        const { halves, g } = views[j]!;
        run(x, stepper.theta, halves[this.half], g, idx, count, halves[1 - this.half], h);
      }
      this.half = 1 - this.half;
    }
  }
}
