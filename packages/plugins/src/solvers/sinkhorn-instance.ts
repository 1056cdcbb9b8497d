/**
 * The `sinkhorn` solver's checks of a drawn instance, before any step: the inputs it reads by
 * name (see sinkhorn-inputs.ts), histograms with positive entries summing to 1 (the dual is
 * unbounded otherwise, and log a is taken), ε > 0, a finite cost and finite points. Each problem
 * names its declaration, for a positioned error. (The log-domain updates keep the potentials of
 * the size of the cost for any ε > 0, so no overflow check on ε is needed.)
 */
import type { Problem, SolverInputProblem } from '@sgdiff/core';
import { checkSinkhornInputs } from './sinkhorn-inputs.ts';

/**
 * |Σa − 1| allowed: a few ulps per entry of histograms normalized in double precision.
 * @category Solvers and tracking
 */
export const HISTOGRAM_TOLERANCE = 1e-9;

/** The kind and name of a declaration, as written (`param 'a'`, `const 'eps'`). */
function declaration(problem: Problem, name: string): string {
  if (problem.consts.some((c) => c.name === name)) return `const '${name}'`;
  const tensor = problem.tensors.find((t) => t.name === name);
  return tensor ? `${tensor.kind} '${name}'` : `'${name}'`;
}

/** A histogram's problems (each row's, for a matrix of histograms): entries not positive or finite, or a sum other than 1. */
function checkHistogram(problem: Problem, name: string, values: Float64Array | undefined): SolverInputProblem[] {
  if (!values) return [];
  const where = declaration(problem, name);
  const shape = problem.tensors.find((t) => t.name === name)?.shape ?? [values.length];
  const bad = values.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) return [{ message: `${where} must be a histogram with positive entries (log ${name} is taken); entry ${bad} is ${values[bad]}`, declaration: name }];
  const width = shape[shape.length - 1];
  for (let row = 0; row * width < values.length; row++) {
    const total = values.subarray(row * width, (row + 1) * width).reduce((s, v) => s + v, 0);
    const which = shape.length === 2 ? `row ${row} of ${where}` : where;
    if (Math.abs(total - 1) > HISTOGRAM_TOLERANCE) {
      return [{ message: `${which} must sum to 1 within ${HISTOGRAM_TOLERANCE} (the dual is unbounded otherwise); its entries sum to ${total}`, declaration: name }];
    }
  }
  return [];
}

/**
 * Every problem of the instance the Sinkhorn updates would meet: its inputs, then their values.
 * @category Solvers and tracking
 */
export function checkSinkhornInstance(problem: Problem, values: ReadonlyMap<string, Float64Array>): SolverInputProblem[] {
  const problems: SolverInputProblem[] = [...checkSinkhornInputs(problem, problem.builder).problems];
  problems.push(...checkHistogram(problem, 'a', values.get('a')), ...checkHistogram(problem, 'b', values.get('b')));
  const constant = problem.consts.find((c) => c.name === 'eps');
  const epsilon = constant ? constant.value : values.get('eps')?.[0];
  if (epsilon !== undefined && !(epsilon > 0 && epsilon < Infinity)) problems.push({ message: `${declaration(problem, 'eps')} must be ${epsilon > 0 ? 'finite' : 'positive'}; it is ${epsilon}`, declaration: 'eps' });
  for (const name of ['C', 'X', 'Y']) {
    const tensor = values.get(name);
    const bad = tensor ? tensor.findIndex((v) => !Number.isFinite(v)) : -1;
    if (tensor && bad >= 0) problems.push({ message: `${declaration(problem, name)} must be finite; entry ${bad} is ${tensor[bad]}`, declaration: name });
  }
  return problems;
}
