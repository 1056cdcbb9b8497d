/**
 * What the `sinkhorn` solver reads of the problem: the histograms `a`, `b`, the cost and ε, by
 * the names the entropic dual is written with, and the potentials among the vars. The step map
 * needs them as IR (not numbers) so that whichever of them is the param is differentiated
 * through the iterations. Every problem found names the declaration it concerns, so that
 * `sgd check` and `sgd run` can point at it.
 */
import { SolverInputError, type IRBuilder, type Node, type Problem, type SolverInputProblem } from '@sgdiff/core';

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
 * Where the potentials are: f pairs with a (length n), g with b (length m), as vectors or N rows.
 * @category Solvers and tracking
 */
export interface Potentials {
  /** Index of f among the vars (g is the other one). */
  readonly fIndex: number;
  /** N, the number of problems, for matrices of potentials (one per sample outcome); 0 for vectors. */
  readonly batch: number;
}

/**
 * The inputs when they are all there and consistent, and every problem found otherwise.
 * @category Solvers and tracking
 */
export interface SinkhornInputCheck {
  /** The inputs (absent when a problem was found). */
  readonly inputs?: SinkhornInputs;
  /** Where the potentials are (absent when a problem was found). */
  readonly potentials?: Potentials;
  /** Every problem, at its declaration. */
  readonly problems: readonly SolverInputProblem[];
}

/**
 * The dual's inputs by name: tensors `a` and `b`; the tensor `C` or, without one, the point
 * clouds `X`, `Y` (cost `sqdist(X, Y)`, so that `X` may be the param); ε as the const or scalar
 * tensor `eps`; the two vars as the potentials. Messages say what is missing and how to declare it.
 * @category Solvers and tracking
 */
export function checkSinkhornInputs(problem: Problem, b: IRBuilder): SinkhornInputCheck {
  const tensor = (name: string): Node | undefined => problem.tensors.find((t) => t.name === name && t.kind !== 'var')?.node;
  const asVar = (name: string): SolverInputProblem[] =>
    problem.tensors.some((t) => t.name === name && t.kind === 'var') ? [{ message: `'${name}' is an input of the entropic dual, not a var: declare it as data or param`, declaration: name }] : [];
  const missing: string[] = [];
  const problems: SolverInputProblem[] = [];
  const a = tensor('a');
  const hb = tensor('b');
  if (!a) missing.push("the histogram 'a' (data or param R[n])");
  if (!hb) missing.push("the histogram 'b' (data or param R[m])");
  let cost = tensor('C');
  if (!cost) {
    const X = tensor('X');
    const Y = tensor('Y');
    if (X && Y && X.shape.length === 2 && Y.shape.length === 2 && X.shape[1] === Y.shape[1]) cost = b.apply('sqdist', [X, Y]);
    else if (X && Y) problems.push({ message: `the point clouds 'X' [${X.shape.join(', ')}] and 'Y' [${Y.shape.join(', ')}] must be matrices with the same number of columns`, declaration: 'Y' });
    else missing.push("the cost: a tensor 'C' R[n, m], or point clouds 'X' R[n, k] and 'Y' R[m, k]");
  }
  const constant = problem.consts.find((c) => c.name === 'eps');
  const epsilon = constant ? b.const(constant.value) : tensor('eps');
  if (!epsilon) missing.push("'eps' (a const or a scalar data or param)");
  problems.push(...['a', 'b', 'C', 'X', 'Y', 'eps'].flatMap(asVar));
  if (missing.length > 0) problems.push({ message: `reads the entropic dual's inputs by name; this problem lacks ${missing.join('; ')}` });
  if (epsilon && epsilon.shape.length !== 0) problems.push({ message: `'eps' must be a scalar, got a tensor of shape [${epsilon.shape.join(', ')}]`, declaration: 'eps' });
  const width = (v: Node): number => v.shape[v.shape.length - 1];
  if (a && ![1, 2].includes(a.shape.length)) problems.push({ message: "the histogram 'a' must be a vector (or a matrix of one histogram per row)", declaration: 'a' });
  if (hb && ![1, 2].includes(hb.shape.length)) problems.push({ message: "the histogram 'b' must be a vector (or a matrix of one histogram per row)", declaration: 'b' });
  if (problems.length > 0 || !a || !hb || !cost || !epsilon) return { problems };
  if (cost.shape.length !== 2 || cost.shape[0] !== width(a) || cost.shape[1] !== width(hb)) {
    const declaration = tensor('C') ? 'C' : cost.shape[0] !== width(a) ? 'X' : 'Y';
    return { problems: [{ message: `the cost is [${cost.shape.join(', ')}] but the histograms 'a' have ${width(a)} and 'b' ${width(hb)} entries`, declaration }] };
  }
  const inputs = { a, b: hb, cost, epsilon };
  const potentials = potentialsOf(problem, width(a), width(hb));
  if (typeof potentials !== 'string') {
    // A matrix of histograms has one row per problem of the batch.
    const rows = [a, hb].flatMap((h, side) =>
      h.shape.length === 2 && h.shape[0] !== potentials.batch
        ? [{ message: `'${side === 0 ? 'a' : 'b'}' has ${h.shape[0]} rows, one histogram per problem, but the potentials are ${potentials.batch === 0 ? 'vectors (one problem)' : `${potentials.batch} rows`}`, declaration: side === 0 ? 'a' : 'b' }]
        : [],
    );
    return rows.length > 0 ? { problems: rows } : { inputs, potentials, problems: [] };
  }
  return { problems: [{ message: potentials, declaration: problem.tensors.find((t) => t.kind === 'var')?.name }] };
}

/** Which var is f, and whether the potentials are vectors or one row per outcome of the sample; a message when they are neither. */
function potentialsOf(problem: Problem, n: number, m: number): Potentials | string {
  const vars = problem.tensors.filter((t) => t.kind === 'var').map((t) => t.shape);
  if (vars.length !== 2) return `needs exactly two vars, the potentials f : R[n] and g : R[m]; got ${vars.length}`;
  const last = (shape: readonly number[]): number => shape[shape.length - 1] ?? -1;
  const fIndex = last(vars[0]) === n && last(vars[1]) === m ? 0 : last(vars[1]) === n && last(vars[0]) === m ? 1 : -1;
  const ranks = vars.map((v) => v.length);
  if (fIndex >= 0 && ranks.every((r) => r === 1)) return { fIndex, batch: 0 };
  const N = problem.sample?.size ?? -1;
  if (fIndex >= 0 && ranks.every((r) => r === 2) && vars.every((v) => v[0] === N)) return { fIndex, batch: N };
  return (
    `the vars must be the potentials f : R[${n}] (paired with a) and g : R[${m}] (paired with b), ` +
    `or, with a sample k ~ uniform(N), one row per problem: f : R[N, ${n}] and g : R[N, ${m}]`
  );
}

/**
 * The inputs and potentials, or a {@link SolverInputError} with every problem.
 * @category Solvers and tracking
 */
export function sinkhornInputs(problem: Problem, b: IRBuilder): { inputs: SinkhornInputs; potentials: Potentials } {
  const { inputs, potentials, problems } = checkSinkhornInputs(problem, b);
  if (!inputs || !potentials) throw new SolverInputError(problems.map((p) => ({ ...p, message: `solve sinkhorn: ${p.message}` })));
  return { inputs, potentials };
}
