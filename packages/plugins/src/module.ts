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
import { gdSolver, sgdSolver } from './solvers/gradient-descent.ts';
import { fixedPointSolver } from './solvers/fixed-point.ts';
import { inexactSgdSolver } from './solvers/inexact-sgd.ts';
import { mnistSource } from './sources/mnist.ts';

/** The built-in solvers. */
export const builtinSolvers = [gdSolver, sgdSolver, inexactSgdSolver, fixedPointSolver];

/** The built-in data sources. */
export const builtinSources: readonly DataSource[] = [mnistSource];

/** Registers the built-in operators, functions, solvers, metrics, outer solvers and data sources. */
export const builtinPlugins = new ContainerModule(({ bind }) => {
  for (const operator of builtinOperators) bind(OPERATORS).toConstantValue(operator);
  for (const fn of builtinFunctions) bind(FUNCTIONS).toConstantValue(fn);
  for (const solver of builtinSolvers) bind(SOLVERS).toConstantValue(solver);
  for (const metric of [...builtinMetrics, ...implicitBiasMetrics]) bind(METRICS).toConstantValue(metric);
  for (const outer of builtinOuterSolvers) bind(OUTER_SOLVERS).toConstantValue(outer);
  for (const source of builtinSources) bind(SOURCES).toConstantValue(source);
});

/** A registry with the built-in plugins and then `extra` modules loaded. */
export function defaultRegistry(extra: readonly ContainerModule[] = []): PluginRegistry {
  return PluginRegistry.fromModules([builtinPlugins, ...extra]);
}
