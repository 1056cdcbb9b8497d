/**
 * Schedules: an option expression of the iteration counter and the constants of F (a step size
 * `1 / (mu * (k + 8 * kappa^2))`, a perturbation size), compiled once and evaluated per step.
 */
import { compileKernel } from '../codegen/compile.ts';
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { SCHEDULE_VARIABLES } from './common-options.ts';

/**
 * A compiled schedule: its value at iteration `k` for the given constants of F (q = (L − μ)/(L + μ) is derived).
 * @category Solvers and tracking
 */
export type Schedule = (k: number, mu: number, L: number, kappa: number) => number;

/**
 * Compiles a scalar expression whose free names are `hyper` inputs among `variables`; the
 * result takes their values in that order. Always a JavaScript kernel, whatever the run's
 * backend: one scalar per step gains nothing from SIMD, and a WebAssembly kernel called with
 * arrays stages them per call (2.3 µs a step measured on ridge, more than the fused adjoint
 * step itself) and would compile a module for every `Stepper`.
 * @category Solvers and tracking
 */
export function compileScalarExpression(expression: Node, variables: readonly string[], functions: FunctionTable): (values: ArrayLike<number>) => number {
  const kernel = compileKernel(
    [{ fixed: expression, sampled: null, size: 1, offset: 0 }],
    (node) => {
      const position = node.input?.kind === 'hyper' ? variables.indexOf(node.input.name) : -1;
      if (position < 0) throw new Error(`the expression may only use ${variables.join(', ')}`);
      return { kind: 'buffer', buffer: 'h', offset: position };
    },
    functions,
    { backend: 'js' },
  ).run;
  const h = new Float64Array(variables.length);
  const out = new Float64Array(1);
  const none = new Float64Array(0);
  const noBatch = new Int32Array(0);
  return (values) => {
    for (let j = 0; j < h.length; j++) h[j] = values[j];
    kernel(none, none, none, none, noBatch, 0, out, h);
    return out[0];
  };
}

/**
 * Compiles a scalar expression over the `hyper` inputs k, mu, L, kappa, q.
 * @category Solvers and tracking
 */
export function compileSchedule(expression: Node, functions: FunctionTable): Schedule {
  const evaluate = compileScalarExpression(expression, SCHEDULE_VARIABLES, functions);
  const values = new Float64Array(SCHEDULE_VARIABLES.length);
  return (k, mu, L, kappa) => {
    values[0] = k;
    values[1] = mu;
    values[2] = L;
    values[3] = kappa;
    // (L − μ)/(L + μ) = (κ − 1)/(κ + 1), and 1 (not ∞/∞) when μ = 0.
    values[4] = (L - mu) / (L + mu);
    return evaluate(values);
  };
}
