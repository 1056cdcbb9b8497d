/**
 * The built-in plugins as one inversify `ContainerModule`, bound through the same public
 * tokens a third-party plugin uses.
 */
import { ContainerModule } from 'inversify';
import { FUNCTIONS, METRICS, OPERATORS, OUTER_SOLVERS, SOLVERS, SOURCES, PluginRegistry, builtinOperators, type DataSource } from '@sgdiff/core';
import { builtinFunctions } from './functions/builtin.ts';
import { builtinMetrics } from './metrics.ts';
import { implicitBiasMetrics } from './metrics/implicit-bias.ts';
import { builtinOuterSolvers } from './outer-solvers.ts';
import { mirrorAscentOuterSolver } from './mirror-ascent.ts';
import { gdSolver, sgdSolver } from './solvers/gradient-descent.ts';
import { fixedPointSolver } from './solvers/fixed-point.ts';
import { inexactSgdSolver } from './solvers/inexact-sgd.ts';
import { mnistSource } from './sources/mnist.ts';
import { fileSources } from './sources/file-sources.ts';
import { gridSource } from './sources/grid.ts';
import { sinkhornSolver } from './solvers/sinkhorn.ts';
import { marginalViolationMetric, simplexHypergradientErrorMetric } from './sinkhorn-metrics.ts';

/**
 * The built-in solvers.
 * @category Plugins
 */
export const builtinSolvers = [gdSolver, sgdSolver, inexactSgdSolver, fixedPointSolver, sinkhornSolver];

/**
 * The built-in data sources.
 * @category Plugins
 */
export const builtinSources: readonly DataSource[] = [mnistSource, gridSource, ...fileSources];

/**
 * Registers the built-in operators, functions, solvers, metrics, outer solvers and data sources.
 * @category Plugins
 */
export const builtinPlugins = new ContainerModule(({ bind }) => {
  for (const operator of builtinOperators) bind(OPERATORS).toConstantValue(operator);
  for (const fn of builtinFunctions) bind(FUNCTIONS).toConstantValue(fn);
  for (const solver of builtinSolvers) bind(SOLVERS).toConstantValue(solver);
  for (const metric of [...builtinMetrics, ...implicitBiasMetrics, marginalViolationMetric, simplexHypergradientErrorMetric]) bind(METRICS).toConstantValue(metric);
  for (const outer of [...builtinOuterSolvers, mirrorAscentOuterSolver]) bind(OUTER_SOLVERS).toConstantValue(outer);
  for (const source of builtinSources) bind(SOURCES).toConstantValue(source);
});

/**
 * A registry with the built-in plugins and then `extra` modules loaded.
 * @example Write a solver plugin and load it (test/doc-examples.test.ts runs this):
 * ```ts
 * import { ContainerModule } from 'inversify';
 * import { SOLVERS, type SolverPlugin } from '@sgdiff/core';
 * import { defaultRegistry } from '@sgdiff/plugins';
 *
 * // Gradient descent with the fixed step η = 1, as a step map x ↦ x − η ∇ₓf.
 * const plainGd: SolverPlugin = {
 *   name: 'plain_gd',
 *   doc: 'Gradient descent with the step 1.',
 *   sampling: 'full',
 *   options: [],
 *   stepMap: (ctx) => {
 *     const eta = ctx.builder.const(1);
 *     return { next: ctx.vars.map((x, k) => (ctx.gradient[k] ? ctx.builder.sub(x, ctx.builder.mul(eta, ctx.gradient[k])) : x)) };
 *   },
 * };
 * const registry = defaultRegistry([new ContainerModule(({ bind }) => void bind(SOLVERS).toConstantValue(plainGd))]);
 * console.log(registry.solvers.has('plain_gd')); // true
 * ```
 * @category Plugins
 */
export function defaultRegistry(extra: readonly ContainerModule[] = []): PluginRegistry {
  return PluginRegistry.fromModules([builtinPlugins, ...extra]);
}
