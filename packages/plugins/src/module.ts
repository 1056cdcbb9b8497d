/**
 * The built-in plugins as one inversify `ContainerModule`, bound through the same public
 * tokens a third-party plugin uses.
 */
import { ContainerModule } from 'inversify';
import { FUNCTIONS, METRICS, RULE_SETS, SOLVERS, SOURCES, PluginRegistry, type DataSource, type RuleSet } from '@sgdiff/core';
import { builtinFunctions } from './functions/builtin.ts';
import { builtinMetrics } from './metrics.ts';
import { arithmeticRules } from './rules/arithmetic.ts';
import { elementwiseRules } from './rules/elementwise.ts';
import { indexingRules } from './rules/indexing.ts';
import { linalgRules } from './rules/linalg.ts';
import { reductionRules } from './rules/reductions.ts';
import { gdSolver, sgdSolver } from './solvers/gradient-descent.ts';
import { fixedPointSolver } from './solvers/fixed-point.ts';
import { inexactSgdSolver } from './solvers/inexact-sgd.ts';
import { mnistSource } from './sources/mnist.ts';
import { fileSources } from './sources/file-sources.ts';

/** Every built-in rule family. */
export const builtinRuleSets: readonly RuleSet[] = [arithmeticRules, elementwiseRules, reductionRules, linalgRules, indexingRules];

/** The built-in solvers. */
export const builtinSolvers = [gdSolver, sgdSolver, inexactSgdSolver, fixedPointSolver];

/** The built-in data sources. */
export const builtinSources: readonly DataSource[] = [mnistSource, ...fileSources];

/** Registers the built-in rules, functions, solvers, metrics and data sources. */
export const builtinPlugins = new ContainerModule(({ bind }) => {
  for (const set of builtinRuleSets) bind(RULE_SETS).toConstantValue(set);
  for (const fn of builtinFunctions) bind(FUNCTIONS).toConstantValue(fn);
  for (const solver of builtinSolvers) bind(SOLVERS).toConstantValue(solver);
  for (const metric of builtinMetrics) bind(METRICS).toConstantValue(metric);
  for (const source of builtinSources) bind(SOURCES).toConstantValue(source);
});

/** A registry with the built-in plugins and then `extra` modules loaded. */
export function defaultRegistry(extra: readonly ContainerModule[] = []): PluginRegistry {
  return PluginRegistry.fromModules([builtinPlugins, ...extra]);
}
