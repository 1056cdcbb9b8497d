/**
 * Reproducible random streams. Every declaration draws from its own seedrandom (ARC4) stream
 * keyed by the run's seed, the declaration's kind and its name, so adding or reordering
 * declarations never changes another tensor's values, and the same seed gives the same bits
 * on every machine.
 */
import seedrandom from 'seedrandom';

/** A stream of uniform doubles in [0, 1) with the draws the runtime needs. */
export class RandomStream {
  private readonly next: () => number;

  /** @param key - the stream's full key, e.g. `42/data/A` */
  constructor(readonly key: string) {
    // double() gives 53 random bits, not the default 32.
    const rng = seedrandom(key);
    this.next = () => rng.double();
  }

  /** The stream of one declaration for a run seed. */
  static forDeclaration(seed: number, kind: string, name: string): RandomStream {
    return new RandomStream(`${seed}/${kind}/${name}`);
  }

  /** U[0, 1). */
  uniform(): number {
    return this.next();
  }

  /** U[lo, hi). */
  uniformIn(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** A uniform integer in `0..n-1`. */
  index(n: number): number {
    return Math.floor(this.next() * n);
  }

  /**
   * N(mean, sd²) by the Box–Muller transform, one normal per two uniforms (the sine half is
   * discarded so that each draw depends only on its own position in the stream).
   */
  normal(mean: number, sd: number): number {
    const u = 1 - this.next(); // in (0, 1], so the log is finite
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
