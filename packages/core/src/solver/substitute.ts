/**
 * Input substitution in the IR: the same graph with some inputs replaced by expressions, e.g.
 * the per-sample gradient ∇ₓf(x) with the var x replaced by a look-ahead point y, which is how
 * `ctx.gradientAt(y)` gives a solver the gradient at another point than the var.
 */
import type { IRBuilder } from '../ir/builder.ts';
import { topologicalOrder, type Node } from '../ir/node.ts';

/** Rebuilds `node`'s operation over new arguments, through the builder (so results stay interned and simplified). */
function rebuild(b: IRBuilder, node: Node, args: readonly Node[]): Node {
  const [a, c] = args;
  switch (node.op) {
    case 'add':
      return b.add(a, c);
    case 'sub':
      return b.sub(a, c);
    case 'mul':
      return b.mul(a, c);
    case 'div':
      return b.div(a, c);
    case 'pow':
      return b.pow(a, c);
    case 'neg':
      return b.neg(a);
    case 'map':
      return b.map(node.fn as string, a);
    case 'broadcast':
      return b.broadcast(a, node.shape);
    case 'sum':
      return b.sum(a);
    case 'logsumexp':
      return b.logsumexp(a);
    case 'matvec':
      return b.matvec(a, c);
    case 'vecmat':
      return b.vecmat(a, c);
    case 'outer':
      return b.outer(a, c);
    case 'entry':
      return b.entry(a, c);
    case 'row':
      return b.row(a, c);
    case 'scatter':
      return b.scatter(a, c, node.size as number);
    case 'scatterRow':
      return b.scatterRow(a, c, node.size as number);
    case 'const':
    case 'input':
      return node;
  }
}

/**
 * `roots` with every input in `replacements` replaced by its expression (same shape). Nodes
 * that read none of the replaced inputs are returned as they are.
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

/** True when `node` reads an input of one of `kinds`. */
export function readsInput(node: Node, kinds: ReadonlySet<string>): boolean {
  return topologicalOrder([node]).some((n) => n.op === 'input' && kinds.has(n.input?.kind as string));
}
