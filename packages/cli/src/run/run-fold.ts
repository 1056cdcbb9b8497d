/**
 * Monte Carlo results folded one run at a time, in run order, into what the outputs need (the
 * means of x, ∂θx, the hypergradients and the reports; the trace statistics), so a run's result
 * is dropped as soon as it is folded: memory does not grow with the number of runs but by one
 * scalar per run, record point and metric (the exact quantiles need them all). Folding in run
 * order adds the same numbers in the same order as summing over an array of every result did,
 * so the outputs are the same bits.
 */
import type { Estimator } from '@sgdiff/core';
import type { Aggregate, MetricBand } from './aggregate.ts';
import type { JobRunResult } from './job.ts';

/** The q-quantile of sorted values, by linear interpolation. */
function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return NaN;
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

/**
 * Aligned series of runs (`k` and one value per metric per recorded iteration; runs may stop
 * early) folded into per-iteration means and 10%, 50%, 90% quantiles. Means skip NaN entries;
 * the quantiles are exact: each recorded iteration keeps one float64 per run.
  * @category CLI
 */
export class SeriesFold {
  private longest: readonly number[] = [];
  private names: readonly string[] | undefined;
  /** Per metric, per recorded iteration: the sum and count of the finite-or-infinite (non-NaN) values so far, and every value by run. */
  private readonly columns = new Map<string, Array<{ sum: number; count: number; values: Float64Array }>>();
  private added = 0;

  /** @param runs - how many runs will be added (the length of each per-iteration column) */
  constructor(private readonly runs: number) {}

  /** Adds the next run's series (runs come in run order). */
  add(k: readonly number[], series: Readonly<Record<string, readonly number[]>>): void {
    if (this.added >= this.runs) throw new Error(`internal error: more than the ${this.runs} runs announced`);
    if (k.length > this.longest.length) this.longest = [...k];
    this.names ??= Object.keys(series);
    for (const name of this.names) {
      let column = this.columns.get(name);
      if (!column) this.columns.set(name, (column = []));
      const values = series[name] ?? [];
      for (let j = 0; j < values.length; j++) {
        while (column.length <= j) column.push({ sum: 0, count: 0, values: new Float64Array(this.runs).fill(NaN) });
        const v = values[j];
        if (v === undefined || Number.isNaN(v)) continue;
        const cell = column[j];
        cell.sum += v;
        cell.count++;
        cell.values[this.added] = v;
      }
    }
    this.added++;
  }

  /** The statistics of every run added. */
  result(): Aggregate {
    const band = (name: string): MetricBand => {
      const out: MetricBand = { mean: [], q10: [], median: [], q90: [] };
      const column = this.columns.get(name) ?? [];
      for (let j = 0; j < this.longest.length; j++) {
        const cell = column[j];
        const sorted = cell ? cell.values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b) : new Float64Array(0);
        out.mean.push(cell && cell.count > 0 ? cell.sum / cell.count : NaN);
        out.q10.push(quantile(sorted, 0.1));
        out.median.push(quantile(sorted, 0.5));
        out.q90.push(quantile(sorted, 0.9));
      }
      return out;
    };
    return { k: [...this.longest], runs: this.added, metrics: Object.fromEntries((this.names ?? []).map((m) => [m, band(m)])) };
  }
}

/** A running mean over a known number of runs, added in run order: Σ a_r / R, as `mean` of an array computed it. */
class MeanFold {
  private sum: Float64Array | undefined;
  private count = 0;

  constructor(private readonly runs: number) {}

  add(a: Float64Array | undefined): void {
    if (!a) return;
    this.sum ??= new Float64Array(a.length);
    for (let j = 0; j < a.length; j++) this.sum[j] += a[j] / this.runs;
    this.count++;
  }

  /** The mean, when every run gave a value. */
  complete(): Float64Array | undefined {
    return this.count === this.runs ? this.sum : undefined;
  }
}

/**
 * What result.json needs from the runs, once all are folded.
 * @category CLI
 */
export interface RunsSummary {
  /** Runs folded. */
  readonly runs: number;
  /** Steps of the first run. */
  readonly iterations: number;
  /** Mean last iterate. */
  readonly x: Float64Array;
  /** Mean ∂θx_t, when every run has one. */
  readonly jacobian?: Float64Array;
  /** Mean hypergradient per estimator, for the estimators every run has. */
  readonly hypergradients: ReadonlyMap<Estimator, Float64Array>;
  /** The solver's reports: mean value and, when every run has it, mean Jacobian (absent when the first run has none). */
  readonly reports?: Readonly<Record<string, { readonly value: Float64Array; readonly jacobian?: Float64Array }>>;
  /** The largest implicit-solve residual and condition over the runs that had one. */
  readonly implicit?: { readonly residual: number; readonly condition: number };
  /** SID's mean last error, when every run ran SID. */
  readonly sidFinal?: number;
  /**
   * With a stopping rule, when every run reports where it ended: `tolerance` when all met it,
   * the latest iteration, and the mean measure there.
   */
  readonly stop?: { readonly reason: 'tolerance' | 'iterations'; readonly iteration: number; readonly value: number };
}

/**
 * The trace, SID trace and result.json summary of R runs, folded one at a time in run order.
 * @category CLI
 */
export class MonteCarloFold {
  /** The metric traces. */
  readonly trace: SeriesFold;
  private readonly sid: SeriesFold;
  private sidRuns = 0;
  private sidSum = 0;
  private readonly x: MeanFold;
  private readonly jacobian: MeanFold;
  private readonly hypergradients = new Map<Estimator, MeanFold>();
  private reports: Map<string, { value: MeanFold; jacobian: MeanFold }> | undefined;
  private implicit: { residual: number; condition: number } | undefined;
  private iterations = 0;
  private count = 0;
  private readonly stops = { count: 0, tolerance: true, iteration: 0, valueSum: 0 };
  /** The first run (in run order) that diverged, with its index. */
  firstDivergence: { readonly run: number; readonly result: JobRunResult } | undefined;

  /** @param runs - the number of runs that will be folded */
  constructor(private readonly runs: number) {
    this.trace = new SeriesFold(runs);
    this.sid = new SeriesFold(runs);
    this.x = new MeanFold(runs);
    this.jacobian = new MeanFold(runs);
  }

  /** Runs folded so far. */
  get folded(): number {
    return this.count;
  }

  /** Folds the next run's result (runs must come in order 0, 1, ...). */
  add(result: JobRunResult): void {
    const run = this.count++;
    if (run === 0) this.iterations = result.iterations;
    if (result.divergence && !this.firstDivergence) this.firstDivergence = { run, result };
    this.trace.add(result.trace.k, result.trace.metrics);
    this.x.add(result.x);
    this.jacobian.add(result.jacobian);
    for (const [estimator, g] of Object.entries(result.hypergradients ?? {}) as Array<[Estimator, Float64Array]>) {
      let fold = this.hypergradients.get(estimator);
      if (!fold) this.hypergradients.set(estimator, (fold = new MeanFold(this.runs)));
      fold.add(g);
    }
    if (run === 0 && result.reports) this.reports = new Map(Object.keys(result.reports).map((name) => [name, { value: new MeanFold(this.runs), jacobian: new MeanFold(this.runs) }]));
    for (const [name, fold] of this.reports ?? []) {
      fold.value.add(result.reports?.[name]?.value);
      fold.jacobian.add(result.reports?.[name]?.jacobian);
    }
    if (result.implicitSolve) {
      const { residual, condition } = result.implicitSolve;
      this.implicit = this.implicit ? { residual: Math.max(this.implicit.residual, residual), condition: Math.max(this.implicit.condition, condition) } : { residual, condition };
    }
    if (result.stop) {
      this.stops.count++;
      this.stops.tolerance &&= result.stop.reason === 'tolerance';
      this.stops.iteration = Math.max(this.stops.iteration, result.stop.iteration);
      this.stops.valueSum += result.stop.value;
    }
    if (result.sid) {
      this.sid.add(result.sid.k, { sid: result.sid.error });
      this.sidSum += result.sid.error[result.sid.error.length - 1];
      this.sidRuns++;
    }
  }

  /** SID's error trace over the runs (under the column name `column`), when SID ran. */
  sidAggregate(column: string): Aggregate | undefined {
    if (this.sidRuns === 0) return undefined;
    const { k, runs, metrics } = this.sid.result();
    return { k, runs, metrics: { [column]: metrics.sid } };
  }

  /** What result.json needs. */
  summary(): RunsSummary {
    const hypergradients = new Map<Estimator, Float64Array>();
    for (const [estimator, fold] of this.hypergradients) {
      const mean = fold.complete();
      if (mean) hypergradients.set(estimator, mean);
    }
    const reports = this.reports && Object.fromEntries([...this.reports].map(([name, fold]) => [name, { value: fold.value.complete() as Float64Array, ...(fold.jacobian.complete() ? { jacobian: fold.jacobian.complete() } : {}) }]));
    const jacobian = this.jacobian.complete();
    return {
      runs: this.count,
      iterations: this.iterations,
      x: this.x.complete() as Float64Array,
      ...(jacobian ? { jacobian } : {}),
      hypergradients,
      ...(reports ? { reports } : {}),
      ...(this.implicit ? { implicit: this.implicit } : {}),
      ...(this.sidRuns === this.count && this.sidRuns > 0 ? { sidFinal: this.sidSum / this.sidRuns } : {}),
      ...(this.stops.count === this.count && this.count > 0
        ? { stop: { reason: this.stops.tolerance ? 'tolerance' : 'iterations', iteration: this.stops.iteration, value: this.stops.valueSum / this.stops.count } }
        : {}),
    };
  }
}

/**
 * Folds an array of results (a sweep cell's), in order.
 * @category CLI
 */
export function foldRuns(results: readonly JobRunResult[]): MonteCarloFold {
  const fold = new MonteCarloFold(results.length);
  for (const result of results) fold.add(result);
  return fold;
}
