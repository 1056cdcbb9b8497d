/**
 * The derivative graphs of a problem's per-sample objective f(x, θ; ξ), built once by the
 * symbolic engine: ∇ₓf and ∇θf by reverse mode, then Hessian and cross products by forward
 * mode over those gradients. Tangent directions are input nodes; no Hessian is ever formed.
 */
import { jvp, vjp } from '../diff/engine.ts';
import type { RuleTable } from '../diff/rules.ts';
import { inputKey, type Node } from '../ir/node.ts';
import type { Layout } from '../problem/layout.ts';
import { layoutOf } from '../problem/layout.ts';
import type { Problem } from '../problem/problem.ts';

/**
 * Per-sample derivative graphs; every list follows the var layout (x) or the param layout (θ).
 * @category Differentiation
 */
export interface DerivativeGraphs {
  /** f itself. */
  readonly value: Node;
  /** ∇ₓf, one node per var (`null`: f does not depend on it). */
  readonly gradX: readonly (Node | null)[];
  /** ∇θf, one node per param. */
  readonly gradTheta: readonly (Node | null)[];
  /** ∇²ₓₓf · v, one node per var; v is the var tangent inputs {@link tangentOf}. */
  readonly hvp: readonly (Node | null)[];
  /** ∇²ₓθf · u, one node per var; u is the param tangent inputs. */
  readonly cross: readonly (Node | null)[];
  /** ∇²θₓf · w (the transpose product), one node per param; w is the var tangent inputs. */
  readonly crossTranspose: readonly (Node | null)[];
  /** Layout of x. */
  readonly vars: Layout;
  /** Layout of θ. */
  readonly params: Layout;
}

/**
 * The tangent input standing for a direction along `primal` (an input node).
 * @category Differentiation
 */
export function tangentOf(problem: Problem, primal: Node): Node {
  return problem.builder.input({ kind: 'tangent', name: inputKey(primal.input as NonNullable<Node['input']>) }, primal.shape);
}

/**
 * Builds every derivative graph of `problem` with the given rules.
 * @category Differentiation
 */
export function buildDerivativeGraphs(problem: Problem, rules: RuleTable): DerivativeGraphs {
  const b = problem.builder;
  const vars = layoutOf(problem, 'var');
  const params = layoutOf(problem, 'param');
  const xNodes = vars.entries.map((e) => e.symbol.node);
  const thetaNodes = params.entries.map((e) => e.symbol.node);
  const gradients = vjp(b, rules, problem.objective, [...xNodes, ...thetaNodes]);
  const gradX = gradients.slice(0, xNodes.length);
  const gradTheta = gradients.slice(xNodes.length);
  const along = (nodes: Node[]): Map<Node, Node> => new Map(nodes.map((n) => [n, tangentOf(problem, n)]));
  const nonNull = (nodes: readonly (Node | null)[]): Node[] => nodes.filter((n): n is Node => n !== null);
  const spread = (nodes: readonly (Node | null)[], tangents: (Node | null)[]): (Node | null)[] => {
    // jvp was given only the non-null gradients; put its answers back in layout order.
    let k = 0;
    return nodes.map((n) => (n === null ? null : tangents[k++]));
  };
  const hvp = spread(gradX, jvp(b, rules, nonNull(gradX), along(xNodes)));
  const cross = spread(gradX, jvp(b, rules, nonNull(gradX), along(thetaNodes)));
  const crossTranspose = spread(gradTheta, jvp(b, rules, nonNull(gradTheta), along(xNodes)));
  return { value: problem.objective, gradX, gradTheta, hvp, cross, crossTranspose, vars, params };
}
