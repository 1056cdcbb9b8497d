/**
 * Schedules: an option expression of the iteration counter and the constants of F (a step size
 * `1 / (mu * (k + 8 * kappa^2))`, a perturbation size), compiled once and evaluated per step.
 */
import { compileKernel } from '../codegen/compile.ts';
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { SCHEDULE_VARIABLES } from './common-options.ts';

/** A compiled schedule: its value at iteration `k` for the given constants of F (q is derived from κ). */
export type Schedule = (k: number, mu: number, L: number, kappa: number) => number;

/** Compiles a scalar expression over the `hyper` inputs k, mu, L, kappa, q. */
export function compileSchedule(expression: Node, functions: FunctionTable): Schedule {
  const kernel = compileKernel(
    [{ fixed: expression, sampled: null, size: 1, offset: 0 }],
    (node) => {
      const position = node.input?.kind === 'hyper' ? SCHEDULE_VARIABLES.indexOf(node.input.name) : -1;
      if (position < 0) throw new Error(`a schedule may only use ${SCHEDULE_VARIABLES.join(', ')}`);
      return { kind: 'buffer', buffer: 'h', offset: position };
    },
    functions,
  ).run;
  const h = new Float64Array(SCHEDULE_VARIABLES.length);
  const out = new Float64Array(1);
  const none = new Float64Array(0);
  const noBatch = new Int32Array(0);
  return (k, mu, L, kappa) => {
    h[0] = k;
    h[1] = mu;
    h[2] = L;
    h[3] = kappa;
    h[4] = (kappa - 1) / (kappa + 1);
    kernel(none, none, none, none, noBatch, 0, out, h);
    return out[0];
  };
}
