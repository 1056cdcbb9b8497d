/** Reads, checks and lowers a `.sgd` file, or fails with every diagnostic of the file. */
import { dirname, resolve } from 'node:path';
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileSgd, formatDiagnostics, type CheckEnvironment, type Diagnostic } from '@sgdiff/dsl';
import { UserError } from './errors.ts';
import { readSourceFile } from './read-source.ts';
import { checkFileSize, DEFAULT_SOURCE_LIMITS, type SourceLimits } from './source-limits.ts';
import { applyOverrides, overrideAt, type OptionOverride } from './run/overrides.ts';

/**
 * A problem together with the file it came from.
 * @category CLI
 */
export interface LoadedProblem {
  /** The path as given on the command line. */
  readonly file: string;
  /** The file's text. */
  readonly source: string;
  /** The lowered problem. */
  readonly problem: Problem;
  /** The checker's warnings, formatted like errors (`file:line:col: warning: ...`), when there are any. */
  readonly warnings?: string;
}

export { DEFAULT_SOURCE_LIMITS, MAX_LISTED_DIAGNOSTICS, type SourceLimits } from './source-limits.ts';

/** The first `cap` diagnostics in file order, then how many more there are. */
function formatCapped(file: string, source: string, diagnostics: readonly Diagnostic[], cap: number): string {
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  if (diagnostics.length <= cap) return formatDiagnostics(file, source, diagnostics);
  const listed = [...diagnostics].sort((a, b) => a.range.start.offset - b.range.start.offset).slice(0, cap);
  const more = diagnostics.length - cap;
  return `${formatDiagnostics(file, source, listed)}\n\n${file}: and ${more} more (${diagnostics.length} diagnostics, ${errors} errors); fix the first ones and check again`;
}

/**
 * What the checker may use, as the loaded plugins declare it; with `file`, data-source paths
 * are resolved against the file's directory.
 * @category CLI
 */
export function checkEnvironment(registry: PluginRegistry, file?: string): CheckEnvironment {
  return {
    ...(file !== undefined ? { resolvePath: (path: string) => resolve(dirname(file), path) } : {}),
    operators: registry.operators,
    solvers: new Map([...registry.solvers].map(([name, solver]) => [name, { options: registry.solverOptions(solver) }])),
    metrics: new Set(registry.metrics.keys()),
    sources: registry.sources,
    // Outer solvers (`outer_solve NAME`) registered on the OUTER_SOLVERS token.
    outerSolvers: registry.outerSolvers,
  };
}

/**
 * Loads `file`, with `--set` overrides applied to its solve block; throws a {@link UserError}
 * holding every diagnostic (those caused by a flag are reported against the flag; at most
 * `limits.maxErrors` of the file's listed), or naming the size limit when the file exceeds it.
 * @category CLI
 */
export function loadProblem(file: string, registry: PluginRegistry, overrides: readonly OptionOverride[] = [], limits: SourceLimits = DEFAULT_SOURCE_LIMITS): LoadedProblem {
  checkFileSize(file, limits.maxFileSize);
  const source = readSourceFile(file);
  const edited = applyOverrides(source, file, overrides);
  const { problem, diagnostics } = compileSgd(edited.source, file, checkEnvironment(registry, file));
  if (!problem || diagnostics.some((d) => d.severity === 'error')) {
    const fromFlags = diagnostics.flatMap((d) => {
      const flag = overrideAt(edited.spans, d);
      return flag ? [`--set ${flag.flag}: ${d.severity}: ${d.message}`] : [];
    });
    const fromFile = diagnostics.filter((d) => !overrideAt(edited.spans, d));
    throw new UserError([...fromFlags, ...(fromFile.length > 0 ? [formatCapped(file, edited.source, fromFile, limits.maxErrors)] : [])].join('\n\n'));
  }
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return { file, source: edited.source, problem, warnings: warnings.length > 0 ? formatDiagnostics(file, edited.source, warnings) : undefined };
}
