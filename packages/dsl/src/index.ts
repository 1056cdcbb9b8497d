/**
 * `@sgdiff/dsl`: the `.sgd` language front end. {@link parseSgd} turns text into a syntax
 * tree, {@link compileSgd} checks it against the installed plugins and lowers it to the
 * core `Problem`. User mistakes never throw: they come back as {@link Diagnostic}s.
 * @packageDocumentation
 */
import type { Problem } from '@sgdiff/core';
import type { SgdFile } from './ast.ts';
import { checkFile } from './checker.ts';
import type { CheckEnvironment } from './check/environment.ts';
import { hasErrors, type Diagnostic } from './diagnostics.ts';
import { lowerFile } from './lower.ts';
import { parseSource } from './parse.ts';

export type * from './ast.ts';
export type { CheckEnvironment, SolverDescription, SourceDescription } from './check/environment.ts';
export type { CheckedTensor } from './check/declarations.ts';
export type { CheckedSolve, OptionValue } from './check/solve.ts';
export type { CheckedOuter } from './check/outer.ts';
export type { CheckedSample } from './check/samples.ts';
export { DEFAULT_LOG_POINTS } from './check/report.ts';
export { checkFile, type CheckResult, type CheckedFile, type NamedValue } from './checker.ts';
export { ECHO_WIDTH, formatDiagnostic, formatDiagnostics, hasErrors, sortDiagnostics } from './diagnostics.ts';
export { MAX_EXPRESSION_DEPTH, MAX_NESTING } from './depth.ts';
export type { Diagnostic, DiagnosticCode, Severity } from './diagnostics.ts';
export { lowerFile } from './lower.ts';
export { parseSettingValue, type SettingValue } from './parse-value.ts';

/**
 * The outcome of {@link parseSgd}.
 * @category Language
 */
export interface SgdParseResult {
  /** The file name the source was read from, for formatting diagnostics. */
  readonly file: string;
  /** The syntax tree; present only when the source has no lexical or syntax error. */
  readonly ast?: SgdFile;
  /** Lexical and syntax errors, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The outcome of {@link compileSgd}.
 * @category Language
 */
export interface SgdCompileResult {
  /** The file name the source was read from, for formatting diagnostics. */
  readonly file: string;
  /** The lowered problem; present only when there is no error (warnings allowed). */
  readonly problem?: Problem;
  /** Every syntax error, or else every check error and warning, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses `.sgd` source text, reporting every lexical and syntax error at once.
 * @param source - the file's text
 * @param file - the name to report it under
 * @category Language
 */
export function parseSgd(source: string, file: string): SgdParseResult {
  return { file, ...parseSource(source) };
}

/**
 * Parses, checks and lowers `.sgd` source text. Checking runs only on a file without syntax
 * errors (a tree patched up by error recovery would yield misleading diagnostics).
 * @param source - the file's text
 * @param file - the name to report it under
 * @param env - the operators, functions, solvers, metrics and data sources the file may use;
 *   the problem's IR is built with `env.operators`
 * @example Compile a file and differentiate it (test/doc-examples.test.ts runs this):
 * ```ts
 * import { buildDerivativeGraphs } from '@sgdiff/core';
 * import { compileSgd } from '@sgdiff/dsl';
 * import { defaultRegistry } from '@sgdiff/plugins';
 * import { checkEnvironment } from '@sgdiff/cli';
 *
 * const registry = defaultRegistry();
 * const source = 'var x : R = 1\nminimize f(x) = (x - 3)^2\n';
 * const { problem, diagnostics } = compileSgd(source, 'quadratic.sgd', checkEnvironment(registry));
 * if (!problem) throw new Error(diagnostics.map((d) => d.message).join('\n'));
 * const graphs = buildDerivativeGraphs(problem, registry.rules);
 * console.log(graphs.gradX.length); // 1: ∇ₓF for the one var
 * ```
 * @category Language
 */
export function compileSgd(source: string, file: string, env: CheckEnvironment): SgdCompileResult {
  const parsed = parseSource(source);
  if (!parsed.ast) return { file, diagnostics: parsed.diagnostics };
  const { checked, diagnostics } = checkFile(parsed.ast, env);
  if (!checked || hasErrors(diagnostics)) return { file, diagnostics };
  return { file, problem: lowerFile(checked, source, env.operators), diagnostics };
}
