/**
 * The built-in plugins as one inversify `ContainerModule`, bound through the same public
 * tokens a third-party plugin uses.
 */
import { ContainerModule } from 'inversify';
import { FUNCTIONS, METRICS, RULE_SETS, SOLVERS, PluginRegistry, type RuleSet } from '@sgdiff/core';
import { builtinFunctions } from './functions/builtin.ts';
import { builtinMetrics } from './metrics.ts';
import { arithmeticRules } from './rules/arithmetic.ts';
import { elementwiseRules } from './rules/elementwise.ts';
import { indexingRules } from './rules/indexing.ts';
import { linalgRules } from './rules/linalg.ts';
import { reductionRules } from './rules/reductions.ts';
import { gdSolver, sgdSolver } from './solvers/gradient-descent.ts';
import { inexactSgdSolver } from './solvers/inexact-sgd.ts';

/** Every built-in rule family. */
export const builtinRuleSets: readonly RuleSet[] = [arithmeticRules, elementwiseRules, reductionRules, linalgRules, indexingRules];

/** The built-in solvers. */
export const builtinSolvers = [gdSolver, sgdSolver, inexactSgdSolver];

/** Registers the built-in rules, functions, solvers and metrics. */
export const builtinPlugins = new ContainerModule(({ bind }) => {
  for (const set of builtinRuleSets) bind(RULE_SETS).toConstantValue(set);
  for (const fn of builtinFunctions) bind(FUNCTIONS).toConstantValue(fn);
  for (const solver of builtinSolvers) bind(SOLVERS).toConstantValue(solver);
  for (const metric of builtinMetrics) bind(METRICS).toConstantValue(metric);
});

/** A registry with the built-in plugins and then `extra` modules loaded. */
export function defaultRegistry(extra: readonly ContainerModule[] = []): PluginRegistry {
  return PluginRegistry.fromModules([builtinPlugins, ...extra]);
}
