/**
 * The conformance suite's check of a solver's declarations: its name and doc, and each option
 * (unique, no clash with a common option, documented, a default of its type within its bounds).
 */
import type { OptionSpec } from '../plugin/options.ts';
import { COMMON_SOLVER_OPTIONS, SCHEDULE_VARIABLES } from './common-options.ts';
import type { SolverPlugin } from './contract.ts';

/** What is wrong with `plugin`'s declarations (empty when nothing is). */
export function optionProblems(plugin: SolverPlugin): string[] {
  const problems: string[] = [];
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(plugin.name)) problems.push(`the solver name '${plugin.name}' is not an identifier`);
  if (!plugin.doc.trim()) problems.push('the solver has no doc');
  if (plugin.sampling !== 'stochastic' && plugin.sampling !== 'full') problems.push(`unknown sampling '${String(plugin.sampling)}'`);
  const seen = new Set<string>();
  for (const o of plugin.options) {
    const at = `option '${o.name}'`;
    if (seen.has(o.name)) problems.push(`${at} is declared twice`);
    seen.add(o.name);
    if (COMMON_SOLVER_OPTIONS.some((c) => c.name === o.name)) problems.push(`${at} clashes with a common option`);
    if (!o.doc.trim()) problems.push(`${at} has no doc`);
    problems.push(...defaultProblems(o).map((p) => `${at}: ${p}`));
  }
  return problems;
}

function defaultProblems(o: OptionSpec): string[] {
  switch (o.type) {
    case 'integer':
    case 'number': {
      const problems: string[] = [];
      const d = o.default;
      if (typeof d !== 'number' || !Number.isFinite(d)) return [`default ${JSON.stringify(d)} is not a finite number`];
      if (o.type === 'integer' && !Number.isInteger(d)) problems.push(`default ${d} is not an integer`);
      if (o.min !== undefined && o.max !== undefined && o.min > o.max) problems.push(`min ${o.min} > max ${o.max}`);
      if (o.min !== undefined && d < o.min) problems.push(`default ${d} < min ${o.min}`);
      if (o.max !== undefined && d > o.max) problems.push(`default ${d} > max ${o.max}`);
      return problems;
    }
    case 'enum': {
      const values = o.values ?? [];
      if (values.length === 0) return ['an enum option lists no values'];
      if (new Set(values).size !== values.length) return ['its values repeat'];
      return values.includes(String(o.default)) && typeof o.default === 'string' ? [] : [`default ${JSON.stringify(o.default)} is not among ${values.join(', ')}`];
    }
    case 'expression': {
      const problems: string[] = [];
      if (typeof o.default !== 'string' || !o.default.trim()) problems.push('the default is not expression text');
      if (!o.variables || o.variables.length === 0) problems.push('an expression option lists no variables');
      const unknown = (o.variables ?? []).filter((v) => !SCHEDULE_VARIABLES.includes(v));
      if (unknown.length > 0) problems.push(`variables ${unknown.join(', ')} are not schedule variables (${SCHEDULE_VARIABLES.join(', ')})`);
      return problems;
    }
    case 'enums':
      return enumsDefaultProblems(o);
  }
}

function enumsDefaultProblems(o: OptionSpec): string[] {
  const values = o.values ?? [];
  if (values.length === 0) return ['an enums option lists no values'];
  const chosen = String(o.default).split(',');
  const unknown = chosen.filter((v) => !values.includes(v));
  if (typeof o.default !== 'string' || unknown.length > 0) return [`default ${JSON.stringify(o.default)} is not a list of ${values.join(', ')}`];
  return new Set(chosen).size === chosen.length ? [] : [`default ${o.default} repeats an identifier`];
}

/** The options as one line for a report. */
export function describeOptions(options: readonly OptionSpec[]): string {
  if (options.length === 0) return 'no options of its own';
  return options
    .map((o) => {
      if (o.type === 'expression') return `${o.name} (expression of ${(o.variables ?? []).join(', ')}, default ${o.default})`;
      if (o.type === 'enum') return `${o.name} (enum ${(o.values ?? []).join('|')}, default ${o.default})`;
      return `${o.name} (${o.type} in [${o.min ?? '-∞'}, ${o.max ?? '∞'}], default ${o.default})`;
    })
    .join('; ');
}
