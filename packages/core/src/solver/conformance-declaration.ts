/**
 * What a solver plugin declares to the conformance suite (in the spirit of MathOptInterface's
 * test configuration): the checks or problems it does not support, the values its own
 * expression options take in the suite, and the rate it promises on the suite's quadratic, so
 * that a method that converges to the right point at the wrong speed (a flipped momentum sign)
 * fails.
 */
import type { IRBuilder } from '../ir/builder.ts';
import type { Node } from '../ir/node.ts';
import type { Conditioning } from '../reference/reference.ts';

/**
 * The scalar IR inputs an expression option may use, as `lowerSolve` in the DSL makes them (every schedule variable is present; these four always are).
 * @category Plugins
 */
export type ScheduleVariables = Readonly<Record<'k' | 'mu' | 'L' | 'kappa', Node>>;

/**
 * The value the suite gives an `expression` option: its text (for `options`) and its IR.
 * @category Plugins
 */
export interface ScheduleChoice {
  /** Source-like text, handed to the solver as the option's value and shown in details. */
  readonly text: string;
  /** Builds the expression with the problem's builder over the schedule variables. */
  build(b: IRBuilder, v: ScheduleVariables): Node;
}

/**
 * Values for expression options, by option name.
 * @category Plugins
 */
export type ScheduleChoices = Readonly<Record<string, ScheduleChoice>>;

/**
 * The suite's problems.
 * @category Plugins
 */
export type ConformanceProblemName =
  /** A ridge least squares with a sample, two vars of different shapes, θ ∈ R^8: F quadratic, x* unique. */
  | 'quadratic'
  /** A ridge logistic regression with soft labels θ: F smooth and strongly convex, not quadratic. */
  | 'logistic'
  /**
   * A least squares whose two scalar offsets enter only through their sum (a gauge freedom, as
   * Sinkhorn's potentials have): x* is not unique and I − ∂ₛΦ is singular at every fixed point.
   */
  | 'gauge';

/**
 * One exclusion: a check (by its key in `CONFORMANCE_CHECKS`), a problem, or a check on one problem.
 * @category Plugins
 */
export interface ConformanceExclusion {
  /** The check's key, e.g. `convergence`; absent: every check of `problem`. */
  readonly check?: string;
  /** The problem; absent: `check` on every problem. */
  readonly problem?: ConformanceProblemName;
  /** Why the solver does not support it (shown in the report). */
  readonly reason: string;
}

/**
 * A linear rate the method promises on the suite's quadratic, full batch.
 * @category Plugins
 */
export interface ExpectedRate {
  /** The promised factor as text, e.g. `1 - 1/sqrt(kappa)`. */
  readonly text: string;
  /** The factor ρ < 1 per iteration of ‖x_k − x*‖, from μ, L, κ of the quadratic. */
  factor(conditioning: Conditioning): number;
  /** The values of the solver's expression options in the rate run (e.g. `step` and `momentum`). */
  readonly schedules: ScheduleChoices;
}

/**
 * A solver's declarations to the conformance suite.
 * @category Plugins
 */
export interface ConformanceDeclaration {
  /** Checks or problems the solver does not support; they are reported `excluded`, with the reason. */
  readonly excludes?: readonly ConformanceExclusion[];
  /**
   * Values of the solver's own expression options in the suite, over the suite's defaults:
   * `deterministic` for the fixed-point and convergence checks (default: the constant 0 for
   * options other than `step`), `tracked` for the tracked runs (default `1 / (k + 1)`).
   */
  readonly schedules?: {
    /** For the fixed-point, convergence and implicit checks. */
    readonly deterministic?: ScheduleChoices;
    /** For the tracked runs. */
    readonly tracked?: ScheduleChoices;
  };
  /** The rate on the quadratic; without one, the rate check is excluded. */
  readonly rate?: ExpectedRate;
}
