/**
 * The contract of differentiation rules. Each operator's record carries its forward rule
 * (`jvp`) and reverse rule (`vjp`), both written as IR builders, like JAX's `jvp` and
 * `transpose` rules per primitive; a rule table is the records viewed by operator name.
 */
import type { IRBuilder } from '../ir/builder.ts';
import type { Node } from '../ir/node.ts';
import type { OperatorTable } from '../ir/operator.ts';

/**
 * Forward and reverse derivative of one operator. `null` stands for a zero tangent or cotangent.
 * @category Differentiation
 */
export interface OpRule {
  /**
   * The tangent of `node` given the tangents of its arguments (same order as `node.args`;
   * at least one is non-null). Returns a node of `node.shape`, or `null` when it is zero.
   */
  jvp(b: IRBuilder, node: Node, tangents: readonly (Node | null)[]): Node | null;
  /**
   * The cotangent contributions to each argument given the cotangent `g` of `node`
   * (same shape as `node`). Each contribution has its argument's shape, or is `null`.
   */
  vjp(b: IRBuilder, node: Node, g: Node): readonly (Node | null)[];
}

/**
 * Rules by operator name. Inputs and constants need none.
 * @category Differentiation
 */
export type RuleTable = Readonly<Record<string, OpRule>>;

/**
 * Thrown when a derivative is asked of an operator no registered record covers.
 * @category Differentiation
 */
export class MissingRuleError extends Error {
  override readonly name = 'MissingRuleError';
}

/**
 * The rules of every operator of `operators` (each record is its own rule).
 * @category Differentiation
 */
export function rulesOf(operators: OperatorTable): RuleTable {
  return Object.freeze(Object.fromEntries(operators.records));
}
