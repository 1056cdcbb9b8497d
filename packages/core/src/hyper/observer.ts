/**
 * Hypergradient errors along a run: at each record point, ‖g_i(x_k) − g*‖ for the chosen
 * estimators among g1 (analytic), g2 (automatic, from the forward Jacobian; with reverse
 * tracking only at the end, by one pullback of ∇ₓE), g3 (implicit: through the solver's own
 * fixed point when its step map is not a plain gradient step). The final estimates are
 * kept for `result.json`.
 */
import { distance } from '../linalg/vector.ts';
import type { RunObserver, RunView } from '../solver/run.ts';
import type { ReverseTape } from '../solver/reverse.ts';
import type { Estimator, HypergradientEstimators } from './estimators.ts';

/** The trace column of an estimator's error. */
export function errorMetric(estimator: Estimator): string {
  return `hypergradient_error_${estimator}`;
}

/** A run observer for the non-SID estimators, remembering their values at the last record point. */
export class HypergradientObserver implements RunObserver {
  /** Trace columns, one per estimator. */
  readonly metrics: readonly string[];
  /** The estimates at the last record point (at the end of the run: at x_t). */
  readonly last = new Map<Estimator, Float64Array>();
  /** The errors of the last record point and its k, which `finish` reuses at the same k for all but reverse-mode g2. */
  private lastErrors: number[] = [];
  private lastK = -1;

  /**
   * @param estimators - the evaluators bound to the problem instance
   * @param chosen - which estimators to follow (`sid` is computed after the run, not here)
   * @param reference - g*, the exact hypergradient
   */
  constructor(
    private readonly estimators: HypergradientEstimators,
    readonly chosen: readonly Exclude<Estimator, 'sid'>[],
    private readonly reference: Float64Array,
  ) {
    this.metrics = chosen.map(errorMetric);
  }

  /** Errors at a record point (g2 needs the forward Jacobian; NaN without it). */
  record(view: RunView): number[] {
    this.lastK = view.k;
    this.lastErrors = this.chosen.map((e) => {
      const g = this.estimate(e, view);
      if (g) this.last.set(e, g);
      return g ? distance(g, this.reference) : NaN;
    });
    return this.lastErrors;
  }

  /**
   * Errors at x_t, with g2 from the reverse tape when there is one (one pullback of ∇ₓE). The
   * other estimates are those of the last record point when it was x_t (`runSolver` records
   * there), and are computed here otherwise.
   */
  finish(view: RunView & { readonly tape?: ReverseTape }): number[] {
    const recorded = this.lastK === view.k;
    return this.chosen.map((e, j) => {
      if (recorded && (e !== 'automatic' || !view.tape)) return this.lastErrors[j];
      let g: Float64Array | undefined;
      if (e === 'automatic' && view.tape) {
        const w = new Float64Array(view.tape.stateSize);
        w.set(this.estimators.outerGradientX(view.x));
        g = this.estimators.automaticFromPullback(view.x, view.tape.pullback([w])[0]);
      } else g = this.estimate(e, view);
      if (g) this.last.set(e, g);
      return g ? distance(g, this.reference) : NaN;
    });
  }

  private estimate(e: Exclude<Estimator, 'sid'>, view: RunView): Float64Array | undefined {
    switch (e) {
      case 'analytic':
        return this.estimators.analytic(view.x);
      case 'implicit':
        return view.fixedPoint ? this.estimators.implicitAtFixedPoint(view.fixedPoint()) : this.estimators.implicit(view.x);
      case 'automatic': {
        const jacobian = view.forward?.jacobian();
        return jacobian && this.estimators.automatic(view.x, jacobian);
      }
    }
  }
}
