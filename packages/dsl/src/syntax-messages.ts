/**
 * Syntax error messages in the user's terms ("expected ')' but found '}'") instead of
 * Chevrotain's defaults, which name internal token types and grammar rules.
 */
import { EOF, tokenLabel, type IParserErrorMessageProvider, type IToken } from 'chevrotain';

/** What the parser was looking for, per grammar rule, when no alternative matched. */
const EXPECTED_IN_RULE: Readonly<Record<string, string>> = {
  file: 'a statement (dim, const, data, param, var, sample, minimize, outer, solve, outer_solve or report)',
  statement: 'a statement (dim, const, data, param, var, sample, minimize, outer, solve, outer_solve or report)',
  tensorDecl: "'data', 'param' or 'var'",
  initializer: "'~', '=' or 'from' after the type",
  call: 'a function name',
  argument: 'an argument',
  typeExpr: 'an extent',
  nameList: 'a name',
};

/** How the offending token is shown: its text in quotes, or the end of the file. */
function describeFound(token: IToken): string {
  return token.tokenType === EOF ? 'the end of the file' : `'${token.image}'`;
}

function expectedInRule(ruleName: string): string {
  return EXPECTED_IN_RULE[ruleName] ?? 'an expression';
}

/** The error message provider handed to the parser. */
export const syntaxErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    // Expecting the end of the file means a statement was over and something else came.
    const what = expected === EOF ? EXPECTED_IN_RULE.statement : tokenLabel(expected);
    return `expected ${what} but found ${describeFound(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${EXPECTED_IN_RULE.statement} but found ${describeFound(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    return `expected ${expectedInRule(ruleName)} but found ${describeFound(actual[0])}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    return `expected ${expectedInRule(ruleName)} but found ${describeFound(actual[0])}`;
  },
};
