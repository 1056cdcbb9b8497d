/**
 * Service identifiers of the plugin container. Built-in plugins and third-party ones bind
 * to the same tokens through an inversify `ContainerModule`; the core reads them with `getAll`.
 */
import type { RuleSet } from '../diff/rules.ts';
import type { ElementwiseFunction } from '../ir/functions.ts';
import type { SolverPlugin } from '../solver/contract.ts';
import type { MetricPlugin, OuterSolverPlugin } from './contracts.ts';
import type { DataSource } from './data-source.ts';
import type { ServiceIdentifier } from 'inversify';

/** Differentiation rule families (multi-bound). */
export const RULE_SETS: ServiceIdentifier<RuleSet> = Symbol.for('sgdiff.RuleSet');
/** Elementwise functions usable in `.sgd` expressions (multi-bound). */
export const FUNCTIONS: ServiceIdentifier<ElementwiseFunction> = Symbol.for('sgdiff.ElementwiseFunction');
/** Solvers usable in `solve NAME { ... }` blocks (multi-bound). */
export const SOLVERS: ServiceIdentifier<SolverPlugin> = Symbol.for('sgdiff.Solver');
/** Metrics usable in `report { ... }` lines, with what they need and how they compute (multi-bound). */
export const METRICS: ServiceIdentifier<MetricPlugin> = Symbol.for('sgdiff.Metric');
/** Outer solvers usable in `outer_solve NAME { ... }` blocks (multi-bound). */
export const OUTER_SOLVERS: ServiceIdentifier<OuterSolverPlugin> = Symbol.for('sgdiff.OuterSolver');
/** Data sources usable after `from` in declarations (multi-bound). */
export const SOURCES: ServiceIdentifier<DataSource> = Symbol.for('sgdiff.DataSource');
