/**
 * `sgd plugins`: what the loaded plugins provide, as aligned tables (solvers and their own
 * options, the options every solver shares once, functions, operators by their language names,
 * metrics, outer solvers, data sources), or as JSON (`--json`).
 */
import { COMMON_SOLVER_OPTIONS, type DataSourceArg, type OperatorSurface, type OptionSpec, type PluginRegistry } from '@sgdiff/core';
import { formatTable } from './text-table.ts';

/**
 * How an operator surface is written in `.sgd` source, e.g. `logsumexp(M, axis = 0|1)`, `a @ b`, `v[:, None]`.
 * @category CLI
 */
export function surfaceSyntax(surface: OperatorSurface): string {
  const params = surface.params.map((p) => p.name);
  switch (surface.kind) {
    case 'call':
      return `${surface.name}(${[...params, ...(surface.takesAxis ? ['axis = 0|1'] : [])].join(', ')})`;
    case 'infix':
      return `${params[0] ?? 'a'} ${surface.name} ${params[1] ?? 'b'}`;
    case 'prefix':
      return `${surface.name}${params[0] ?? 'a'}`;
    case 'index':
      return `${params[0] ?? 'a'}[${params[1] ?? 'i'}]`;
    case 'newaxis':
      return `${params[0] ?? 'v'}[:, None], ${params[0] ?? 'v'}[None, :]`;
  }
}

/**
 * The values an option accepts, in words.
 * @category CLI
 */
export function optionRange(o: OptionSpec): string {
  switch (o.type) {
    case 'enum':
      return (o.values ?? []).join(' | ');
    case 'enums':
      return `list of ${(o.values ?? []).join(', ')}`;
    case 'expression':
      return `expression of ${(o.variables ?? []).join(', ')}`;
    default:
      return `${o.type}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}`;
  }
}

/** The values a data-source argument accepts, in words. */
function argumentRange(a: DataSourceArg): string {
  return a.values ? a.values.map((v) => JSON.stringify(v)).join(' | ') : a.type;
}

/**
 * Everything `sgd plugins --json` prints.
 * @category CLI
 */
export interface PluginsDescription {
  /** Solvers with their own options (the common ones are in `commonOptions`). */
  readonly solvers: ReadonlyArray<{ readonly name: string; readonly sampling: string; readonly doc: string; readonly options: readonly OptionSpec[] }>;
  /** The options every solver accepts. */
  readonly commonOptions: readonly OptionSpec[];
  /** Elementwise functions. */
  readonly functions: ReadonlyArray<{ readonly name: string; readonly doc: string }>;
  /** Operators by how they are written in the language: the spelling, the IR operator it builds, its description. */
  readonly operators: ReadonlyArray<{ readonly syntax: string; readonly operator: string; readonly doc: string }>;
  /** Run metrics. */
  readonly metrics: ReadonlyArray<{ readonly name: string; readonly doc: string }>;
  /** `outer_solve` solvers with their options. */
  readonly outerSolvers: ReadonlyArray<{ readonly name: string; readonly doc: string; readonly options: readonly OptionSpec[] }>;
  /** Data sources with their arguments. */
  readonly sources: ReadonlyArray<{ readonly name: string; readonly doc: string; readonly args: readonly DataSourceArg[] }>;
}

/**
 * What the registry provides, as plain data.
 * @category CLI
 */
export function pluginsDescription(registry: PluginRegistry): PluginsDescription {
  return {
    solvers: [...registry.solvers.values()].map((s) => ({ name: s.name, sampling: s.sampling, doc: s.doc, options: s.options })),
    commonOptions: COMMON_SOLVER_OPTIONS,
    functions: [...registry.functions.values()].map((f) => ({ name: f.name, doc: f.doc })),
    operators: [...registry.operators.surfaces.values()].flat().map(({ record, surface }) => ({
      syntax: surfaceSyntax(surface),
      operator: record.name,
      // A composite spelling (`u . v`, `softmax`, `onehot`) builds from the operator it names; its own doc would describe that operator.
      doc: surface.build ? `Written with ${record.name} and other operators.` : record.doc,
    })),
    metrics: [...registry.metrics.values()].map((m) => ({ name: m.name, doc: m.doc })),
    outerSolvers: [...registry.outerSolvers.values()].map((s) => ({ name: s.name, doc: s.doc, options: s.options })),
    sources: [...registry.sources.values()].map((s) => ({ name: s.name, doc: s.doc, args: s.args })),
  };
}

/** Rows of an options table: name, default, accepted values, description. */
function optionRows(options: readonly OptionSpec[]): string[][] {
  return options.map((o) => [o.name, String(o.default), optionRange(o), o.doc]);
}

/**
 * The readable listing, with descriptions wrapped to `width` columns.
 * @category CLI
 */
export function describePlugins(registry: PluginRegistry, width = 100): string {
  const d = pluginsDescription(registry);
  const optionHeader = ['option', 'default', 'values', 'description'];
  const sections = [
    `SOLVERS\n${formatTable(['solver', 'sampling', 'description'], d.solvers.map((s) => [s.name, s.sampling, s.doc]), width)}`,
    ...d.solvers.filter((s) => s.options.length > 0).map((s) => `OPTIONS OF ${s.name}\n${formatTable(optionHeader, optionRows(s.options), width)}`),
    `OPTIONS OF EVERY SOLVER\n${formatTable(optionHeader, optionRows(d.commonOptions), width)}`,
    `FUNCTIONS\n${formatTable(['function', 'description'], d.functions.map((f) => [f.name, f.doc]), width)}`,
    `OPERATORS (each with its shape rule, derivatives and kernels)\n${formatTable(['written', 'operator', 'description'], d.operators.map((o) => [o.syntax, o.operator, o.doc]), width)}`,
    `METRICS\n${formatTable(['metric', 'description'], d.metrics.map((m) => [m.name, m.doc]), width)}`,
    `OUTER SOLVERS (outer_solve)\n${formatTable(['solver', 'description'], d.outerSolvers.map((s) => [s.name, s.doc]), width)}`,
    ...d.outerSolvers.map((s) => `OPTIONS OF outer_solve ${s.name}\n${formatTable(optionHeader, optionRows(s.options), width)}`),
    `DATA SOURCES\n${formatTable(['source', 'description'], d.sources.map((s) => [s.name, s.doc]), width)}`,
    ...d.sources
      .filter((s) => s.args.length > 0)
      .map((s) => `ARGUMENTS OF ${s.name}\n${formatTable(['argument', 'default', 'values', 'description'], s.args.map((a) => [a.name, a.default === undefined ? '(required)' : JSON.stringify(a.default), argumentRange(a), a.doc]), width)}`),
  ];
  return sections.join('\n\n');
}
