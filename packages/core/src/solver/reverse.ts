/**
 * Reverse-mode derivative of the last iterate: adjoints run back through the iterations,
 * λ ← ∂ₛΦ_kᵀ λ and g ← g + ∂θΦ_kᵀ λ, then through the start, g ← g + ∂θs₀ᵀ λ₀, one adjoint per entry of x_T (so the cost is D adjoint
 * sweeps, against P tangents for forward mode). The tape keeps every iterate (memory O(t)) or,
 * with checkpointing, ⌈√t⌉ checkpoints from which each segment is replayed (memory O(√t),
 * one extra forward pass); replay restores the random streams, so it reproduces the run's bits.
 */
import type { Stepper, StepperCheckpoint } from './stepper.ts';

/**
 * How the tape stores the forward pass.
 * @category Solvers and tracking
 */
export type Checkpointing = 'none' | 'sqrt';

/**
 * What the forward pass leaves for the backward sweep.
 * @category Solvers and tracking
 */
export class ReverseTape {
  private readonly segment: number;
  private readonly checkpoints: StepperCheckpoint[] = [];
  private readonly states: Float64Array[] = [];
  private readonly batches: Int32Array[] = [];
  private readonly hypers: Float64Array[] = [];
  /** The most iterates held at once (the memory the mode costs, in states). */
  peakStoredStates = 0;

  /** Length of the state vector, so cotangents can be sized. */
  get stateSize(): number {
    return this.stepper.program.stateSize;
  }

  /**
   * @param stepper - the run being recorded
   * @param iterations - the run's length t
   * @param checkpointing - `none` (store every iterate) or `sqrt` (⌈√t⌉ checkpoints)
   */
  constructor(
    private readonly stepper: Stepper,
    private iterations: number,
    readonly checkpointing: Checkpointing,
  ) {
    this.segment = checkpointing === 'sqrt' ? Math.max(1, Math.ceil(Math.sqrt(iterations))) : iterations;
  }

  /** Call before `stepper.prepare(k)`: a checkpoint keeps the streams as they are before iteration k draws. */
  beforePrepare(k: number): void {
    if (this.checkpointing === 'sqrt' && k % this.segment === 0) {
      this.checkpoints.push(this.stepper.checkpoint(k));
      this.peakStoredStates = Math.max(this.peakStoredStates, this.checkpoints.length);
    }
  }

  /** Call after `stepper.prepare(k)`, before `advance()`: without checkpoints, the iterate and its inputs are kept. */
  afterPrepare(): void {
    if (this.checkpointing === 'none') this.keep();
  }

  /** The run stopped after `iterations` steps (a stopping rule met before t): the sweeps start there. */
  end(iterations: number): void {
    this.iterations = iterations;
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
   * The tape stays usable: stored iterates are kept, checkpointed segments are replayed.
   */
  pullback(cotangents: readonly Float64Array[]): Float64Array[] {
    const { stepper } = this;
    const S = stepper.program.stateSize;
    const P = stepper.kernels.parameters;
    const adjoints = cotangents.map((w) => Float64Array.from(w));
    const gradients = cotangents.map(() => new Float64Array(P));
    const out = new Float64Array(S + P);
    const none = new Float64Array(0);
    const theta = stepper.kernels.instance.theta;
    const sweep = (): void => {
      for (let k = this.states.length - 1; k >= 0; k--) {
        for (let j = 0; j < adjoints.length; j++) {
          stepper.program.reverse.run(this.states[k], theta, adjoints[j], none, this.batches[k], stepper.count, out, this.hypers[k]);
          adjoints[j].set(out.subarray(0, S));
          const g = gradients[j];
          for (let p = 0; p < P; p++) g[p] += out[S + p];
        }
      }
    };
    if (this.checkpointing === 'none') {
      sweep();
      return this.addStart(adjoints, gradients);
    }
    for (let c = this.checkpoints.length - 1; c >= 0; c--) {
      const checkpoint = this.checkpoints[c];
      stepper.restore(checkpoint);
      const end = Math.min(this.iterations, checkpoint.k + this.segment);
      for (let k = checkpoint.k; k < end; k++) {
        stepper.prepare(k);
        this.keep();
        stepper.advance();
      }
      this.peakStoredStates = Math.max(this.peakStoredStates, this.checkpoints.length + this.states.length);
      sweep();
      this.states.length = 0;
      this.batches.length = 0;
      this.hypers.length = 0;
    }
    return this.addStart(adjoints, gradients);
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

  private keep(): void {
    const { stepper } = this;
    this.states.push(Float64Array.from(stepper.s));
    this.batches.push(Int32Array.from(stepper.idx));
    this.hypers.push(Float64Array.from(stepper.h));
    if (this.checkpointing === 'none') this.peakStoredStates = this.states.length;
  }
}
