/**
 * The contract of differentiation rules. Each operator has a forward rule (`jvp`) and a
 * reverse rule (`vjp`), both written as IR builders; rule tables come from plugins, one
 * table per operator family, exactly like JAX's `jvp` and `transpose` tables per primitive.
 */
import type { IRBuilder } from '../ir/builder.ts';
import type { Node, Op } from '../ir/node.ts';

/** Forward and reverse derivative of one operator. `null` stands for a zero tangent or cotangent. */
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

/** Rules for some operators. Inputs and constants need none. */
export type RuleTable = Partial<Record<Op, OpRule>>;

/** A named family of rules (arithmetic, elementwise functions, linear algebra, indexing, ...), as a plugin registers it. */
export interface RuleSet {
  /** The family's name, for diagnostics and `sgd plugins`. */
  readonly family: string;
  /** The rules this family provides. */
  readonly rules: RuleTable;
}

/** Thrown when a derivative is asked of an operator no registered rule set covers. */
export class MissingRuleError extends Error {
  override readonly name = 'MissingRuleError';
}

/** Merges rule sets into one table; an operator claimed by two families is an error (no silent override). */
export function mergeRuleSets(sets: readonly RuleSet[]): RuleTable {
  const table: RuleTable = {};
  const owner = new Map<Op, string>();
  for (const set of sets) {
    for (const op of Object.keys(set.rules) as Op[]) {
      const previous = owner.get(op);
      if (previous) throw new Error(`operator ${op} has rules in both ${previous} and ${set.family}`);
      owner.set(op, set.family);
      table[op] = set.rules[op];
    }
  }
  return table;
}
