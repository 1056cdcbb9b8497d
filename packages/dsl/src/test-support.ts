/**
 * Fixtures shared by the DSL's tests: a small fake environment standing in for the plugins,
 * and a compact one-line rendering of diagnostics for exact assertions.
 */
import { builtinOperatorTable, type OptionSpec } from '@sgdiff/core';
import { builtinFunctions } from '@sgdiff/plugins';
import type { CheckEnvironment } from './check/environment.ts';
import type { Diagnostic } from './diagnostics.ts';

/** The options of the fake `gd` and `sgd` solvers. */
export const TEST_SOLVER_OPTIONS: readonly OptionSpec[] = [
  { name: 'iterations', type: 'integer', default: 1000, min: 1, doc: 'Number of steps.' },
  { name: 'step', type: 'expression', default: '1/L', variables: ['k', 'mu', 'L', 'kappa'], doc: 'Step size at step k.' },
  { name: 'track', type: 'enum', default: 'none', values: ['none', 'forward', 'reverse', 'implicit'], doc: 'Derivative tracking.' },
];

/** An environment with the built-in operators and functions, solvers `gd` and `sgd`, five metrics and no data source. */
export const TEST_ENVIRONMENT: CheckEnvironment = {
  operators: builtinOperatorTable(new Map(builtinFunctions.map((f) => [f.name, f] as const))),
  solvers: new Map([
    ['gd', { options: TEST_SOLVER_OPTIONS }],
    ['sgd', { options: TEST_SOLVER_OPTIONS }],
  ]),
  metrics: new Set(['suboptimality', 'distance', 'jacobian_error', 'gradient_norm', 'step']),
  sources: new Map(),
  outerSolvers: new Map(),
};

/** `LINE:COL code: message`, the form the diagnostics corpus asserts. */
export function brief(d: Diagnostic): string {
  return `${d.range.start.line}:${d.range.start.column} ${d.code}: ${d.message}`;
}
