/**
 * What the `sinkhorn` solver reads of the problem: the histograms `a`, `b`, the cost and ε, by
 * the names the entropic dual is written with. The step map needs them as IR (not numbers) so
 * that whichever of them is the param is differentiated through the iterations.
 */
import { SolverInputError, type IRBuilder, type Node, type Problem } from '@sgdiff/core';

/**
 * The inputs of the entropic dual, as IR nodes of the problem.
 * @category Solvers and tracking
 */
export interface SinkhornInputs {
  /** The first histogram a ∈ Δⁿ (the rows of the cost); R[N, n] for one per problem of a batch. */
  readonly a: Node;
  /** The second histogram b ∈ Δᵐ (the columns of the cost); R[N, m] for one per problem of a batch. */
  readonly b: Node;
  /** The cost matrix, `C` when declared, else `sqdist(X, Y)` built from the point clouds. */
  readonly cost: Node;
  /** ε: a const (a constant node) or a scalar data or param tensor. */
  readonly epsilon: Node;
}

/**
 * The dual's inputs by name: tensors `a` and `b`; the tensor `C` or, without one, the point
 * clouds `X`, `Y` (cost `sqdist(X, Y)`, so that `X` may be the param); ε as the const or scalar
 * tensor `eps`. Throws a {@link SolverInputError} saying what is missing and how to declare it.
 * @category Solvers and tracking
 */
export function sinkhornInputs(problem: Problem, b: IRBuilder): SinkhornInputs {
  const tensor = (name: string): Node | undefined => problem.tensors.find((t) => t.name === name && t.kind !== 'var')?.node;
  const missing: string[] = [];
  const a = tensor('a');
  const hb = tensor('b');
  if (!a) missing.push("the histogram 'a' (data or param R[n])");
  if (!hb) missing.push("the histogram 'b' (data or param R[m])");
  let cost = tensor('C');
  if (!cost) {
    const X = tensor('X');
    const Y = tensor('Y');
    if (X && Y) cost = b.apply('sqdist', [X, Y]);
    else missing.push("the cost: a tensor 'C' R[n, m], or point clouds 'X' R[n, k] and 'Y' R[m, k]");
  }
  const constant = problem.consts.find((c) => c.name === 'eps');
  const epsilon = constant ? b.const(constant.value) : tensor('eps');
  if (!epsilon) missing.push("'eps' (a const or a scalar data or param)");
  if (missing.length > 0 || !a || !hb || !cost || !epsilon) {
    throw new SolverInputError([`solve sinkhorn reads the entropic dual's inputs by name; this problem lacks ${missing.join('; ')}`]);
  }
  const problems: string[] = [];
  if (epsilon.shape.length !== 0) problems.push(`solve sinkhorn: 'eps' must be a scalar, got a tensor of shape [${epsilon.shape.join(', ')}]`);
  const width = (v: Node): number => v.shape[v.shape.length - 1];
  if (![1, 2].includes(a.shape.length) || ![1, 2].includes(hb.shape.length)) problems.push("solve sinkhorn: the histograms 'a' and 'b' must be vectors (or matrices of one histogram per row)");
  else if (cost.shape.length !== 2 || cost.shape[0] !== width(a) || cost.shape[1] !== width(hb)) {
    problems.push(`solve sinkhorn: the cost is [${cost.shape.join(', ')}] but the histograms 'a' have ${width(a)} and 'b' ${width(hb)} entries`);
  }
  if (problems.length > 0) throw new SolverInputError(problems);
  return { a, b: hb, cost, epsilon };
}
