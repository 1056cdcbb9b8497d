/**
 * IR nodes: an immutable, hash-consed tensor DAG with static shapes. Nodes are only made by
 * an {@link IRBuilder}, which returns the same object for the same operation on the same
 * arguments, so equal subexpressions are shared (common-subexpression elimination for free).
 */
import type { Shape } from './shape.ts';
import type { OperatorRecord } from './operator.ts';

/**
 * Elementwise binary operators; a scalar operand broadcasts against a tensor one.
 * @category IR
 */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'pow';

/**
 * The operator of a node: `const` and `input` (the leaves), or the name of a registered
 * {@link OperatorRecord} (`add`, `matvec`, `logsumexp`, ... and any a plugin registers).
 * @category IR
 */
export type Op = string;

/**
 * What an input node stands for: a declared var, param or data tensor; a tangent direction; the
 * sample index; a solver's own state (`state`, e.g. a momentum buffer); or a per-iteration value
 * set by the run loop (`hyper`: the step size, a perturbation, the variables of option expressions).
 * @category IR
 */
export type InputKind = 'var' | 'param' | 'data' | 'tangent' | 'sample' | 'state' | 'hyper';

/**
 * The identity of an input: its kind and the name it was declared with (a tangent is named after its primal's key).
 * @category IR
 */
export interface InputSymbolRef {
  /** What the input stands for. */
  readonly kind: InputKind;
  /** Declared name (for a tangent: the key `kind:name` of the primal it is a direction for). */
  readonly name: string;
}

/**
 * One node of the IR DAG. Fields beyond `op`, `args` and `shape` are set only for the ops that use them.
 * @category IR
 */
export interface Node {
  /** Unique within its builder, increasing in creation order (so arguments have smaller ids). */
  readonly id: number;
  /** The operator. */
  readonly op: Op;
  /** Operands. */
  readonly args: readonly Node[];
  /** Static result shape. */
  readonly shape: Shape;
  /** For `const`: the number. */
  readonly value?: number;
  /** For `input`: what it stands for. */
  readonly input?: InputSymbolRef;
  /** For `map`: the registered function's name. */
  readonly fn?: string;
  /** For `scatter`, `scatterRow` and `expand`: the extent the arguments do not determine. */
  readonly size?: number;
  /** For reductions along an axis and `expand`: the axis. */
  readonly axis?: number;
  /** The operator's record (every node but `const` and `input`), as JAX equations hold their primitive. */
  readonly record?: OperatorRecord;
}

/**
 * The key `kind:name` under which an input is interned.
 * @category IR
 */
export function inputKey(ref: InputSymbolRef): string {
  return `${ref.kind}:${ref.name}`;
}

/**
 * True for a `const` node holding exactly `v`.
 * @category IR
 */
export function isConst(node: Node, v?: number): boolean {
  return node.op === 'const' && (v === undefined || node.value === v);
}

/**
 * Nodes reachable from `roots`, each after all of its arguments (post-order, deterministic).
 * @category IR
 */
export function topologicalOrder(roots: readonly Node[]): Node[] {
  const seen = new Set<Node>();
  const order: Node[] = [];
  // Iterative DFS: user expressions can be deep enough to overflow recursion.
  const stack: Array<{ node: Node; next: number }> = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push({ node: root, next: 0 });
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.node.args.length) {
        const arg = top.node.args[top.next++];
        if (!seen.has(arg)) {
          seen.add(arg);
          stack.push({ node: arg, next: 0 });
        }
      } else {
        order.push(top.node);
        stack.pop();
      }
    }
  }
  return order;
}
