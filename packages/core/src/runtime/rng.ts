/**
 * Reproducible random streams. Every declaration draws from its own seedrandom (ARC4) stream
 * keyed by the run's seed, the declaration's kind and its name, so adding or reordering
 * declarations never changes another tensor's values, and the same seed gives the same bits
 * on every machine. A stream's position can be saved and restored (reverse mode replays
 * segments of a run from checkpoints).
 */
import seedrandom from 'seedrandom';

/**
 * A saved stream position.
 * @category Problems and references
 */
export type StreamState = seedrandom.State.Arc4;

/**
 * A stream of uniform doubles in [0, 1) with the draws the runtime needs.
 * @category Problems and references
 */
export class RandomStream {
  private rng: seedrandom.StatefulPRNG<StreamState>;

  /** @param key - the stream's full key, e.g. `42/data/A` */
  constructor(readonly key: string) {
    this.rng = seedrandom(key, { state: true });
  }

  /** The stream of one declaration for a run seed. */
  static forDeclaration(seed: number, kind: string, name: string): RandomStream {
    return new RandomStream(`${seed}/${kind}/${name}`);
  }

  /** U[0, 1), with 53 random bits. */
  uniform(): number {
    return this.rng.double();
  }

  /** U[lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.rng.double();
  }

  /** A uniform integer in `0..n-1`. */
  index(n: number): number {
    return Math.floor(this.rng.double() * n);
  }

  /**
   * N(mean, sd²) by the Box–Muller transform, one normal per two uniforms (the sine half is
   * discarded so that each draw depends only on its own position in the stream).
   */
  normal(mean: number, sd: number): number {
    const u = 1 - this.rng.double(); // in (0, 1], so the log is finite
    const v = this.rng.double();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** The current position. */
  save(): StreamState {
    return this.rng.state();
  }

  /** Returns to a saved position. */
  restore(state: StreamState): void {
    this.rng = seedrandom('', { state });
  }
}
