/**
 * The `sinkhorn` solver's reference for `sgd run`: {@link sinkhornReference} on each problem of
 * the instance (one, or N for potentials with one row per outcome of the sample), laid out as
 * the run's vars and params. F is the mean over the problems of the dual L4, so
 *
 * - x* = the balanced potentials (f_k, g_k) of every problem, F* = mean_k ℓ_k;
 * - g* = ∇θℓ by the envelope theorem, from the plans P_k of the certified potentials:
 *   ∇_a ℓ = mean_k f_k (row k of a per-problem `a` gets f_k / N), ∇_b ℓ likewise with g,
 *   ∇_X ℓ and ∇_Y ℓ from ∂ℓ/∂C_ij = −P_ij (cost sqdist(X, Y)), ∂ℓ/∂C = −P,
 *   ∂ℓ/∂ε = Σ_ij P_ij (1 − log P_ij) (at the solution).
 *
 * Certified when every problem's marginal violation is within {@link REFERENCE_TOLERANCE}. A
 * param with another name, or an upper objective other than `outer value`, is left to the
 * framework's Newton reference (it returns `undefined`).
 */
import type { Instance, Problem, SolverReferenceResult } from '@sgdiff/core';
import { gradientWithRespectToPoints, sinkhornReference, transportPlan, type OtProblem, type OtReference } from './sinkhorn-reference.ts';

/**
 * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ each problem's reference reaches (the rounding floor of potentials of size ~1).
 * @category Solvers and tracking
 */
export const REFERENCE_TOLERANCE = 1e-13;

/** Most Sinkhorn iterations per problem before the reference gives up (uncertified). */
const MAX_ITERATIONS = 100000;

/** The params whose ∇ the reference gives. */
const KNOWN_PARAMS: ReadonlySet<string> = new Set(['a', 'b', 'X', 'Y', 'C', 'eps']);

/** Row `k` of a `rows`×`width` matrix, or the vector itself when it is one. */
function rowOf(values: Float64Array, width: number, k: number): Float64Array {
  return values.length === width ? values : values.subarray(k * width, (k + 1) * width);
}

/** Pairwise squared distances of the rows of X (n×d) and Y (m×d), row-major n×m. */
function squaredDistances(X: Float64Array, Y: Float64Array, n: number, m: number): Float64Array {
  const d = X.length / n;
  const C = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += (X[i * d + c] - Y[j * d + c]) ** 2;
      C[i * m + j] = s;
    }
  }
  return C;
}

/** The n×m matrix transposed. */
function transposed(C: Float64Array, n: number, m: number): Float64Array {
  const T = new Float64Array(C.length);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) T[j * n + i] = C[i * m + j];
  return T;
}

/**
 * The reference of the Sinkhorn problem(s) of `problem` at `values`, or `undefined` when it does not apply.
 * @category Solvers and tracking
 */
export function sinkhornRunReference(problem: Problem, values: Instance['values']): SolverReferenceResult | undefined {
  const params = problem.tensors.filter((t) => t.kind === 'param');
  if (problem.outer && problem.outer.kind !== 'value') return undefined;
  if (params.some((p) => !KNOWN_PARAMS.has(p.name))) return undefined;
  const vars = problem.tensors.filter((t) => t.kind === 'var');
  const a = values.get('a');
  const b = values.get('b');
  if (!a || !b || vars.length !== 2) return undefined;
  const width = (name: string): number => {
    const shape = problem.tensors.find((t) => t.name === name)!.shape;
    return shape[shape.length - 1];
  };
  const [n, m] = [width('a'), width('b')];
  const constant = problem.consts.find((c) => c.name === 'eps');
  const epsilon = constant ? constant.value : values.get('eps')?.[0];
  const X = values.get('X');
  const Y = values.get('Y');
  const cost = values.get('C') ?? (X && Y ? squaredDistances(X, Y, n, m) : undefined);
  if (epsilon === undefined || !cost) return undefined;
  // f pairs with a, g with b, in either declaration order (as the step map reads them).
  const last = (v: (typeof vars)[number]): number => v.shape[v.shape.length - 1];
  const fIndex = last(vars[0]) === n && last(vars[1]) === m ? 0 : last(vars[1]) === n && last(vars[0]) === m ? 1 : -1;
  if (fIndex < 0) return undefined;
  const [fVar, gVar] = [vars[fIndex], vars[1 - fIndex]];
  const batch = fVar.shape.length === 2 ? fVar.shape[0] : 1;

  const f = new Float64Array(batch * n);
  const g = new Float64Array(batch * m);
  const problems: OtProblem[] = [];
  const references: OtReference[] = [];
  for (let k = 0; k < batch; k++) {
    const ot: OtProblem = { a: rowOf(a, n, k), b: rowOf(b, m, k), cost, epsilon };
    const reference = sinkhornReference(ot, REFERENCE_TOLERANCE, MAX_ITERATIONS);
    f.set(reference.f, k * n);
    g.set(reference.g, k * m);
    problems.push(ot);
    references.push(reference);
  }
  const mean = (pick: (r: OtReference) => number): number => references.reduce((s, r) => s + pick(r), 0) / batch;
  const violation = Math.max(...references.map((r) => r.violation));
  const certified = references.every((r) => r.certified);
  const hypergradient = problem.outer ? gradients(problem, values, problems, references, { n, m, batch, X, Y }) : undefined;
  return {
    x: new Map([
      [fVar.name, f],
      [gVar.name, g],
    ]),
    objective: mean((r) => r.value),
    certified,
    ...(certified
      ? {}
      : { warning: `log-domain Sinkhorn reached a marginal violation of ${violation.toExponential(2)} after ${MAX_ITERATIONS} iterations, above ${REFERENCE_TOLERANCE} (ε = ${epsilon})` }),
    ...(hypergradient ? { hypergradient } : {}),
    certificate: {
      marginal_violation: violation,
      tolerance: REFERENCE_TOLERANCE,
      iterations: Math.max(...references.map((r) => r.iterations)),
      problems: batch,
      transport_cost: mean((r) => r.transportCost),
    },
  };
}

/** Sizes and point clouds the gradients read. */
interface Sizes {
  readonly n: number;
  readonly m: number;
  readonly batch: number;
  readonly X?: Float64Array;
  readonly Y?: Float64Array;
}

/** ∇θℓ of F = mean_k ℓ_k for every param (all among {@link KNOWN_PARAMS}). */
function gradients(problem: Problem, values: Instance['values'], problems: readonly OtProblem[], references: readonly OtReference[], sizes: Sizes): Map<string, Float64Array> {
  const { n, m, batch } = sizes;
  const out = new Map<string, Float64Array>();
  for (const param of problem.tensors.filter((t) => t.kind === 'param')) {
    const size = values.get(param.name)!.length;
    const gradient = new Float64Array(size);
    problems.forEach((ot, k) => {
      const reference = references[k];
      // Each problem's share of the mean, placed in its row when the param has one row per problem.
      const add = (part: ArrayLike<number>, width: number): void => {
        const offset = size === width ? 0 : k * width;
        for (let p = 0; p < width; p++) gradient[offset + p] += part[p] / batch;
      };
      if (param.name === 'a') add(reference.f, n);
      else if (param.name === 'b') add(reference.g, m);
      else if (param.name === 'X') add(gradientWithRespectToPoints(ot, reference, sizes.X!, sizes.Y!, sizes.X!.length / n), size);
      else if (param.name === 'Y') {
        // The same formula with the roles of the two sides exchanged.
        const swapped: OtProblem = { a: ot.b, b: ot.a, cost: transposed(ot.cost, n, m), epsilon: ot.epsilon };
        add(gradientWithRespectToPoints(swapped, { ...reference, f: reference.g, g: reference.f }, sizes.Y!, sizes.X!, sizes.Y!.length / m), size);
      } else {
        const plan = transportPlan(ot, reference.f, reference.g);
        if (param.name === 'C') add(plan.map((p) => -p), size);
        // ∂L4/∂ε = Σ P (1 + (f ⊕ g + C)/ε) = Σ P (1 − log P).
        else add([plan.reduce((s, p) => s + (p > 0 ? p * (1 - Math.log(p)) : 0), 0)], 1);
      }
    });
    out.set(param.name, gradient);
  }
  return out;
}
