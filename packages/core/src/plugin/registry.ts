/**
 * The plugin registry: an inversify container loaded with plugin modules, and typed views
 * of what they registered. Every consumer (checker, differentiation, solvers) reads here.
 */
import 'reflect-metadata';
import { Container, type ContainerModule } from 'inversify';
import { rulesOf, type RuleTable } from '../diff/rules.ts';
import type { ElementwiseFunction, FunctionTable } from '../ir/functions.ts';
import { OperatorTable, type OperatorRecord } from '../ir/operator.ts';
import { COMMON_SOLVER_OPTIONS } from '../solver/common-options.ts';
import type { SolverPlugin } from '../solver/contract.ts';
import type { MetricPlugin, OuterSolverPlugin } from './contracts.ts';
import type { DataSource } from './data-source.ts';
import type { OptionSpec } from './options.ts';
import { FUNCTIONS, METRICS, OPERATORS, OUTER_SOLVERS, SOLVERS, SOURCES } from './tokens.ts';

function byName<T extends { readonly name: string }>(kind: string, items: readonly T[]): ReadonlyMap<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    if (map.has(item.name)) throw new Error(`two plugins register the ${kind} '${item.name}'`);
    map.set(item.name, item);
  }
  return map;
}

function getAllOrNone<T>(container: Container, token: symbol): T[] {
  return container.isBound(token) ? container.getAll<T>(token) : [];
}

/**
 * What the loaded plugins provide, resolved once.
 * @category Plugins
 */
export class PluginRegistry {
  /** The operators (an operator registered twice is an error) and the elementwise functions: what an `IRBuilder` is made with. */
  readonly operators: OperatorTable;
  /** The operators' differentiation rules by name (a view of {@link PluginRegistry.operators}). */
  readonly rules: RuleTable;
  /** Elementwise functions by name. */
  readonly functions: FunctionTable;
  /** Solvers by name. */
  readonly solvers: ReadonlyMap<string, SolverPlugin>;
  /** Metrics by name, in registration order (the order traces list them). */
  readonly metrics: ReadonlyMap<string, MetricPlugin>;
  /** Outer solvers by name. */
  readonly outerSolvers: ReadonlyMap<string, OuterSolverPlugin>;
  /** Data sources by name. */
  readonly sources: ReadonlyMap<string, DataSource>;

  /** @param container - a container every plugin module has been loaded into */
  constructor(readonly container: Container) {
    this.functions = byName('function', getAllOrNone<ElementwiseFunction>(container, FUNCTIONS as symbol));
    this.operators = new OperatorTable(getAllOrNone<OperatorRecord>(container, OPERATORS as symbol), this.functions);
    this.rules = rulesOf(this.operators);
    this.solvers = byName('solver', getAllOrNone<SolverPlugin>(container, SOLVERS as symbol));
    this.metrics = byName('metric', getAllOrNone<MetricPlugin>(container, METRICS as symbol));
    this.outerSolvers = byName('outer solver', getAllOrNone<OuterSolverPlugin>(container, OUTER_SOLVERS as symbol));
    this.sources = byName('data source', getAllOrNone<DataSource>(container, SOURCES as symbol));
    for (const solver of this.solvers.values()) {
      const clash = solver.options.find((o) => COMMON_SOLVER_OPTIONS.some((c) => c.name === o.name));
      if (clash) throw new Error(`solver '${solver.name}' declares '${clash.name}', an option every solver already has`);
    }
  }

  /** Every option a `solve` block of `solver` may set: the common ones, then the solver's own. */
  solverOptions(solver: SolverPlugin): readonly OptionSpec[] {
    return [...COMMON_SOLVER_OPTIONS, ...solver.options];
  }

  /** A registry over a fresh container loaded with `modules`, in order. */
  static fromModules(modules: readonly ContainerModule[]): PluginRegistry {
    const container = new Container();
    container.load(...modules);
    return new PluginRegistry(container);
  }
}
