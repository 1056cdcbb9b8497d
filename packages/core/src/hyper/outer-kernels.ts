/**
 * Kernels of the upper objective E(x, θ). For `outer value` E is F itself (the value function
 * ℓ(θ) = min_x F(x, θ) has ∇ℓ = ∇θF at x*); for `outer E(x, θ; j) = ...` it is the mean over the
 * outer sample of its body, compiled like any objective, over the same instance.
 */
import { buildDerivativeGraphs } from '../derive/graphs.ts';
import { ProblemKernels } from '../derive/kernels.ts';
import type { PluginRegistry } from '../plugin/registry.ts';
import type { Problem } from '../problem/problem.ts';

/**
 * The upper objective's kernels; `lower` is returned for `outer value`.
 * @category Hypergradients
 */
export function outerKernels(problem: Problem, registry: PluginRegistry, lower: ProblemKernels): ProblemKernels {
  const outer = problem.outer;
  if (!outer) throw new Error('the problem has no outer objective');
  if (outer.kind === 'value') return lower;
  const view: Problem = { ...problem, objectiveName: outer.name, objective: outer.node, sample: outer.sample };
  return new ProblemKernels(view, buildDerivativeGraphs(view, registry.rules), lower.instance, registry.functions);
}
