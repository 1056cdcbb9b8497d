/** Typed contracts of the metric and outer-solver plugin kinds. */
import type { ProblemKernels } from '../derive/kernels.ts';
import type { Problem } from '../problem/problem.ts';
import type { OptionSpec } from './options.ts';
import type { ReferenceLevel, RunReference } from '../reference/run-reference.ts';

/**
 * A metric's name and description (what `sgd plugins` and the checker read).
 * @category Plugins
 */
export interface MetricSpec {
  /** The name written in `report { ... }`. */
  readonly name: string;
  /** What it measures, for the reference. */
  readonly doc: string;
}

/**
 * What a metric needs to be computed. The run leaves a metric out of the trace, with one
 * warning, when its needs are not met: it is never computed against a missing reference.
 * @category Plugins
 */
export interface MetricNeeds {
  /** The reference it compares against: x* and F* (`point`), or ∂θx* too (`jacobian`). */
  readonly reference?: ReferenceLevel;
  /** True when it reads ∂θx_k (the run must track it: `track` other than none). */
  readonly jacobian?: boolean;
  /** True when it needs an `outer` objective (and, with `reference`, the exact hypergradient g*). */
  readonly outer?: boolean;
  /** The solver whose problems it measures (e.g. `sinkhorn`): in the default set only of that solver's runs; a report line may still name it. */
  readonly solver?: string;
  /** When given, why the problem does not fit the metric (e.g. a declaration it reads is missing), or undefined when it does. */
  readonly problem?: (problem: Problem) => string | undefined;
}

/**
 * What a metric sees at one record point of one run.
 * @category Plugins
 */
export interface MetricPoint {
  /** The iteration k. */
  readonly k: number;
  /** x_k (a view: copy it to keep it). */
  readonly x: Float64Array;
  /** θ. */
  readonly theta: Float64Array;
  /** ∇ₓF(x_k, θ), computed once per record point for every metric. */
  readonly gradient: Float64Array;
  /** The step size η_k of the solver (NaN when it has none). */
  readonly step: number;
  /** The problem's kernels (F, its derivatives, Hessian–vector products). */
  readonly kernels: ProblemKernels;
  /** What the run knows before it starts (the chosen estimators, which `columns` also read). */
  readonly info: MetricRunInfo;
  /** The reference (its mode says what it holds; `needs.reference` guarantees the level asked). */
  readonly reference: RunReference;
  /** ∂θx_k, tangent-major (P columns of length D), when tracked and available at this k; computed on first use. */
  jacobian(): Float64Array | undefined;
  /** The hypergradient estimates at x_k by estimator, and g* (with an `outer` objective and a reference). */
  readonly hypergradients?: { readonly estimates: ReadonlyMap<string, Float64Array>; readonly exact?: Float64Array };
}

/**
 * What a metric knows about the run before it starts, to name its columns.
 * @category Plugins
 */
export interface MetricRunInfo {
  /** The hypergradient estimators chosen (with an `outer` objective), in the order written. */
  readonly estimators: readonly string[];
}

/**
 * A metric a `report` line may ask for: its name and doc, what it needs, and how it computes
 * its value at a record point. Registered on the `METRICS` token; the run loop asks the registry.
 * @category Plugins
 */
export interface MetricPlugin extends MetricSpec {
  /** What it needs (nothing: it is always computed). */
  readonly needs: MetricNeeds;
  /** Its trace columns (default: one, named after the metric), e.g. one per estimator. */
  columns?(info: MetricRunInfo): readonly string[];
  /** Its value(s) at a record point, one per column (NaN where not available at this k). */
  compute(point: MetricPoint): number | readonly number[];
}

/**
 * The outer iteration's step on θ: its state lives in the closure {@link OuterSolverPlugin.init} returns.
 * @category Plugins
 */
export interface OuterUpdate {
  /**
   * Moves θ in place given the hypergradient estimate g at θ and the step η_m of outer
   * iteration m.
   */
  update(theta: Float64Array, gradient: Float64Array, step: number, m: number): void;
}

/**
 * An outer solver usable in `outer_solve NAME { ... }`: an init/update pair.
 * @category Plugins
 */
export interface OuterSolverPlugin {
  /** The name written after `outer_solve`. */
  readonly name: string;
  /** One sentence for the reference and `sgd plugins`. */
  readonly doc: string;
  /** Its options (every outer solver has `iterations` and `step`, an expression of m). */
  readonly options: readonly OptionSpec[];
  /**
   * Checks θ₀ and prepares the solver's state; returns why it cannot start as a string that
   * follows `outer_solve NAME ` in the message (e.g. `needs θ with positive entries at the
   * start`), or the update.
   */
  init(theta: Float64Array): OuterUpdate | string;
}
