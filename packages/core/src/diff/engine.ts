/**
 * Forward (JVP) and reverse (VJP) symbolic differentiation over the IR DAG, driven entirely
 * by a rule table (the operators' records). The results are IR nodes built with the same builder, so they share
 * structure with the primal graph and with each other.
 */
import type { IRBuilder } from '../ir/builder.ts';
import { topologicalOrder, type Node } from '../ir/node.ts';
import { MissingRuleError, type OpRule, type RuleTable } from './rules.ts';

function ruleFor(rules: RuleTable, node: Node): OpRule {
  const rule = Object.hasOwn(rules, node.op) ? rules[node.op] : undefined;
  if (!rule) throw new MissingRuleError(`no derivative rule is registered for the operator '${node.op}'`);
  return rule;
}

/**
 * Tangents of `outputs` when each input in `seeds` moves along its tangent node.
 * @returns one tangent per output, `null` where the output does not depend on any seed
 * @category Differentiation
 */
export function jvp(b: IRBuilder, rules: RuleTable, outputs: readonly Node[], seeds: ReadonlyMap<Node, Node>): (Node | null)[] {
  const tangent = new Map<Node, Node | null>();
  for (const node of topologicalOrder(outputs)) {
    if (node.op === 'input' || node.op === 'const') {
      tangent.set(node, seeds.get(node) ?? null);
      continue;
    }
    const argTangents = node.args.map((a) => tangent.get(a) ?? null);
    tangent.set(node, argTangents.some((t) => t !== null) ? ruleFor(rules, node).jvp(b, node, argTangents) : null);
  }
  return outputs.map((o) => tangent.get(o) ?? null);
}

/**
 * Gradient of the scalar `output` with respect to each node of `wrt` (reverse accumulation).
 * @returns one cotangent per entry of `wrt`, `null` where `output` does not depend on it
 * @category Differentiation
 */
export function vjp(b: IRBuilder, rules: RuleTable, output: Node, wrt: readonly Node[], seed?: Node): (Node | null)[] {
  const order = topologicalOrder([output]);
  // Only nodes on a path to some `wrt` node need a cotangent.
  const relevant = new Set<Node>(wrt);
  for (const node of order) if (node.args.some((a) => relevant.has(a))) relevant.add(node);
  const cotangent = new Map<Node, Node>([[output, seed ?? b.const(1)]]);
  for (let k = order.length - 1; k >= 0; k--) {
    const node = order[k];
    const g = cotangent.get(node);
    if (!g || node.op === 'input' || node.op === 'const' || !relevant.has(node)) continue;
    const contributions = ruleFor(rules, node).vjp(b, node, g);
    node.args.forEach((arg, j) => {
      const c = contributions[j];
      if (!c || !relevant.has(arg)) return;
      const previous = cotangent.get(arg);
      cotangent.set(arg, previous ? b.add(previous, c) : c);
    });
  }
  return wrt.map((w) => cotangent.get(w) ?? null);
}
