/**
 * Input substitution in the IR: the same graph with some inputs replaced by expressions, e.g.
 * the per-sample gradient ∇ₓf(x) with the var x replaced by a look-ahead point y, which is how
 * `ctx.gradientAt(y)` gives a solver the gradient at another point than the var.
 */
import type { IRBuilder } from '../ir/builder.ts';
import type { AttributeName, Attributes } from '../ir/operator.ts';
import { topologicalOrder, type Node } from '../ir/node.ts';

/**
 * Rebuilds `node`'s operation over new arguments through the builder (so results stay interned
 * and simplified), generically from its operator record: any registered operator works.
 */
function rebuild(b: IRBuilder, node: Node, args: readonly Node[]): Node {
  if (node.op === 'const' || node.op === 'input') return node;
  const attrs: { -readonly [K in AttributeName]?: Attributes[K] } = {};
  for (const name of node.record?.attributes ?? []) if (node[name] !== undefined) Object.assign(attrs, { [name]: node[name] });
  // A broadcast's target shape is not an attribute: it is the node's own shape.
  if (node.op === 'broadcast') return b.broadcast(args[0], node.shape);
  return b.apply(node.op, args, attrs);
}

/**
 * `roots` with every input in `replacements` replaced by its expression (same shape). Nodes
 * that read none of the replaced inputs are returned as they are.
 * @category Solvers and tracking
 */
export function substituteInputs(b: IRBuilder, roots: readonly Node[], replacements: ReadonlyMap<Node, Node>): Node[] {
  const image = new Map<Node, Node>();
  for (const node of topologicalOrder(roots)) {
    const replaced = replacements.get(node);
    if (replaced) {
      image.set(node, replaced);
      continue;
    }
    const args = node.args.map((arg) => image.get(arg) as Node);
    image.set(node, args.every((arg, j) => arg === node.args[j]) ? node : rebuild(b, node, args));
  }
  return roots.map((r) => image.get(r) as Node);
}

/**
 * True when `node` reads an input of one of `kinds`.
 * @category Solvers and tracking
 */
export function readsInput(node: Node, kinds: ReadonlySet<string>): boolean {
  return topologicalOrder([node]).some((n) => n.op === 'input' && kinds.has(n.input?.kind as string));
}
