/**
 * Hypergradient estimates along a run: at each record point, the chosen estimators among g1
 * (analytic), g2 (automatic, from the forward Jacobian; with reverse tracking only at the end,
 * by one pullback of ∇ₓE), g3 (implicit: through the solver's own fixed point when its step map
 * is not a plain gradient step). The `hypergradient_error` metric reads them (and g*) through
 * {@link HypergradientObserver.hypergradients}; the final estimates are kept for `result.json`.
 */
import type { MetricPoint } from '../plugin/contracts.ts';
import type { RunObserver, RunView } from '../solver/run.ts';
import type { ReverseTape } from '../solver/reverse.ts';
import type { Estimator, HypergradientEstimators } from './estimators.ts';

/**
 * The trace column of an estimator's error.
 * @category Hypergradients
 */
export function errorMetric(estimator: Estimator): string {
  return `hypergradient_error_${estimator}`;
}

/**
 * A run observer computing the non-SID estimates (it adds no column: the `hypergradient_error` metric does).
 * @category Hypergradients
 */
export class HypergradientObserver implements RunObserver {
  /** No columns of its own. */
  readonly metrics: readonly string[] = [];
  /** The estimates at the last record point (at the end of the run: at x_t); absent where not available. */
  readonly last = new Map<Estimator, Float64Array>();
  /** What metrics read: the estimates at the current record point and g*. */
  readonly hypergradients: NonNullable<MetricPoint['hypergradients']>;
  private lastK = -1;

  /**
   * @param estimators - the evaluators bound to the problem instance
   * @param chosen - which estimators to follow (`sid` is computed after the run, not here)
   * @param exact - g*, the exact hypergradient, when the reference gives it
   */
  constructor(
    private readonly estimators: HypergradientEstimators,
    readonly chosen: readonly Exclude<Estimator, 'sid'>[],
    exact?: Float64Array,
  ) {
    this.hypergradients = { estimates: this.last, ...(exact ? { exact } : {}) };
  }

  /** Estimates at a record point (g2 needs the forward Jacobian; absent without it). */
  record(view: RunView): number[] {
    this.lastK = view.k;
    for (const e of this.chosen) this.keep(e, this.estimate(e, view));
    return [];
  }

  /**
   * Estimates at x_t, with g2 from the reverse tape when there is one (one pullback of ∇ₓE). The
   * other estimates are those of the last record point when it was x_t (`runSolver` records
   * there), and are computed here otherwise.
   */
  finish(view: RunView & { readonly tape?: ReverseTape }): number[] {
    const recorded = this.lastK === view.k;
    for (const e of this.chosen) {
      if (recorded && (e !== 'automatic' || !view.tape)) continue;
      if (e === 'automatic' && view.tape) {
        const w = new Float64Array(view.tape.stateSize);
        w.set(this.estimators.outerGradientX(view.x));
        this.keep(e, this.estimators.automaticFromPullback(view.x, view.tape.pullback([w])[0]));
      } else this.keep(e, this.estimate(e, view));
    }
    return [];
  }

  private keep(e: Estimator, g: Float64Array | undefined): void {
    if (g) this.last.set(e, g);
    else this.last.delete(e);
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
