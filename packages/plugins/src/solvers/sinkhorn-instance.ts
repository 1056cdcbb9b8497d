/**
 * The `sinkhorn` solver's checks of a drawn instance, before any step: histograms with positive
 * entries summing to 1 (the dual is unbounded otherwise, and log a is taken), ε > 0 and a finite
 * cost. Each message names the declaration. (The log-domain updates keep the potentials of the
 * size of the cost for any ε > 0, so no overflow check on ε is needed.)
 */
import type { Problem } from '@sgdiff/core';

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
function checkHistogram(problem: Problem, name: string, values: Float64Array | undefined): string[] {
  if (!values) return [];
  const where = declaration(problem, name);
  const shape = problem.tensors.find((t) => t.name === name)?.shape ?? [values.length];
  const bad = values.findIndex((v) => !(v > 0) || !Number.isFinite(v));
  if (bad >= 0) return [`${where} must be a histogram with positive entries (log ${name} is taken); entry ${bad} is ${values[bad]}`];
  const width = shape[shape.length - 1];
  for (let row = 0; row * width < values.length; row++) {
    const total = values.subarray(row * width, (row + 1) * width).reduce((s, v) => s + v, 0);
    const which = shape.length === 2 ? `row ${row} of ${where}` : where;
    if (Math.abs(total - 1) > HISTOGRAM_TOLERANCE) return [`${which} must sum to 1 within ${HISTOGRAM_TOLERANCE} (the dual is unbounded otherwise); its entries sum to ${total}`];
  }
  return [];
}

/**
 * Every problem of the instance the Sinkhorn updates would meet.
 * @category Solvers and tracking
 */
export function checkSinkhornInstance(problem: Problem, values: ReadonlyMap<string, Float64Array>): string[] {
  const problems = [...checkHistogram(problem, 'a', values.get('a')), ...checkHistogram(problem, 'b', values.get('b'))];
  const constant = problem.consts.find((c) => c.name === 'eps');
  const epsilon = constant ? constant.value : values.get('eps')?.[0];
  if (epsilon !== undefined && !(epsilon > 0)) problems.push(`${declaration(problem, 'eps')} must be positive; it is ${epsilon}`);
  const cost = values.get('C');
  if (cost) {
    const bad = cost.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) problems.push(`${declaration(problem, 'C')} must be finite; entry ${bad} is ${cost[bad]}`);
  }
  return problems;
}
