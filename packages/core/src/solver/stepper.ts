/**
 * The state of one run of a compiled step map: the iterate s_k, the per-iteration inputs, the
 * batch of samples, and the random streams that produce them. `prepare(k)` sets up iteration
 * k (schedules, noise, batch), `advance()` moves to s_{k+1}. Nothing allocates per step. On
 * WebAssembly the iterate, the inputs, the batch and a copy of θ live in the run's memory, so the
 * step kernel reads and writes them in place.
 */
import type { OffsetKernel } from '../codegen/compile.ts';
import { RunBuffers } from '../codegen/run-buffers.ts';
import type { ProblemKernels } from '../derive/kernels.ts';
import type { FunctionTable } from '../ir/functions.ts';
import type { Conditioning } from '../reference/reference.ts';
import { RandomStream, type StreamState } from '../runtime/rng.ts';
import type { StepProgram } from './step-program.ts';
import { compileSchedule, type Schedule } from './schedule-kernel.ts';

/**
 * Where a run is, enough to replay it from there.
 * @category Solvers and tracking
 */
export interface StepperCheckpoint {
  /** The iteration whose step comes next. */
  readonly k: number;
  /** s_k. */
  readonly state: Float64Array;
  /** The sample stream's position. */
  readonly samples: StreamState;
  /** The noise stream's position. */
  readonly noise: StreamState;
}

/**
 * How the iterations of a run of `program` get their inputs: `stochastic` when each draws its
 * batch from the sample stream (else the batch is every outcome, fixed); `count` the batch size;
 * `batch` the length of the batch buffer; `draws` when preparing an iteration draws from a random
 * stream at all (a sampled batch or noise).
 * @category Solvers and tracking
 */
export function iterationInputs(program: StepProgram, kernels: ProblemKernels): { readonly stochastic: boolean; readonly count: number; readonly batch: number; readonly draws: boolean } {
  const stochastic = program.solver.sampling === 'stochastic' && kernels.problem.sample !== undefined;
  const count = stochastic ? (kernels.problem.sample?.batch ?? 1) : kernels.outcomes;
  return { stochastic, count, batch: stochastic ? count : kernels.everyOutcome.length, draws: stochastic || program.hypers.some((h) => h.kind === 'noise') };
}

/**
 * One run's iterate and streams.
 * @category Solvers and tracking
 */
export class Stepper {
  /** s_k (vars first, then solver states). */
  s: Float64Array;
  private spare: Float64Array;
  /** The per-iteration inputs of the prepared iteration. */
  readonly h: Float64Array;
  /** The batch of the prepared iteration, `idx[0..count)`. */
  readonly idx: Int32Array;
  /** Batch size. */
  readonly count: number;
  /** θ as the kernels read it: the instance's, or its copy in the run's memory (refreshed by `start` and `prepare`). */
  readonly theta: Float64Array;
  /** The step size of the prepared iteration (NaN when the solver has no `step` schedule). */
  step = NaN;
  private readonly samples: RandomStream;
  private readonly noise: RandomStream;
  private readonly schedules: ReadonlyArray<{ offset: number; evaluate: Schedule; isStep: boolean }>;
  private readonly stepSchedule?: Schedule;
  /** Whether each iteration draws its batch from the sample stream (otherwise the batch is every outcome, fixed). */
  readonly stochastic: boolean;
  /**
   * Whether `prepare(k)` draws from the random streams (a sampled batch, or noise); when not, it
   * depends on k alone and can be called again for any k, in any order, with the same result.
   */
  readonly draws: boolean;
  private readonly empty = new Float64Array(0);
  private readonly noBatch = new Int32Array(0);
  /** On WebAssembly: the step kernel by byte offsets, and the offsets of s, the spare state, θ, h and the batch. */
  private readonly direct?: { readonly step: OffsetKernel; s: number; spare: number; readonly theta: number; readonly h: number; readonly idx: number };

  /**
   * @param program - the compiled step map
   * @param kernels - the problem's kernels (for the instance and the sample's size)
   * @param conditioning - μ, L, κ for the schedules
   * @param seed - the run seed
   * @param run - the run's index in a Monte Carlo batch (each run has its own streams)
   */
  constructor(
    readonly program: StepProgram,
    readonly kernels: ProblemKernels,
    readonly conditioning: Conditioning,
    readonly seed: number,
    readonly run: number,
    functions: FunctionTable,
  ) {
    const { instance, problem } = kernels;
    const buffers = new RunBuffers(program.step);
    this.s = buffers.float64(program.stateSize);
    this.spare = buffers.float64(program.stateSize);
    this.h = buffers.float64(program.hyperSize);
    this.theta = buffers.place(instance.theta);
    this.start(instance.x0);
    const inputs = iterationInputs(program, kernels);
    this.stochastic = inputs.stochastic;
    this.draws = inputs.draws;
    this.count = inputs.count;
    this.idx = buffers.int32(inputs.batch);
    if (!this.stochastic) this.idx.set(kernels.everyOutcome);
    const step = program.step.direct;
    if (step) this.direct = { step, s: this.s.byteOffset, spare: this.spare.byteOffset, theta: this.theta.byteOffset, h: this.h.byteOffset, idx: this.idx.byteOffset };
    const name = problem.sample?.name ?? '';
    this.samples = new RandomStream(`${seed}/sample/${name}/run/${run}`);
    this.noise = new RandomStream(`${seed}/noise/run/${run}`);
    this.schedules = program.hypers
      .filter((h) => h.kind === 'schedule')
      .map((h) => ({ offset: h.offset, evaluate: compileSchedule(program.schedules.get(h.name)!, functions), isStep: h.name === 'step' }));
    this.stepSchedule = this.schedules.find((s) => s.isStep)?.evaluate;
  }

  /** s ← s₀ = I(x₀, θ): the vars at `x0`, every solver state at its declared start. */
  start(x0: Float64Array): void {
    this.syncTheta();
    this.program.init.run(x0, this.theta, this.empty, this.empty, this.noBatch, 0, this.s, this.empty);
  }

  /** Copies the instance's θ into the run's memory (θ may change between runs, as outer solvers do). */
  private syncTheta(): void {
    if (this.theta !== this.kernels.instance.theta) this.theta.set(this.kernels.instance.theta);
  }

  /** η_k, the step size of iteration k (NaN when the solver has no `step` schedule). */
  stepAt(k: number): number {
    const { mu, L, kappa } = this.conditioning;
    return this.stepSchedule ? this.stepSchedule(k, mu, L, kappa) : NaN;
  }

  /** Sets up iteration k: schedule values, fresh noise and the next batch. */
  prepare(k: number): void {
    this.syncTheta();
    const { mu, L, kappa } = this.conditioning;
    for (const s of this.schedules) {
      const value = s.evaluate(k, mu, L, kappa);
      this.h[s.offset] = value;
      if (s.isStep) this.step = value;
    }
    for (const h of this.program.hypers) {
      if (h.kind === 'iteration') this.h[h.offset] = k;
      if (h.kind !== 'noise') continue;
      for (let j = 0; j < h.size; j++) this.h[h.offset + j] = this.noise.normal(0, 1);
    }
    if (this.stochastic) for (let q = 0; q < this.count; q++) this.idx[q] = this.samples.index(this.kernels.outcomes);
  }

  /**
   * The per-iteration inputs of iteration k without drawing anything: schedules at k, the
   * iteration counter k, noise 0 (the deterministic map whose fixed point implicit
   * differentiation uses). The streams and `h` are left as they are.
   */
  noiselessInputs(k: number): Float64Array {
    const { mu, L, kappa } = this.conditioning;
    const h = new Float64Array(this.program.hyperSize);
    for (const s of this.schedules) h[s.offset] = s.evaluate(k, mu, L, kappa);
    for (const slot of this.program.hypers) if (slot.kind === 'iteration') h[slot.offset] = k;
    return h;
  }

  /** s ← Φ(s) for the prepared iteration. */
  advance(): void {
    const direct = this.direct;
    if (direct) {
      direct.step(direct.s, direct.theta, 0, 0, direct.idx, this.count, direct.spare, direct.h);
      [direct.s, direct.spare] = [direct.spare, direct.s];
    } else this.program.step.run(this.s, this.theta, this.empty, this.empty, this.idx, this.count, this.spare, this.h);
    [this.s, this.spare] = [this.spare, this.s];
  }

  /**
   * Byte offsets into the run's WebAssembly memory of s_k, θ, the batch and h, for trackers that
   * call kernels by offset (only on WebAssembly: throws on JavaScript).
   */
  offsets(): { readonly s: number; readonly theta: number; readonly idx: number; readonly h: number } {
    if (!this.direct) throw new Error('Stepper.offsets() on a run without a WebAssembly memory');
    return this.direct;
  }

  /** x_k, a view of the first D entries of s_k. */
  get x(): Float64Array {
    return this.s.subarray(0, this.kernels.dimension);
  }

  /** The random streams' positions (a checkpoint without the iterate). */
  streams(): Pick<StepperCheckpoint, 'samples' | 'noise'> {
    return { samples: this.samples.save(), noise: this.noise.save() };
  }

  /** Returns the random streams to positions {@link Stepper.streams} gave. */
  restoreStreams(streams: Pick<StepperCheckpoint, 'samples' | 'noise'>): void {
    this.samples.restore(streams.samples);
    this.noise.restore(streams.noise);
  }

  /** A copy of where the run is, before iteration k. */
  checkpoint(k: number): StepperCheckpoint {
    return { k, state: Float64Array.from(this.s), samples: this.samples.save(), noise: this.noise.save() };
  }

  /** Returns to a checkpoint. */
  restore(checkpoint: StepperCheckpoint): void {
    this.s.set(checkpoint.state);
    this.restoreStreams(checkpoint);
  }
}
