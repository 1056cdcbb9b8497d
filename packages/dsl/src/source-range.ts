/**
 * Conversions from Chevrotain positions (inclusive ends) to the AST's half-open
 * {@link SourceRange}s, and small helpers to combine ranges.
 */
import type { CstNodeLocation, IToken } from 'chevrotain';
import type { SourcePosition, SourceRange } from './ast.ts';

/** The range covering one token. */
export function tokenRange(token: IToken): SourceRange {
  return {
    start: { line: token.startLine ?? 1, column: token.startColumn ?? 1, offset: token.startOffset },
    end: { line: token.endLine ?? 1, column: (token.endColumn ?? 0) + 1, offset: (token.endOffset ?? token.startOffset) + 1 },
  };
}

/** The range of a CST node (the parser tracks full node locations). */
export function locationRange(location: CstNodeLocation): SourceRange {
  return {
    start: { line: location.startLine ?? 1, column: location.startColumn ?? 1, offset: location.startOffset },
    end: { line: location.endLine ?? 1, column: (location.endColumn ?? 0) + 1, offset: (location.endOffset ?? location.startOffset) + 1 },
  };
}

/** From the start of `first` to the end of `last`. */
export function spanRange(first: SourceRange, last: SourceRange): SourceRange {
  return { start: first.start, end: last.end };
}

/** The empty range at a position, e.g. where something is missing. */
export function pointRange(at: SourcePosition): SourceRange {
  return { start: at, end: at };
}

/** The position just past the last character of `source`. */
export function endOfSource(source: string): SourcePosition {
  const lines = source.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1, offset: source.length };
}
