/**
 * The documents `sgd run --out` writes: `result.json`, `trace.csv`, `instance.json`. Their
 * shapes are interfaces scripts rely on (docs/cli.md): extend, never change.
 */
import type { IterativeReference, Layout, RunReference } from '@sgdiff/core';
import { byName, record } from '../json.ts';
import { logLogSlope, type Aggregate } from './aggregate.ts';
import type { RunsSummary } from './run-fold.ts';
import type { RunSession } from './session.ts';

/**
 * `result.json`.
 * @category CLI
 */
export interface RunDocument {
  /** Steps of each run. */
  readonly iterations: number;
  /** Number of Monte Carlo runs. */
  readonly runs: number;
  /** The last iterate by var (mean over runs), entries flattened row-major. */
  readonly x: Record<string, number[]>;
  /** ∂θx at the last iterate (mean over runs), by var and param: rows entries of the var, columns entries of the param. */
  readonly jacobian?: Record<string, Record<string, number[][]>>;
  /** The references (fields by mode: see {@link ReferenceDocument}). */
  readonly reference: ReferenceDocument;
  /** Hypergradient estimates at the last iterate (mean over runs), by estimator and param (with an `outer` objective). */
  readonly hypergradient?: Record<string, Record<string, number[]>>;
  /**
   * The solver's reported quantities (its `report` nodes, e.g. the average x̄ of averaged SGD),
   * mean over runs: the value flattened row-major and, when tracked, ∂θ by param (rows entries
   * of the report, columns entries of the param). Absent when the solver reports nothing.
   */
  readonly reports?: Record<string, { readonly value: number[]; readonly jacobian?: Record<string, number[][]> }>;
  /** `track = implicit` through the step map's fixed point: the largest GMRES residual and condition estimate of I − ∂ₛΦ over runs. */
  readonly implicit?: { readonly residual: number; readonly condition: number };
  /**
   * With a solver's stopping rule (sinkhorn's `tolerance`): why the runs ended (`tolerance` when
   * every run reached it, else `iterations`), the last iteration (the largest over runs), the
   * quantity tested, its tolerance and its mean value there.
   */
  readonly stop?: { readonly reason: 'tolerance' | 'iterations'; readonly iteration: number; readonly quantity: string; readonly tolerance: number; readonly value: number };
  /** Each metric's mean over runs at the last recorded iteration. */
  readonly final: Record<string, number>;
  /** Each metric's fitted log–log slope over the last two decades of k (mean trace). */
  readonly slopes: Record<string, number>;
}

/**
 * `result.json`'s `reference`. The exact mode writes the fields it always wrote (no `mode`); the
 * iterative one omits `jacobian` and adds `mode` and `iterative` (Newton–CG, Lanczos, and the
 * directions the Jacobian error is measured along); reference = none writes `mode`, μ, L, κ.
 * @category CLI
 */
export type ReferenceDocument =
  | ExactReferenceDocument
  | IterativeReferenceDocument
  | SolverReferenceDocument
  | { readonly mode: 'none'; readonly mu: number; readonly L: number; readonly kappa: number; readonly warning?: string };

/**
 * `reference` with the exact reference (every example within the default budget).
 * @category CLI
 */
export interface ExactReferenceDocument {
  /** Absent: the exact mode writes what result.json always had. */
  readonly mode?: undefined;
  /** x* by var. */
  readonly x: Record<string, number[]>;
  /** ∂θx* by var and param. */
  readonly jacobian: Record<string, Record<string, number[][]>>;
  /** F(x*, θ). */
  readonly objective: number;
  /** μ at x₀. */
  readonly mu: number;
  /** L at x₀. */
  readonly L: number;
  /** κ = L/μ. */
  readonly kappa: number;
  /** True when x* is certified. */
  readonly certified: boolean;
  /** True when the Hessian at x* is singular: x* is one minimizer among many, `jacobian` the minimum-norm solution. */
  readonly singular: boolean;
  /** Why the reference is not certified, when it is not. */
  readonly warning?: string;
  /** The exact hypergradient g* by param (with an `outer` objective). */
  readonly hypergradient?: Record<string, number[]>;
}

/**
 * `reference` with the iterative reference: no dense `jacobian`, and how it was computed.
 * @category CLI
 */
export interface IterativeReferenceDocument extends Omit<ExactReferenceDocument, 'mode' | 'jacobian'> {
  /** Always `'iterative'`. */
  readonly mode: 'iterative';
  /** How the iterative reference was computed. */
  readonly iterative: IterativeDocument;
}

/**
 * `reference` computed by the solver itself (sinkhorn: a long log-domain run certified by its marginal violation).
 * @category CLI
 */
export interface SolverReferenceDocument extends Omit<ExactReferenceDocument, 'mode' | 'jacobian' | 'singular'> {
  /** Always `'solver'`. */
  readonly mode: 'solver';
  /** The solver that computed it. */
  readonly solver: string;
  /** Its certificate and measurements (sinkhorn: marginal_violation, tolerance, iterations, problems, transport_cost). */
  readonly certificate: Readonly<Record<string, number>>;
}

/**
 * The iterative reference's account of itself.
 * @category CLI
 */
export interface IterativeDocument {
  /** Newton–CG steps, Hessian–vector products, and ‖∇F(x*)‖/scale reached. */
  readonly newton: { readonly steps: number; readonly products: number; readonly relativeGradient: number };
  /** Lanczos at x₀ (μ, L) and at x* (the certificate): products, residual reached, converged. */
  readonly lanczos: IterativeReference['lanczos'];
  /** The directions J* is measured along for jacobian_error, when it is reported. */
  readonly jacobianDirections?: { readonly kind: 'unit' | 'gaussian'; readonly count: number; readonly how: string; readonly relativeResidual: number };
}

/**
 * A tangent-major Jacobian (P columns of length D) by var and param blocks.
 * @category CLI
 */
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

/** The solver's reports, mean over runs, with their Jacobians by param when every run has one. */
function reportsDocument(reports: NonNullable<RunsSummary['reports']>, params: Layout): RunDocument['reports'] {
  const out = record<{ value: number[]; jacobian?: Record<string, number[][]> }>();
  for (const [name, { value, jacobian }] of Object.entries(reports)) {
    const size = value.length;
    out[name] = {
      value: Array.from(value),
      ...(jacobian ? { jacobian: Object.fromEntries(params.entries.map((p) => [p.name, Array.from({ length: size }, (_, r) => Array.from({ length: p.size }, (_, c) => jacobian[(p.offset + c) * size + r]))])) } : {}),
    };
  }
  return out;
}

/**
 * Builds `result.json` from the runs (all completed, folded in run order) and their aggregate.
 * @category CLI
 */
export function runDocument(session: RunSession, runs: RunsSummary, aggregate: Aggregate, metrics: readonly string[]): RunDocument {
  const { varLayout, paramLayout } = session.kernels.instance;
  const { reference } = session;
  const last = aggregate.k.length - 1;
  const final = record<number>();
  const slopes = record<number>();
  for (const m of metrics) {
    final[m] = aggregate.metrics[m].mean[last];
    slopes[m] = logLogSlope(aggregate.k, aggregate.metrics[m].mean);
  }
  const hyper = session.hyper;
  const hypergradient = record<Record<string, number[]>>();
  for (const estimator of hyper?.chosen ?? []) {
    const mean = runs.hypergradients.get(estimator);
    if (mean) hypergradient[estimator] = byName(mean, paramLayout);
  }
  if (runs.sidFinal !== undefined) final.hypergradient_error_sid = runs.sidFinal;
  return {
    iterations: runs.iterations,
    runs: runs.runs,
    x: byName(runs.x, varLayout),
    ...(runs.jacobian ? { jacobian: jacobianBlocks(runs.jacobian, varLayout, paramLayout) } : {}),
    reference: referenceDocument(reference, session, hyper?.reference),
    ...(hyper ? { hypergradient } : {}),
    ...(runs.reports ? { reports: reportsDocument(runs.reports, paramLayout) } : {}),
    ...(runs.implicit ? { implicit: runs.implicit } : {}),
    ...stopDocument(session, runs),
    final,
    slopes,
  };
}

/** `result.json`'s `stop`, when the solver's options set a stopping rule. */
function stopDocument(session: RunSession, runs: RunsSummary): Pick<RunDocument, 'stop'> {
  const rule = session.settings.stop;
  if (!rule || !runs.stop) return {};
  return { stop: { reason: runs.stop.reason, iteration: runs.stop.iteration, quantity: rule.quantity, tolerance: rule.tolerance, value: runs.stop.value } };
}

/** `result.json`'s `reference` block for the session's mode. */
function referenceDocument(reference: RunReference, session: RunSession, hypergradient: Float64Array | undefined): ReferenceDocument {
  const { varLayout, paramLayout } = session.kernels.instance;
  const { mu, L, kappa } = reference;
  if (reference.mode === 'none') return { mode: 'none', mu, L, kappa, ...(reference.warning ? { warning: reference.warning } : {}) };
  if (reference.mode === 'solver') {
    return {
      mode: 'solver',
      solver: reference.solver,
      x: byName(reference.x, varLayout),
      objective: reference.objective,
      mu,
      L,
      kappa,
      certified: reference.certified,
      ...(reference.warning ? { warning: reference.warning } : {}),
      ...(hypergradient ? { hypergradient: byName(hypergradient, paramLayout) } : {}),
      certificate: reference.certificate,
    };
  }
  const common = {
    x: byName(reference.x, varLayout),
    objective: reference.objective,
    mu,
    L,
    kappa,
    certified: reference.certified,
    singular: reference.mode === 'exact' && reference.singular === true,
    ...(reference.warning ? { warning: reference.warning } : {}),
    ...(hypergradient ? { hypergradient: byName(hypergradient, paramLayout) } : {}),
  };
  if (reference.mode === 'exact') {
    // The field order every earlier result.json had: x, jacobian, objective, ...
    const { x, ...rest } = common;
    return { x, jacobian: jacobianBlocks(reference.jacobian, varLayout, paramLayout), ...rest };
  }
  const sketch = reference.jacobianSketch;
  const directions = sketch && {
    kind: sketch.kind,
    count: sketch.count,
    how:
      sketch.kind === 'unit'
        ? 'the unit vectors of θ: jacobian_error is ‖J − J*‖_F exactly'
        : 'standard normal vectors u_i of R^P from the run seed: jacobian_error is √(mean_i ‖(J − J*)u_i‖²), an unbiased estimate of ‖J − J*‖_F²',
    relativeResidual: sketch.relativeResidual,
  };
  const iterative: IterativeDocument = {
    newton: { steps: reference.newtonSteps, products: reference.cgProducts, relativeGradient: reference.relativeGradient },
    lanczos: reference.lanczos,
    ...(directions ? { jacobianDirections: directions } : {}),
  };
  return { mode: 'iterative', ...common, iterative };
}

/**
 * `trace.csv`: `k,<metric>...` (means); with several runs also `<metric>_q10,<metric>_median,<metric>_q90`.
 * @category CLI
 */
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
