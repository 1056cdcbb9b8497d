/**
 * The data-source contract: how a plugin provides the tensors of `data X : R[m, d] from
 * NAME(key = value, ...)`. The checker validates the named arguments against
 * {@link DataSource.args} and asks {@link DataSource.check} whether the declared shape can be
 * read; the instance is then filled by {@link DataSource.read}.
 */
import type { Shape } from '../ir/shape.ts';

/**
 * The type of a data-source argument's value.
 * @category Plugins
 */
export type DataSourceArgType =
  /** A string literal, `split = "train"`; restricted to {@link DataSourceArg.values} when given. */
  | 'string'
  /**
   * A file path as a string literal, `file = "A.npy"`: relative to the `.sgd` file's directory.
   * The checker resolves it (through its environment's `resolvePath`), so the source receives
   * an absolute path.
   */
  | 'path'
  /** A constant expression with an integer value. */
  | 'integer'
  /** A constant expression with a finite value. */
  | 'number';

/**
 * The arguments a source receives: every declared argument, given in the file or defaulted.
 * @category Plugins
 */
export type DataSourceArgs = Readonly<Record<string, number | string>>;

/**
 * One named argument a data source accepts.
 * @category Plugins
 */
export interface DataSourceArg {
  /** The key as written in the call, `split` in `mnist(split = "train")`. */
  readonly name: string;
  /** What kind of value the key takes. */
  readonly type: DataSourceArgType;
  /** For a `string` argument, the values allowed (any string when absent). */
  readonly values?: readonly string[];
  /** The value used when the key is absent; an argument without a default must be given. */
  readonly default?: number | string;
  /** One sentence for the reference and `sgd plugins`. */
  readonly doc: string;
}

/**
 * A data source usable after `from` in a `data`, `param` or `var` declaration.
 * @category Plugins
 */
export interface DataSource {
  /** The name written after `from`. */
  readonly name: string;
  /** One sentence for the reference and `sgd plugins`. */
  readonly doc: string;
  /** The named arguments it accepts, in the order they are documented. */
  readonly args: readonly DataSourceArg[];
  /**
   * Why a tensor of `shape` cannot be read with `args`, or `undefined` when it can. Called by
   * the checker once the arguments are valid (each of its declared type, allowed value, every
   * argument present); the message is reported at the call, after `NAME: `, so it should say
   * what was asked and what is available, e.g. `split 'train' has 5000 rows; R[6000, 784] asks
   * for 6000`. Must be cheap: it should not load the data.
   * @param shape - the declared shape
   * @param args - every declared argument, given or defaulted
   */
  check(shape: Shape, args: DataSourceArgs): string | undefined;
  /**
   * The tensor's entries, row-major, `sizeOf(shape)` of them. Only called with a shape and
   * arguments {@link check} accepted.
   * @param shape - the declared shape
   * @param args - every declared argument, given or defaulted
   * @param seed - the run's seed; a source whose data is fixed ignores it
   */
  read(shape: Shape, args: DataSourceArgs, seed: number): Float64Array;
  /**
   * Optional: the shape the source holds for `args`, or why it cannot be read (a message, as
   * `check` returns). Sources that have one let a file take its dims from the data:
   * `dim n = rows(npy(file = "A.npy"))`.
   * @param args - every declared argument, given or defaulted
   */
  shape?(args: DataSourceArgs): Shape | string;
}

/**
 * `args` with every absent argument of `source` that has a default set to it, in the order
 * the source declares them (arguments it does not declare last).
 * @category Plugins
 */
export function withSourceDefaults(source: Pick<DataSource, 'args'>, args: DataSourceArgs): DataSourceArgs {
  const full: Record<string, number | string> = {};
  for (const arg of source.args) {
    const value = arg.name in args ? args[arg.name] : arg.default;
    if (value !== undefined) full[arg.name] = value;
  }
  for (const [name, value] of Object.entries(args)) if (!(name in full)) full[name] = value;
  return full;
}
