/**
 * Diagnostics as data: every problem found in a `.sgd` file is a positioned record with a
 * stable code, so tools can test for codes and editors can underline ranges; the text form
 * is produced only at the edge, by {@link formatDiagnostic}.
 */
import type { SourceRange } from './ast.ts';

/**
 * Every diagnostic code. Codes are stable kebab-case identifiers: messages may be reworded,
 * codes may not change meaning. `docs/language.md` lists each with its message pattern.
 * @category Language
 */
export type DiagnosticCode =
  // Lexing and parsing.
  | 'invalid-token'
  | 'syntax-error'
  | 'expression-too-deep'
  // Names and declarations.
  | 'unknown-name'
  | 'duplicate-declaration'
  | 'used-before-declaration'
  | 'invalid-reference'
  | 'duplicate-statement'
  // Constant expressions, dims and types.
  | 'var-used-as-data'
  | 'not-constant'
  | 'non-finite-constant'
  | 'invalid-dim'
  | 'invalid-extent'
  | 'unsupported-rank'
  | 'tensor-too-large'
  // Initializers, samples and calls.
  | 'unknown-distribution'
  | 'invalid-distribution'
  | 'unknown-source'
  | 'invalid-source-argument'
  | 'unreadable-source'
  | 'unknown-function'
  | 'wrong-arity'
  | 'invalid-argument'
  // Expressions.
  | 'shape-mismatch'
  | 'invalid-axis'
  | 'invalid-index'
  | 'index-out-of-range'
  // The objective.
  | 'missing-minimize'
  | 'invalid-objective-argument'
  | 'duplicate-argument'
  | 'missing-objective-argument'
  | 'not-an-argument'
  | 'non-scalar-objective'
  // Solve blocks.
  | 'unknown-solver'
  | 'unknown-option'
  | 'duplicate-option'
  | 'invalid-option-value'
  | 'option-out-of-range'
  | 'reference-over-budget'
  // What a solver reads of the problem and its drawn instance (the solver plugin's checks).
  | 'solver-input'
  // Hypergradients: the upper objective and its loop.
  | 'missing-outer'
  | 'analytic-needs-value'
  // Reports.
  | 'unknown-metric'
  | 'duplicate-metric'
  | 'invalid-report';

/**
 * How serious a diagnostic is: errors stop compilation, warnings do not.
 * @category Language
 */
export type Severity = 'error' | 'warning';

/**
 * One problem found in a source file.
 * @category Language
 */
export interface Diagnostic {
  /** The text the problem is about. */
  readonly range: SourceRange;
  /** Whether compilation can go on. */
  readonly severity: Severity;
  /** The stable code, e.g. `unknown-name`. */
  readonly code: DiagnosticCode;
  /** A one-line explanation for the user. */
  readonly message: string;
}

/**
 * True when at least one diagnostic is an error.
 * @category Language
 */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/**
 * Diagnostics in source order (stable, so diagnostics at one position keep their order).
 * @category Language
 */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => a.range.start.offset - b.range.start.offset);
}

/**
 * The most characters of a source line echoed under a diagnostic; a longer line is shown as a window around the span.
 * @category Language
 */
export const ECHO_WIDTH = 160;
/** How much of a long line is shown before the span's start. */
const ECHO_BEFORE = 60;

/**
 * `file:LINE:COL: error: message`, then the source line, then a caret line marking the span
 * (`^~~~`), clipped to that line when the span runs past it. A line longer than
 * {@link ECHO_WIDTH} is echoed as a window of that width around the span, with `…` where it is
 * cut, so the output's size never depends on the line's length. The line index is built once per
 * source, so formatting many diagnostics of one file costs time linear in their number and its size.
 * @param file - the name to print, usually the path the source was read from
 * @param source - the whole source text the diagnostic's range refers to
 * @param d - the diagnostic
 * @category Language
 */
export function formatDiagnostic(file: string, source: string, d: Diagnostic): string {
  const { start, end } = d.range;
  const header = `${file}:${start.line}:${start.column}: ${d.severity}: ${d.message}`;
  const starts = lineStarts(source);
  const lineStart = starts[start.line - 1] ?? source.length;
  const lineEnd = start.line < starts.length ? starts[start.line] - (source[starts[start.line] - 2] === '\r' ? 2 : 1) : source.length;
  const at = Math.min(lineStart + start.column - 1, lineEnd);
  const from = Math.max(lineStart, at - ECHO_BEFORE);
  const to = Math.min(lineEnd, from + ECHO_WIDTH);
  const lineText = source.slice(from, to);
  const before = lineText.slice(0, at - from);
  const cutBefore = from > lineStart;
  const cutAfter = to < lineEnd;
  // Keep tabs so the caret lines up under the same characters as in the source line.
  const indent = (cutBefore ? ' ' : '') + before.replace(/[^\t]/g, ' ');
  const available = Math.max(lineText.length - before.length, 1);
  const wanted = end.line === start.line ? end.column - start.column : available;
  const width = Math.min(Math.max(wanted, 1), available);
  const echoed = `${cutBefore ? '…' : ''}${lineText}${cutAfter ? '…' : ''}`;
  return `${header}\n${echoed}\n${indent}^${'~'.repeat(width - 1)}`;
}

/** The offset where each line starts, for the last source formatted (diagnostics of one file come together). */
let indexed: { source: string; starts: number[] } | undefined;

function lineStarts(source: string): number[] {
  if (indexed?.source !== source) {
    // The lexer's line terminators: `\r\n`, `\n`, and a lone `\r`.
    const starts = [0];
    for (const end of source.matchAll(/\r\n?|\n/g)) starts.push(end.index + end[0].length);
    indexed = { source, starts };
  }
  return indexed.starts;
}

/**
 * Every diagnostic formatted with {@link formatDiagnostic}, in source order, separated by
 * blank lines.
 * @category Language
 */
export function formatDiagnostics(file: string, source: string, diagnostics: readonly Diagnostic[]): string {
  return sortDiagnostics(diagnostics)
    .map((d) => formatDiagnostic(file, source, d))
    .join('\n\n');
}
