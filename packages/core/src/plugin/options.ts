/**
 * Option declarations: how a solver (or any configurable plugin) describes the keys a
 * `solve NAME { key = value }` block may set, so the checker can validate them with positions.
 */

/**
 * The type of a solver option's value.
 * @category Plugins
 */
export type OptionType =
  /** A whole number, written as a constant expression. */
  | 'integer'
  /** A real number, written as a constant expression. */
  | 'number'
  /** An expression that may use the variables listed in {@link OptionSpec.variables} (e.g. a step size of `k`). */
  | 'expression'
  /** One identifier among {@link OptionSpec.values}. */
  | 'enum'
  /**
   * A non-empty list of distinct identifiers among {@link OptionSpec.values}, written
   * `key = a, b`; its value (and its default) is the identifiers joined by `,` (`'a,b'`).
   */
  | 'enums';

/**
 * One option a plugin accepts, with everything the checker and the documentation need.
 * @category Plugins
 */
export interface OptionSpec {
  /** The key as written in the `solve` block. */
  readonly name: string;
  /** What kind of value the key takes. */
  readonly type: OptionType;
  /** The value used when the key is absent: a number, an enum identifier, identifiers joined by `,` (`enums`), or expression source text. */
  readonly default: number | string;
  /**
   * A default that depends on another option: when the key is absent and `option` (given or
   * defaulted) is `equals`, the value is `value` instead of {@link OptionSpec.default}.
   */
  readonly defaultWhen?: { readonly option: string; readonly equals: string; readonly value: number | string };
  /** Inclusive lower bound for `integer` and `number` options. */
  readonly min?: number;
  /** Inclusive upper bound for `integer` and `number` options. */
  readonly max?: number;
  /** The identifiers an `enum` or `enums` option accepts. */
  readonly values?: readonly string[];
  /** The free variables an `expression` option may use (for a step size: `k`, `mu`, `L`, `kappa`). */
  readonly variables?: readonly string[];
  /** One sentence for the language reference and `sgd check`. */
  readonly doc: string;
}
