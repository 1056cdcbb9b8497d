/**
 * What the checker needs to know about the installed plugins. The DSL knows no solver,
 * metric, data source or elementwise function by itself: the host (the CLI) describes them.
 */
import type { OptionSpec } from '@sgdiff/core';

/** A solver as the checker sees it: the options its `solve` block accepts. */
export interface SolverDescription {
  /** The options, with types, bounds and defaults. */
  readonly options: readonly OptionSpec[];
}

/** A data source usable after `from`. */
export interface SourceDescription {
  /** One sentence for `sgd check` and the language reference. */
  readonly doc: string;
}

/** The names a `.sgd` file may use beyond its own declarations. */
export interface CheckEnvironment {
  /** Elementwise functions, e.g. `exp log log1p sqrt softplus sigmoid tanh` plus plugin ones. */
  readonly functions: ReadonlySet<string>;
  /** Solvers by name, with the options of their `solve` block. */
  readonly solvers: ReadonlyMap<string, SolverDescription>;
  /** Metric names allowed in `report`. */
  readonly metrics: ReadonlySet<string>;
  /** Data sources usable after `from`; may be empty. */
  readonly sources: ReadonlyMap<string, SourceDescription>;
}
