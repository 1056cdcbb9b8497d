/**
 * Source text to AST: lexing, parsing with error recovery, and CST-to-AST conversion, with
 * every lexical and syntax error turned into a {@link Diagnostic}.
 */
import type { ILexingError, IRecognitionException } from 'chevrotain';
import type { Expr, SgdFile } from './ast.ts';
import { cstToAst, cstToExpression } from './cst-to-ast.ts';
import { checkExpressionDepth, scanNesting } from './depth.ts';
import { sortDiagnostics, type Diagnostic } from './diagnostics.ts';
import { sgdLexer } from './lexer.ts';
import { sgdParser } from './parser.ts';
import { endOfSource, pointRange, tokenRange } from './source-range.ts';

/** The outcome of parsing one file. */
export interface ParseResult {
  /** The syntax tree; present only when the file has no lexical or syntax error. */
  readonly ast?: SgdFile;
  /** Lexical and syntax errors, in source order. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses `.sgd` source text. Never throws for a user mistake: every error of the file is
 * returned as a diagnostic, and the AST only when there is none, so later stages never see
 * a tree patched up by error recovery.
 */
export function parseSource(source: string): ParseResult {
  const lexed = sgdLexer.tokenize(source);
  const diagnostics = lexed.errors.map((e) => lexingDiagnostic(source, e));
  // The parser recurses once per nesting level: refuse an over-deep file before it runs.
  const tooDeep = scanNesting(lexed.tokens);
  if (tooDeep.length > 0) return { diagnostics: sortDiagnostics([...diagnostics, ...tooDeep]) };
  sgdParser.input = lexed.tokens;
  const cst = sgdParser.file();
  diagnostics.push(...sgdParser.errors.map((e) => syntaxDiagnostic(source, e)));
  if (diagnostics.length > 0) return { diagnostics: sortDiagnostics(diagnostics) };
  const built = cstToAst(cst, source);
  if (built.diagnostics.length > 0) return { diagnostics: sortDiagnostics(built.diagnostics) };
  // Later stages recurse on the tree, left-deep chains included: refuse what they could not finish.
  const tooTall = checkExpressionDepth(built.file);
  if (tooTall.length > 0) return { diagnostics: tooTall };
  return { ast: built.file, diagnostics: [] };
}

/**
 * Parses a lone expression, such as the default value a plugin declares for an `expression`
 * option. Plugin text is not user input, so an error here is a plugin bug and throws.
 */
export function parseExpression(text: string): Expr {
  const lexed = sgdLexer.tokenize(text);
  sgdParser.input = lexed.tokens;
  const cst = sgdParser.expression();
  const errors = [...lexed.errors.map((e) => e.message), ...sgdParser.errors.map((e) => e.message)];
  const built = errors.length === 0 ? cstToExpression(cst) : undefined;
  if (!built || built.diagnostics.length > 0) throw new Error(`invalid expression '${text}': ${errors.join('; ')}`);
  return built.expr;
}

function lexingDiagnostic(source: string, e: ILexingError): Diagnostic {
  const start = { line: e.line ?? 1, column: e.column ?? 1, offset: e.offset };
  const range = { start, end: { ...start, column: start.column + e.length, offset: e.offset + e.length } };
  const text = source.slice(e.offset, e.offset + e.length);
  const message = text.startsWith('"') ? 'unterminated string' : `unexpected character '${text}'`;
  return { range, severity: 'error', code: 'invalid-token', message };
}

function syntaxDiagnostic(source: string, e: IRecognitionException): Diagnostic {
  // The end-of-file token has no position; point just past the last character instead.
  const range = Number.isNaN(e.token.startOffset) ? pointRange(endOfSource(source)) : tokenRange(e.token);
  return { range, severity: 'error', code: 'syntax-error', message: e.message };
}
