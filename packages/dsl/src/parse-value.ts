/**
 * A value given outside the file (`sgd run --set KEY=VALUE`, a value of `sgd sweep --grid`),
 * parsed by the language's own expression rule: one number, one identifier or one expression,
 * or, where a list is allowed (a solve option of kind `enums`), comma-separated ones. Anything
 * else (a second option, a closing brace, a declaration after the value) is refused, and what
 * goes into the file is printed from the parsed tokens, never the text as typed: a comment
 * cannot swallow the rest of a line, and a line break cannot start a statement.
 */
import type { IToken } from 'chevrotain';
import { cstToExpression } from './cst-to-ast.ts';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING, measureDepth, scanNesting } from './depth.ts';
import { sgdLexer } from './lexer.ts';
import * as T from './lexer.ts';
import { sgdParser } from './parser.ts';

/**
 * The outcome of {@link parseSettingValue}: the value's canonical text, or why it is not one value.
 * @category Language
 */
export type SettingValue = { readonly ok: true; readonly text: string; readonly count: number } | { readonly ok: false; readonly message: string };

/** The value's tokens split at the commas outside brackets (a call's or an index's commas stay inside). */
function splitAtTopCommas(tokens: readonly IToken[]): IToken[][] {
  const parts: IToken[][] = [[]];
  let depth = 0;
  for (const token of tokens) {
    if (token.tokenType === T.LParen || token.tokenType === T.LBracket) depth += 1;
    else if (token.tokenType === T.RParen || token.tokenType === T.RBracket) depth = Math.max(0, depth - 1);
    if (token.tokenType === T.Comma && depth === 0) parts.push([]);
    else parts[parts.length - 1].push(token);
  }
  return parts;
}

/** `tokens` as the language reads them, one space apart (comments and line breaks are gone). */
function printTokens(tokens: readonly IToken[]): string {
  return tokens.map((t) => t.image).join(' ');
}

/** Why `tokens` are not exactly one expression, or `undefined` when they are. */
function oneExpressionError(tokens: readonly IToken[]): string | undefined {
  if (tokens.length === 0) return 'the value is empty';
  // The parser recurses per nesting level: refuse an over-deep value before it runs.
  if (scanNesting(tokens).length > 0) return `the value is nested too deeply (limit ${MAX_NESTING} levels of brackets, calls, prefix '-' and '^')`;
  sgdParser.input = [...tokens];
  const cst = sgdParser.expression();
  const [error] = sgdParser.errors;
  if (error) {
    const at = tokens.findIndex((t) => t.startOffset === error.token.startOffset);
    // A complete expression followed by more: the commonest mistake, worded as such.
    if (error.name === 'NotAllInputParsedException' && at > 0) {
      return `'${printTokens(tokens.slice(0, at))}' is a complete value, followed by '${printTokens(tokens.slice(at))}'`;
    }
    return at < 0 ? `'${printTokens(tokens)}' is incomplete` : `unexpected '${tokens[at].image}' in '${printTokens(tokens)}'`;
  }
  const built = cstToExpression(cst);
  if (built.diagnostics.length > 0) return built.diagnostics[0].message;
  if (measureDepth(built.expr) > MAX_EXPRESSION_DEPTH) return `the value is nested too deeply (limit ${MAX_EXPRESSION_DEPTH})`;
  return undefined;
}

/**
 * Parses `text` as one value (a number, an identifier or one expression), or with `list` as
 * one or more comma-separated values. On success `text` is the canonical form to put in the
 * file (tokens one space apart, list items `, `-separated) and `count` the number of items.
  * @category Language
 */
export function parseSettingValue(text: string, list: boolean): SettingValue {
  const lexed = sgdLexer.tokenize(text);
  if (lexed.errors.length > 0) {
    const e = lexed.errors[0];
    return { ok: false, message: `unexpected character '${text.slice(e.offset, e.offset + e.length)}'` };
  }
  const parts = list ? splitAtTopCommas(lexed.tokens) : [lexed.tokens];
  for (const part of parts) {
    const error = oneExpressionError(part);
    if (error) return { ok: false, message: error };
  }
  return { ok: true, text: parts.map(printTokens).join(', '), count: parts.length };
}
