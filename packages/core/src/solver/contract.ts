/**
 * The solver contract. A solver gives its step map s_{k+1} = Φ(s_k, θ; ξ_{k+1}, k) as IR, for
 * one sample ξ; the framework averages it over the batch the solver's sampling asks for,
 * compiles it, differentiates it (forward, reverse, implicit) and runs it. No solver owns a
 * loop, so every solver, a third party's too, gets derivative tracking for free.
 */
import type { IRBuilder } from '../ir/builder.ts';
import type { Node } from '../ir/node.ts';
import type { Shape } from '../ir/shape.ts';
import type { OptionSpec } from '../plugin/options.ts';
import type { Problem } from '../problem/problem.ts';
import type { Instance } from '../problem/instance.ts';
import type { ConformanceDeclaration } from './conformance-declaration.ts';
import type { SolverInputProblem } from './input-error.ts';
import type { SolverReferenceResult } from './solver-reference.ts';

/**
 * What a solver may use to build its step map.
 * @category Plugins
 */
export interface StepMapContext {
  /** The builder of the problem's IR: every node of the step map must be made with it. */
  readonly builder: IRBuilder;
  /** The problem being solved. */
  readonly problem: Problem;
  /** The var inputs x, in layout order. */
  readonly vars: readonly Node[];
  /** ∇ₓf(x, θ; ξ) for one sample, per var (`null`: f does not depend on that var). */
  readonly gradient: readonly (Node | null)[];
  /** Option values of the `solve` block (numbers and enum identifiers; expressions as text). */
  readonly options: Readonly<Record<string, number | string>>;
  /** The value at the current iteration of an `expression` option of k, mu, L, kappa (e.g. `step`). */
  schedule(option: string): Node;
  /** A vector of independent N(0, 1) draws, fresh at every iteration, from the run's own stream. */
  noise(name: string, shape: Shape): Node;
  /**
   * Solver state beyond x (a momentum buffer, a previous iterate, an average), in one of two forms:
   *
   * - `state(name, like, 'copy' | 'zero')`: shaped like the var `like`, starting at that var's
   *   x₀ (`copy`) or at 0 (`zero`);
   * - `state(name, shape, init)`: any shape, starting at the value of the IR expression `init`,
   *   which may read the vars (their starts x₀), θ, data and constants, but no state, sample,
   *   schedule or noise. When `init` depends on θ, ∂θs₀ ≠ 0 and every tracking mode counts it.
   *
   * Asking twice for the same name returns the same input (the first declaration stands).
   */
  state(name: string, like: Node, init: 'copy' | 'zero'): Node;
  /** The general form of {@link StepMapContext.state}: a state of any shape starting at `init`. */
  state(name: string, shape: Shape, init: Node): Node;
  /**
   * ∇ₓf(y, θ; ξ) at another point than the var: `point` gives one expression per var (same
   * shapes; e.g. the look-ahead y = x + β(x − x_prev) of Nesterov's method), substituted for the
   * vars in the per-sample gradient. One node per var (`null`: f does not depend on that var).
   */
  gradientAt(point: readonly Node[]): (Node | null)[];
  /** k, the index of the current iteration (0 for the first step), as a scalar input. */
  iteration(): Node;
}

/**
 * The step map: the next value of every var, and of every state the solver declared.
 * @category Plugins
 */
export interface StepMap {
  /** x_{k+1}, one node per var (same shapes as the vars). */
  readonly next: readonly Node[];
  /** The next value of each declared state, by name. */
  readonly states?: Readonly<Record<string, Node>>;
  /**
   * What the solver reports beside the vars, by name: expressions of the current state s_k
   * (vars and states), θ, data and constants, e.g. the average x̄_k of Polyak–Ruppert averaging
   * (a state, reported as itself). Each is evaluated at the last iterate, its Jacobian ∂θR(s_t)
   * is tracked like the vars' (forward, reverse, implicit), and it appears in `result.json`.
   */
  readonly reports?: Readonly<Record<string, Node>>;
}

/**
 * A test that ends a run before its `iterations` steps, offered by a solver from its options
 * (Sinkhorn's `tolerance` on the marginal violation). The run loop evaluates ∇ₓF(x_k, θ) after
 * every step, one full-batch gradient, and stops at the first x_k whose measure is at most the
 * tolerance.
  * @category Plugins
 */
export interface StoppingRule {
  /** What is measured, as a metric name (`marginal_violation`), for result.json. */
  readonly quantity: string;
  /** The run stops at the first iterate whose measure is at most this. */
  readonly tolerance: number;
  /** The measure at x_k from ∇ₓF(x_k, θ) (and x_k). */
  measure(gradient: Float64Array, x: Float64Array): number;
}

/**
 * How a solver draws samples at each step.
 * @category Plugins
 */
export type Sampling =
  /** One minibatch of the declared law per step (`sample i ~ uniform(n, batch = b)`). */
  | 'stochastic'
  /** Every outcome at every step: the step map is averaged into the full-objective map. */
  | 'full';

/**
 * A solver plugin.
 * @category Plugins
 */
export interface SolverPlugin {
  /** The name written after `solve`. */
  readonly name: string;
  /** One sentence for `sgd plugins` and the reference. */
  readonly doc: string;
  /** The solver's own options; the framework adds the common ones (iterations, track, ...). */
  readonly options: readonly OptionSpec[];
  /** How samples are drawn. */
  readonly sampling: Sampling;
  /** Builds the step map for one sample. */
  stepMap(ctx: StepMapContext): StepMap;
  /** What the solver declares to the conformance suite: exclusions, option values, its expected rate. */
  readonly conformance?: ConformanceDeclaration;
  /**
   * Checks of the drawn instance the solver needs (e.g. histograms on the simplex), made before
   * its step map is built: every problem found, each naming its declaration; empty when none.
   * A run with problems stops with a `SolverInputError` the CLI reports with the file's name, at
   * the declaration a problem names (`sgd check` draws the instance of seed 0 and reports them too).
   */
  checkInstance?(problem: Problem, values: ReadonlyMap<string, Float64Array>): readonly (string | SolverInputProblem)[];
  /**
   * The solver's own reference for `reference = automatic` at the instance's values (params as
   * in `values`), or `undefined` to leave it to the framework (Newton or Newton–CG).
   */
  reference?(problem: Problem, values: Instance['values']): SolverReferenceResult | undefined;
  /** The solver's stopping rule for these option values, or `undefined` to run every iteration. */
  stopping?(options: Readonly<Record<string, number | string>>): StoppingRule | undefined;
}
