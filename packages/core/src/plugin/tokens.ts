/**
 * Service identifiers of the plugin container. Built-in plugins and third-party ones bind
 * to the same tokens through an inversify `ContainerModule`; the core reads them with `getAll`.
 */
import type { ElementwiseFunction } from '../ir/functions.ts';
import type { OperatorRecord } from '../ir/operator.ts';
import type { SolverPlugin } from '../solver/contract.ts';
import type { MetricPlugin, OuterSolverPlugin } from './contracts.ts';
import type { DataSource } from './data-source.ts';
import type { ServiceIdentifier } from 'inversify';

/**
 * IR operators, each one record with its shape rule, derivatives, printed forms and `.sgd` surface (multi-bound).
 * @category Plugins
 */
export const OPERATORS: ServiceIdentifier<OperatorRecord> = Symbol.for('sgdiff.Operator');
/**
 * Elementwise functions usable in `.sgd` expressions (multi-bound).
 * @category Plugins
 */
export const FUNCTIONS: ServiceIdentifier<ElementwiseFunction> = Symbol.for('sgdiff.ElementwiseFunction');
/**
 * Solvers usable in `solve NAME { ... }` blocks (multi-bound).
 * @category Plugins
 */
export const SOLVERS: ServiceIdentifier<SolverPlugin> = Symbol.for('sgdiff.Solver');
/**
 * Metrics usable in `report { ... }` lines, with what they need and how they compute (multi-bound).
 * @category Plugins
 */
export const METRICS: ServiceIdentifier<MetricPlugin> = Symbol.for('sgdiff.Metric');
/**
 * Outer solvers usable in `outer_solve NAME { ... }` blocks (multi-bound).
 * @category Plugins
 */
export const OUTER_SOLVERS: ServiceIdentifier<OuterSolverPlugin> = Symbol.for('sgdiff.OuterSolver');
/**
 * Data sources usable after `from` in declarations (multi-bound).
 * @category Plugins
 */
export const SOURCES: ServiceIdentifier<DataSource> = Symbol.for('sgdiff.DataSource');
