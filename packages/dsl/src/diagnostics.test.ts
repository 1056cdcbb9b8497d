import { describe, expect, it } from 'vitest';
import type { SourceRange } from './ast.ts';
import { formatDiagnostic, formatDiagnostics, type Diagnostic } from './diagnostics.ts';

function at(line: number, column: number, endLine: number, endColumn: number): SourceRange {
  // Offsets do not matter for formatting, which works from lines and columns.
  return { start: { line, column, offset: 0 }, end: { line: endLine, column: endColumn, offset: 0 } };
}

function error(range: SourceRange, message: string): Diagnostic {
  return { range, severity: 'error', code: 'unknown-name', message };
}

const SOURCE = 'dim n = 10\nvar x : R[m] = 0\n\tconst c = foo';

describe('formatDiagnostic', () => {
  it('prints the position, the source line and a caret line under the span', () => {
    expect(formatDiagnostic('a.sgd', SOURCE, error(at(2, 11, 2, 12), "unknown name 'm'"))).toBe(
      ["a.sgd:2:11: error: unknown name 'm'", 'var x : R[m] = 0', '          ^'].join('\n'),
    );
  });

  it('underlines multi-character spans with tildes and keeps tabs for alignment', () => {
    expect(formatDiagnostic('a.sgd', SOURCE, error(at(3, 12, 3, 15), "unknown name 'foo'"))).toBe(
      ["a.sgd:3:12: error: unknown name 'foo'", '\tconst c = foo', '\t          ^~~'].join('\n'),
    );
  });

  it('clips a span running past its line to the end of that line', () => {
    expect(formatDiagnostic('a.sgd', SOURCE, error(at(1, 5, 3, 2), 'spans lines'))).toBe(
      ['a.sgd:1:5: error: spans lines', 'dim n = 10', '    ^~~~~~'].join('\n'),
    );
  });

  it('shows one caret for an empty span, also at the end of a line, and prints warnings as such', () => {
    const warning: Diagnostic = { range: at(1, 11, 1, 11), severity: 'warning', code: 'duplicate-metric', message: 'here' };
    expect(formatDiagnostic('a.sgd', SOURCE, warning)).toBe(['a.sgd:1:11: warning: here', 'dim n = 10', '          ^'].join('\n'));
  });
});

describe('formatDiagnostics', () => {
  it('formats a list in source order, separated by blank lines', () => {
    const text = formatDiagnostics('a.sgd', SOURCE, [
      { ...error(at(2, 11, 2, 12), 'second'), range: { start: { line: 2, column: 11, offset: 21 }, end: { line: 2, column: 12, offset: 22 } } },
      { ...error(at(1, 5, 1, 6), 'first'), range: { start: { line: 1, column: 5, offset: 4 }, end: { line: 1, column: 6, offset: 5 } } },
    ]);
    expect(text.split('\n\n').map((block) => block.split('\n')[0])).toEqual(['a.sgd:1:5: error: first', 'a.sgd:2:11: error: second']);
  });
});
