/** Monte Carlo statistics of traces: per recorded iteration, the mean and the 10%, 50%, 90% quantiles of each metric. */
import type { RunResult } from '@sgdiff/core';
import { SeriesFold } from './run-fold.ts';

/**
 * Statistics of one metric, aligned with the recorded iterations.
 * @category CLI
 */
export interface MetricBand {
  /** Mean over the runs (NaN entries left out). */
  readonly mean: number[];
  /** 10% quantile. */
  readonly q10: number[];
  /** Median. */
  readonly median: number[];
  /** 90% quantile. */
  readonly q90: number[];
}

/**
 * Aggregated traces.
 * @category CLI
 */
export interface Aggregate {
  /** Recorded iterations (those of the longest run). */
  readonly k: number[];
  /** Bands per metric (every metric the runs recorded). */
  readonly metrics: Record<string, MetricBand>;
  /** Number of runs aggregated. */
  readonly runs: number;
}

/**
 * Aggregates run traces in run order (so the statistics do not depend on which thread ran what).
 * @category CLI
 */
export function aggregate(results: readonly RunResult[]): Aggregate {
  return aggregateSeries(
    results.map((r) => r.trace.k),
    results.map((r) => r.trace.metrics),
  );
}

/**
 * Aggregates aligned series: `k[r]` and `series[r][metric]` of each run r (runs may stop early); see {@link SeriesFold}.
 * @category CLI
 */
export function aggregateSeries(k: readonly number[][], series: ReadonlyArray<Record<string, number[]>>): Aggregate {
  const fold = new SeriesFold(series.length);
  series.forEach((s, r) => fold.add(k[r], s));
  return fold.result();
}

/**
 * The least-squares slope of log(value) against log(k) over the last two decades of k
 * (k ≥ k_max/100), using positive finite values; NaN with fewer than three such points.
 * @category CLI
 */
export function logLogSlope(k: readonly number[], values: readonly number[]): number {
  const kmax = k[k.length - 1];
  const xs: number[] = [];
  const ys: number[] = [];
  k.forEach((kj, j) => {
    const v = values[j];
    if (kj > 0 && kj >= kmax / 100 && Number.isFinite(v) && v > 0) {
      xs.push(Math.log(kj));
      ys.push(Math.log(v));
    }
  });
  return xs.length < 3 ? NaN : leastSquaresSlope(xs, ys);
}

/**
 * The slope of the least-squares line through the points (xs[j], ys[j]).
 * @category CLI
 */
export function leastSquaresSlope(xs: readonly number[], ys: readonly number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0; j < xs.length; j++) {
    sxy += (xs[j] - mx) * (ys[j] - my);
    sxx += (xs[j] - mx) ** 2;
  }
  return sxy / sxx;
}
