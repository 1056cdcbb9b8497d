/**
 * Forward derivative tracking, the SGD′ recursion J_{k+1} = ∂ₛΦ·J_k + ∂θΦ from J₀ = ∂θs₀
 * (zero unless a solver state starts at an expression of θ). The Jacobian is stored
 * tangent-major: column p (∂s/∂θ_p) is contiguous, and two buffers alternate so nothing is
 * copied or allocated. On WebAssembly both buffers, the direction and the scratch of the forward
 * kernel's all-directions variant live in the run's memory, next to the state, and a step is one
 * call of that variant over a range of directions (what does not depend on the direction computed
 * once): over all of them, or over [0, half) while a second thread takes the rest
 * (`forward-threads.ts`). On JavaScript a step calls the forward kernel once per direction.
 */
import type { DirectionOffsetKernel } from '../codegen/compile.ts';
import { RunBuffers } from '../codegen/run-buffers.ts';
import { forwardSplit, type ForwardSplit, type ForwardThreads } from './forward-threads.ts';
import type { Stepper } from './stepper.ts';

/**
 * ∂θs_k for a run.
 * @category Solvers and tracking
 */
export class ForwardTracker {
  private current: Float64Array;
  private next: Float64Array;
  private currentColumns: Float64Array[];
  private nextColumns: Float64Array[];
  private readonly direction: Float64Array;
  /** On WebAssembly: the all-directions forward kernel by byte offsets, where J_k and J_{k+1} start, the direction and the call's scratch. */
  private readonly direct?: { readonly forward: DirectionOffsetKernel; current: number; next: number; readonly direction: number; readonly scratch: number };
  /** On WebAssembly with two threads: how steps are split with the worker thread computing columns [half, P). */
  readonly split?: ForwardSplit;
  /** `columnsByOffsets` over a range, bound once (the split hands back the chunks the worker has not taken). */
  private readonly columnRange: (from: number, to: number) => void = (from, to) => this.columnsByOffsets(this.direct!, from, to);

  /**
   * @param stepper - the run whose iterates are differentiated, at its start s₀ (J₀ = ∂θs₀)
   * @param threads - 1, 2, or 0 (auto, by the work per step); default: the run's `threads` option (`setForwardThreads`)
   */
  constructor(
    private readonly stepper: Stepper,
    threads?: ForwardThreads,
  ) {
    const S = stepper.program.stateSize;
    const P = stepper.kernels.parameters;
    const buffers = new RunBuffers(stepper.program.forward);
    this.current = buffers.float64(S * P);
    this.next = buffers.float64(S * P);
    const columns = (m: Float64Array): Float64Array[] => Array.from({ length: P }, (_, p) => m.subarray(p * S, (p + 1) * S));
    this.currentColumns = columns(this.current);
    this.nextColumns = columns(this.next);
    this.direction = buffers.float64(P);
    const directions = stepper.program.forward.directions;
    if (directions?.direct) {
      const scratch = directions.scratchBytes > 0 ? buffers.float64(directions.scratchBytes / 8).byteOffset : 0;
      this.direct = { forward: directions.direct, current: this.current.byteOffset, next: this.next.byteOffset, direction: this.direction.byteOffset, scratch };
      this.split = forwardSplit(stepper.program.forward, P, stepper.count, threads);
    }
    if (stepper.program.initDependsOnTheta) {
      const { theta } = stepper;
      const { x0 } = stepper.kernels.instance;
      const none = new Float64Array(0);
      for (let p = 0; p < P; p++) {
        this.direction[p] = 1;
        stepper.program.initForward.run(x0, theta, none, this.direction, new Int32Array(0), 0, this.currentColumns[p], none);
        this.direction[p] = 0;
      }
    }
  }

  /** J_k ← J_{k+1}, for the iteration the stepper has prepared (call before `stepper.advance()`). */
  update(): void {
    if (this.direct) return this.updateByOffsets(this.direct);
    const { stepper } = this;
    const run = stepper.program.forward.run;
    const theta = stepper.theta;
    for (let p = 0; p < this.currentColumns.length; p++) {
      this.direction[p] = 1;
      run(stepper.s, theta, this.currentColumns[p], this.direction, stepper.idx, stepper.count, this.nextColumns[p], stepper.h);
      this.direction[p] = 0;
    }
    [this.current, this.next] = [this.next, this.current];
    [this.currentColumns, this.nextColumns] = [this.nextColumns, this.currentColumns];
  }

  /** `update` on WebAssembly: columns [0, half) here and [half, P) shared with the worker when there is one, else all here. */
  private updateByOffsets(direct: NonNullable<ForwardTracker['direct']>): void {
    const { stepper, split } = this;
    const { s, theta, idx, h } = stepper.offsets();
    if (split?.begin(s, theta, idx, stepper.count, h, direct.current, direct.next)) {
      this.columnsByOffsets(direct, 0, split.half);
      split.finish(this.columnRange);
    } else this.columnsByOffsets(direct, 0, this.direction.length);
    [this.current, this.next] = [this.next, this.current];
    [this.currentColumns, this.nextColumns] = [this.nextColumns, this.currentColumns];
    [direct.current, direct.next] = [direct.next, direct.current];
  }

  /** J_{k+1} columns [from, to) on WebAssembly, in one call (the worker calls its copy over its chunks). */
  private columnsByOffsets(direct: NonNullable<ForwardTracker['direct']>, from: number, to: number): void {
    const { s, theta, idx, h } = this.stepper.offsets();
    direct.forward(s, theta, direct.current, direct.direction, idx, this.stepper.count, direct.next, h, from, to, direct.scratch);
  }


  /** ∂θx_k (the var rows of J_k), tangent-major: P columns of length D. */
  jacobian(): Float64Array {
    const D = this.stepper.kernels.dimension;
    const out = new Float64Array(D * this.currentColumns.length);
    this.currentColumns.forEach((column, p) => out.set(column.subarray(0, D), p * D));
    return out;
  }

  /** ∂θs_k, all the state's rows (tangent-major: P columns of length stateSize), a copy. */
  stateJacobian(): Float64Array {
    return Float64Array.from(this.current);
  }

  /** Sets ∂θs to a value {@link ForwardTracker.stateJacobian} returned (resuming a checkpointed run). */
  restore(stateJacobian: Float64Array): void {
    this.current.set(stateJacobian);
  }

  /** ‖∂θx_k − reference‖_F without copying (reference tangent-major, P columns of length D). */
  distanceTo(reference: Float64Array): number {
    const D = this.stepper.kernels.dimension;
    let s = 0;
    for (let p = 0; p < this.currentColumns.length; p++) {
      const column = this.currentColumns[p];
      for (let j = 0; j < D; j++) {
        const e = column[j] - reference[p * D + j];
        s += e * e;
      }
    }
    return Math.sqrt(s);
  }
}
