/**
 * Splits an expression into a part that does not depend on the sample and a part that does:
 * `e = fixed + sampled`. A mean over a minibatch then evaluates `fixed` once and averages only
 * `sampled` (for x − η∇f(x; i) the `x` is not re-added once per sample). The split follows
 * linearity: sums, differences, negation, and products or quotients by a sample-free factor.
 */
import type { IRBuilder } from './builder.ts';
import { topologicalOrder, type Node } from './node.ts';

/**
 * `node = fixed + sampled`; either part may be `null` (zero).
 * @category IR
 */
export interface SampleSplit {
  /** The sample-free part. */
  readonly fixed: Node | null;
  /** The part depending on the sample. */
  readonly sampled: Node | null;
}

/**
 * Nodes among `roots`' DAG that depend on a sample input.
 * @category IR
 */
export function sampleDependent(roots: readonly Node[]): Set<Node> {
  const dependent = new Set<Node>();
  for (const node of topologicalOrder(roots)) {
    if ((node.op === 'input' && node.input?.kind === 'sample') || node.args.some((a) => dependent.has(a))) dependent.add(node);
  }
  return dependent;
}

/**
 * Splits `node` into its sample-free and sample-dependent parts.
 * @category IR
 */
export function splitBySample(b: IRBuilder, node: Node): SampleSplit {
  const dependent = sampleDependent([node]);
  const fit = (n: Node | null): Node | null => (n && n.shape.length !== node.shape.length ? b.broadcast(n, node.shape) : n);
  const go = (n: Node): SampleSplit => {
    if (!dependent.has(n)) return { fixed: n, sampled: null };
    const [a, c] = n.args;
    const combine = (x: SampleSplit, y: SampleSplit, op: (p: Node, q: Node) => Node, negateY: boolean): SampleSplit => ({
      fixed: join(x.fixed, y.fixed, op, negateY),
      sampled: join(x.sampled, y.sampled, op, negateY),
    });
    const join = (p: Node | null, q: Node | null, op: (p: Node, q: Node) => Node, negateQ: boolean): Node | null => {
      if (p && q) return op(p, q);
      if (p) return p;
      if (q) return negateQ ? b.neg(q) : q;
      return null;
    };
    const scale = (s: SampleSplit, by: (p: Node) => Node): SampleSplit => ({ fixed: s.fixed && by(s.fixed), sampled: s.sampled && by(s.sampled) });
    switch (n.op) {
      case 'add':
        return combine(go(a), go(c), (p, q) => b.add(p, q), false);
      case 'sub':
        return combine(go(a), go(c), (p, q) => b.sub(p, q), true);
      case 'neg':
        return scale(go(a), (p) => b.neg(p));
      case 'mul':
        if (!dependent.has(a)) return scale(go(c), (p) => b.mul(a, p));
        if (!dependent.has(c)) return scale(go(a), (p) => b.mul(p, c));
        return { fixed: null, sampled: n };
      case 'div':
        if (!dependent.has(c)) return scale(go(a), (p) => b.div(p, c));
        return { fixed: null, sampled: n };
      default:
        return { fixed: null, sampled: n };
    }
  };
  const { fixed, sampled } = go(node);
  return { fixed: fit(fixed), sampled: fit(sampled) };
}
