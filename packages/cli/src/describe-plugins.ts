/** `sgd plugins`: what the loaded plugins provide, with each solver's options. */
import type { PluginRegistry } from '@sgdiff/core';

/** A readable listing of solvers (with options), functions, metrics, data sources (with arguments) and rule families. */
export function describePlugins(registry: PluginRegistry): string {
  const lines: string[] = ['solvers:'];
  for (const solver of registry.solvers.values()) {
    lines.push(`  ${solver.name} (${solver.sampling} sampling): ${solver.doc}`);
    for (const o of registry.solverOptions(solver)) {
      const range = o.type === 'enum' ? (o.values ?? []).join(' | ') : o.type === 'enums' ? `list of ${(o.values ?? []).join(', ')}` : o.type === 'expression' ? `expression of ${(o.variables ?? []).join(', ')}` : `${o.type}${o.min !== undefined ? ` ≥ ${o.min}` : ''}${o.max !== undefined ? ` ≤ ${o.max}` : ''}`;
      lines.push(`    ${o.name} = ${o.default}  (${range}) ${o.doc}`);
    }
  }
  lines.push('functions:', ...[...registry.functions.values()].map((f) => `  ${f.name}: ${f.doc}`));
  lines.push('metrics:', ...[...registry.metrics.values()].map((m) => `  ${m.name}: ${m.doc}`));
  lines.push('data sources:');
  for (const source of registry.sources.values()) {
    lines.push(`  ${source.name}: ${source.doc}`);
    for (const a of source.args) {
      const values = a.values ? a.values.map((v) => JSON.stringify(v)).join(' | ') : a.type;
      lines.push(`    ${a.name} = ${a.default === undefined ? '(required)' : JSON.stringify(a.default)}  (${values}) ${a.doc}`);
    }
  }
  lines.push(`derivative rules: ${Object.keys(registry.rules).sort().join(', ')}`);
  return lines.join('\n');
}
