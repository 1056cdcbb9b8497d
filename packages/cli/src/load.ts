/** Reads, checks and lowers a `.sgd` file, or fails with every diagnostic of the file. */
import { readFileSync } from 'node:fs';
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileSgd, formatDiagnostics, type CheckEnvironment } from '@sgdiff/dsl';
import { UserError } from './errors.ts';
import { applyOverrides, overrideAt, type OptionOverride } from './run/overrides.ts';

/** A problem together with the file it came from. */
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

/** What the checker may use, as the loaded plugins declare it. */
export function checkEnvironment(registry: PluginRegistry): CheckEnvironment {
  return {
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
 * holding every diagnostic (those caused by a flag are reported against the flag).
 */
export function loadProblem(file: string, registry: PluginRegistry, overrides: readonly OptionOverride[] = []): LoadedProblem {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UserError(`${file}: error: cannot read file: ${reason}`);
  }
  const edited = applyOverrides(source, file, overrides);
  const { problem, diagnostics } = compileSgd(edited.source, file, checkEnvironment(registry));
  if (!problem || diagnostics.some((d) => d.severity === 'error')) {
    const fromFlags = diagnostics.flatMap((d) => {
      const flag = overrideAt(edited.spans, d);
      return flag ? [`--set ${flag.flag}: ${d.severity}: ${d.message}`] : [];
    });
    const fromFile = diagnostics.filter((d) => !overrideAt(edited.spans, d));
    throw new UserError([...fromFlags, ...(fromFile.length > 0 ? [formatDiagnostics(file, edited.source, fromFile)] : [])].join('\n\n'));
  }
  const warnings = diagnostics.filter((d) => d.severity === 'warning');
  return { file, source: edited.source, problem, warnings: warnings.length > 0 ? formatDiagnostics(file, edited.source, warnings) : undefined };
}
