/** Typed contracts of the plugin kinds that are not differentiation rules or functions. */
import type { OptionSpec } from './options.ts';

/** A solver as the language sees it: its name and the options its `solve` block accepts. */
export interface SolverPlugin {
  /** The name written after `solve`. */
  readonly name: string;
  /** One sentence for `sgd plugins` and the reference. */
  readonly doc: string;
  /** Every option the solver accepts, with type, default and range. */
  readonly options: readonly OptionSpec[];
}

/** A metric a `report` line may ask for. */
export interface MetricSpec {
  /** The name written in `report { ... }`. */
  readonly name: string;
  /** What it measures, for the reference. */
  readonly doc: string;
}
