/**
 * Recognizes a plain gradient step x − a ∇ₓf(x, θ; ξ) (a scalar factor a of schedules and
 * constants only, optionally plus θ-free noise inside the gradient term): its fixed points are
 * the stationary points of F, so implicit differentiation may use the Hessian of F (the path
 * whose results every gradient solver has always had). Any other map goes through its own
 * fixed point.
 */
import type { Node } from '../ir/node.ts';
import { readsInput } from './substitute.ts';

/** Inputs a step factor or an additive perturbation may not read (otherwise the map is not x − a∇ₓf). */
const STATEFUL: ReadonlySet<string> = new Set(['var', 'state', 'param', 'sample', 'data']);

/** Whether `g` is the gradient `gradient`, or the gradient plus a term of noise, schedules and constants. */
function isGradientTerm(g: Node, gradient: Node): boolean {
  if (g === gradient) return true;
  if (g.op !== 'add') return false;
  const [a, b] = g.args;
  return (a === gradient && !readsInput(b, STATEFUL)) || (b === gradient && !readsInput(a, STATEFUL));
}

/** Whether `direction` is a·g with a a scalar of schedules and constants and g a gradient term. */
function isScaledGradient(direction: Node, gradient: Node): boolean {
  if (direction.op !== 'mul') return false;
  const [a, b] = direction.args;
  const factor = (n: Node): boolean => n.shape.length === 0 && !readsInput(n, STATEFUL);
  return (factor(a) && isGradientTerm(b, gradient)) || (factor(b) && isGradientTerm(a, gradient));
}

/**
 * Whether every `next[k]` is `vars[k] − a ∇ₓf` (or `vars[k]` itself where f does not depend on it).
 * @category Solvers and tracking
 */
export function isGradientStep(vars: readonly Node[], next: readonly Node[], gradient: readonly (Node | null)[]): boolean {
  return vars.every((x, k) => {
    const g = gradient[k];
    if (!g) return next[k] === x;
    const n = next[k];
    return n.op === 'sub' && n.args[0] === x && isScaledGradient(n.args[1], g);
  });
}
