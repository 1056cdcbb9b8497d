/**
 * Draws the sample indices of a run: `batch` independent uniform outcomes per iteration from
 * the run's own stream. Its state can be saved and restored, so reverse mode can replay the
 * exact samples of a segment from a checkpoint instead of storing every index.
 */
import seedrandom from 'seedrandom';

/** A saved sampler position. */
export type SamplerState = seedrandom.State.Arc4;

/** Minibatch sampler with resumable state. */
export class Sampler {
  private rng: seedrandom.StatefulPRNG<seedrandom.State.Arc4>;

  /**
   * @param key - the stream key (e.g. `SEED/sample/i/run/R`)
   * @param outcomes - number of equally likely outcomes
   * @param batch - indices per draw
   */
  constructor(
    readonly key: string,
    readonly outcomes: number,
    readonly batch: number,
  ) {
    this.rng = seedrandom(key, { state: true });
  }

  /** The stream of run `run` of a problem whose sample is named `name`, for `seed`. */
  static forRun(seed: number, name: string, run: number, outcomes: number, batch: number): Sampler {
    return new Sampler(`${seed}/sample/${name}/run/${run}`, outcomes, batch);
  }

  /** Fills `into[0..batch)` with the next batch of indices (with replacement). */
  next(into: Int32Array): void {
    for (let q = 0; q < this.batch; q++) into[q] = Math.floor(this.rng.double() * this.outcomes);
  }

  /** The current position. */
  save(): SamplerState {
    return this.rng.state();
  }

  /** Returns to a saved position. */
  restore(state: SamplerState): void {
    this.rng = seedrandom('', { state });
  }
}
