/** Reads, checks and lowers a `.sgd` file, or fails with every diagnostic of the file. */
import { readFileSync } from 'node:fs';
import type { PluginRegistry, Problem } from '@sgdiff/core';
import { compileSgd, formatDiagnostics, type CheckEnvironment } from '@sgdiff/dsl';
import { UserError } from './errors.ts';

/** A problem together with the file it came from. */
export interface LoadedProblem {
  /** The path as given on the command line. */
  readonly file: string;
  /** The file's text. */
  readonly source: string;
  /** The lowered problem. */
  readonly problem: Problem;
}

/** What the checker may use, as the loaded plugins declare it. */
export function checkEnvironment(registry: PluginRegistry): CheckEnvironment {
  return {
    functions: new Set(registry.functions.keys()),
    solvers: new Map([...registry.solvers].map(([name, solver]) => [name, { options: registry.solverOptions(solver) }])),
    metrics: new Set(registry.metrics.keys()),
    sources: new Map(),
  };
}

/** Loads `file`; throws a {@link UserError} holding the formatted diagnostics when it has errors. */
export function loadProblem(file: string, registry: PluginRegistry): LoadedProblem {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UserError(`${file}: error: cannot read file: ${reason}`);
  }
  const { problem, diagnostics } = compileSgd(source, file, checkEnvironment(registry), registry.functions);
  if (!problem || diagnostics.some((d) => d.severity === 'error')) {
    throw new UserError(formatDiagnostics(file, source, diagnostics));
  }
  return { file, source, problem };
}
