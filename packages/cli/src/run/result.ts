/**
 * The documents `sgd run --out` writes: `result.json`, `trace.csv`, `instance.json`. Their
 * shapes are interfaces scripts rely on (docs/cli.md): extend, never change.
 */
import type { Layout } from '@sgdiff/core';
import { byName, record } from '../json.ts';
import { logLogSlope, type Aggregate } from './aggregate.ts';
import type { JobRunResult } from './job.ts';
import type { RunSession } from './session.ts';

/** `result.json`. */
export interface RunDocument {
  /** Steps of each run. */
  readonly iterations: number;
  /** Number of Monte Carlo runs. */
  readonly runs: number;
  /** The last iterate by var (mean over runs), entries flattened row-major. */
  readonly x: Record<string, number[]>;
  /** ∂θx at the last iterate (mean over runs), by var and param: rows entries of the var, columns entries of the param. */
  readonly jacobian?: Record<string, Record<string, number[][]>>;
  /** The exact references. */
  readonly reference: {
    readonly x: Record<string, number[]>;
    readonly jacobian: Record<string, Record<string, number[][]>>;
    readonly objective: number;
    readonly mu: number;
    readonly L: number;
    readonly kappa: number;
    readonly certified: boolean;
    /** True when the Hessian at x* is singular: x* is one minimizer among many, `jacobian` the minimum-norm solution. */
    readonly singular: boolean;
    /** Why the reference is not certified, when it is not. */
    readonly warning?: string;
    /** The exact hypergradient g* by param (with an `outer` objective). */
    readonly hypergradient?: Record<string, number[]>;
  };
  /** Hypergradient estimates at the last iterate (mean over runs), by estimator and param (with an `outer` objective). */
  readonly hypergradient?: Record<string, Record<string, number[]>>;
  /** Each metric's mean over runs at the last recorded iteration. */
  readonly final: Record<string, number>;
  /** Each metric's fitted log–log slope over the last two decades of k (mean trace). */
  readonly slopes: Record<string, number>;
}

/** A tangent-major Jacobian (P columns of length D) by var and param blocks. */
export function jacobianBlocks(jacobian: Float64Array, vars: Layout, params: Layout): Record<string, Record<string, number[][]>> {
  const D = vars.size;
  const out = record<Record<string, number[][]>>();
  for (const v of vars.entries) {
    out[v.name] = record<number[][]>();
    for (const p of params.entries) {
      out[v.name][p.name] = Array.from({ length: v.size }, (_, r) => Array.from({ length: p.size }, (_, c) => jacobian[(p.offset + c) * D + v.offset + r]));
    }
  }
  return out;
}

function mean(arrays: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(arrays[0].length);
  for (const a of arrays) for (let j = 0; j < a.length; j++) out[j] += a[j] / arrays.length;
  return out;
}

/** Builds `result.json` from the runs (all completed) and their aggregate. */
export function runDocument(session: RunSession, results: readonly JobRunResult[], aggregate: Aggregate, metrics: readonly string[]): RunDocument {
  const { varLayout, paramLayout } = session.kernels.instance;
  const { reference } = session;
  const last = aggregate.k.length - 1;
  const final = record<number>();
  const slopes = record<number>();
  for (const m of metrics) {
    final[m] = aggregate.metrics[m].mean[last];
    slopes[m] = logLogSlope(aggregate.k, aggregate.metrics[m].mean);
  }
  const jacobians = results.map((r) => r.jacobian).filter((j): j is Float64Array => j !== undefined);
  const hyper = session.hyper;
  const hypergradient = record<Record<string, number[]>>();
  for (const estimator of hyper?.chosen ?? []) {
    const estimates = results.map((r) => r.hypergradients?.[estimator]).filter((g): g is Float64Array => g !== undefined);
    if (estimates.length === results.length) hypergradient[estimator] = byName(mean(estimates), paramLayout);
  }
  const sidRuns = results.map((r) => r.sid).filter((s) => s !== undefined);
  if (sidRuns.length === results.length && sidRuns.length > 0) {
    final.hypergradient_error_sid = sidRuns.reduce((a, s) => a + s.error[s.error.length - 1], 0) / sidRuns.length;
  }
  return {
    iterations: results[0].iterations,
    runs: results.length,
    x: byName(mean(results.map((r) => r.x)), varLayout),
    ...(jacobians.length === results.length ? { jacobian: jacobianBlocks(mean(jacobians), varLayout, paramLayout) } : {}),
    reference: {
      x: byName(reference.x, varLayout),
      jacobian: jacobianBlocks(reference.jacobian, varLayout, paramLayout),
      objective: reference.objective,
      mu: reference.mu,
      L: reference.L,
      kappa: reference.kappa,
      certified: reference.certified,
      singular: reference.singular === true,
      ...(reference.warning ? { warning: reference.warning } : {}),
      ...(hyper ? { hypergradient: byName(hyper.reference, paramLayout) } : {}),
    },
    ...(hyper ? { hypergradient } : {}),
    final,
    slopes,
  };
}

/** `trace.csv`: `k,<metric>...` (means); with several runs also `<metric>_q10,<metric>_median,<metric>_q90`. */
export function traceCsv(aggregate: Aggregate, metrics: readonly string[]): string {
  const bands = aggregate.runs > 1;
  const header = ['k', ...metrics, ...(bands ? metrics.flatMap((m) => [`${m}_q10`, `${m}_median`, `${m}_q90`]) : [])];
  // Non-finite values (NaN, ±Infinity) are empty cells, as they are null in the JSON files.
  const num = (v: number): string => (Number.isFinite(v) ? String(v) : '');
  const rows = aggregate.k.map((k, j) => {
    const cells = [String(k), ...metrics.map((m) => num(aggregate.metrics[m].mean[j]))];
    if (bands) for (const m of metrics) cells.push(num(aggregate.metrics[m].q10[j]), num(aggregate.metrics[m].median[j]), num(aggregate.metrics[m].q90[j]));
    return cells.join(',');
  });
  return [header.join(','), ...rows].join('\n') + '\n';
}
