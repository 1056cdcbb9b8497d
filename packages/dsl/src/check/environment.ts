/**
 * What the checker needs to know about the installed plugins. The DSL knows no operator,
 * solver, metric, data source or elementwise function by itself: the host (the CLI) describes them.
 */
import type { DataSource, OperatorTable, OptionSpec } from '@sgdiff/core';

/**
 * A solver as the checker sees it: the options its `solve` (or `outer_solve`) block accepts.
 * @category Language
 */
export interface SolverDescription {
  /** The options, with types, bounds and defaults. */
  readonly options: readonly OptionSpec[];
}

/**
 * A data source usable after `from`: what the checker needs of a {@link DataSource} (a
 * source plugin itself is one).
 * @category Language
 */
export interface SourceDescription {
  /** One sentence for `sgd check` and the language reference. */
  readonly doc: string;
  /** The named arguments the source accepts: their types, allowed values and defaults. */
  readonly args: DataSource['args'];
  /** Why a tensor of the declared shape cannot be read with the (valid, defaulted) arguments; see `DataSource.check` in `@sgdiff/core`. */
  readonly check: DataSource['check'];
  /** The shape the source holds, for `rows(...)` and `cols(...)` in dims; see `DataSource.shape`. */
  readonly shape?: DataSource['shape'];
}

/**
 * The names a `.sgd` file may use beyond its own declarations.
 * @category Language
 */
export interface CheckEnvironment {
  /**
   * The operators (their shape rules, constant evaluation and `.sgd` spellings) and the
   * elementwise functions (`exp log log1p sqrt softplus sigmoid tanh` plus plugin ones).
   */
  readonly operators: OperatorTable;
  /** Solvers by name, with the options of their `solve` block. */
  readonly solvers: ReadonlyMap<string, SolverDescription>;
  /** Outer solvers (loops on θ driven by a hypergradient) by name, with the options of their `outer_solve` block; may be empty. */
  readonly outerSolvers: ReadonlyMap<string, SolverDescription>;
  /** Metric names allowed in `report`. */
  readonly metrics: ReadonlySet<string>;
  /** Data sources usable after `from`; may be empty. */
  readonly sources: ReadonlyMap<string, SourceDescription>;
  /**
   * Makes a `path` argument of a data source absolute: relative to the checked file's
   * directory. Without it, paths are passed on as written.
   */
  readonly resolvePath?: (path: string) => string;
}
