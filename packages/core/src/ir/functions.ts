/**
 * Elementwise functions (`exp`, `log`, `sigmoid`, ... and any a plugin adds) are data, not
 * IR operators: one `map` operator applies any of them, and its derivative rule asks the
 * function for f'(z) as IR. Adding a function never touches the core.
 */
import type { IRBuilder } from './builder.ts';
import type { Node } from './node.ts';

/**
 * A scalar function applied entrywise, with its derivative written as an IR builder.
 * @category IR
 */
export interface ElementwiseFunction {
  /** The name used in `.sgd` files and in printed formulas. */
  readonly name: string;
  /** One sentence for the language reference. */
  readonly doc: string;
  /** The function itself, used for constant folding and by compiled kernels. */
  evaluate(z: number): number;
  /**
   * f'(z) as an IR node of the same shape as `z`.
   * @param b - the builder to make nodes with
   * @param z - the argument
   * @param y - the node `f(z)`, so derivatives such as `exp` or `sigmoid` can reuse it
   */
  derivative(b: IRBuilder, z: Node, y: Node): Node;
  /** LaTeX of the function applied to the already-rendered argument; defaults to `\operatorname{name}\left(arg\right)`. */
  latex?(arg: string): string;
}

/**
 * Functions by name, as a builder and the code generator see them.
 * @category IR
 */
export type FunctionTable = ReadonlyMap<string, ElementwiseFunction>;
