/**
 * The tokens of the `.sgd` language and the lexer that produces them. Comments and
 * whitespace are skipped, so statements are free-form: nothing is newline-terminated.
 */
import { Lexer, createToken, type TokenType } from 'chevrotain';
import { skipGrammarValidation } from './grammar-validation.ts';

/** Letters an identifier may use: ASCII plus Greek, so `θ` or `μ` can be written as in papers. */
const IDENTIFIER_START = 'A-Za-z_\\u0391-\\u03A9\\u03B1-\\u03C9';

/**
 * A name: a letter, `_` or Greek letter, then letters, digits, `_` or Greek letters.
 * @category Language
 */
export const Identifier = createToken({
  name: 'Identifier',
  label: 'a name',
  pattern: new RegExp(`[${IDENTIFIER_START}][${IDENTIFIER_START}0-9]*`),
});

/**
 * A keyword token; `longer_alt` makes `dims`, `Rx` or `logx` lex as identifiers instead of a
 * keyword followed by a name.
 */
function keyword(word: string, name = word[0].toUpperCase() + word.slice(1)): TokenType {
  return createToken({ name, label: `'${word}'`, pattern: new RegExp(word), longer_alt: Identifier });
}

/** `dim n = 100`. */
export const Dim = keyword('dim');
/** `const c = 0.5`. */
export const Const = keyword('const');
/** `data A : R[n, d] ~ normal(0, 1)`. */
export const Data = keyword('data');
/** `param theta : R[n] ~ normal(0, 1)`. */
export const Param = keyword('param');
/** `var x : R[d] = 0`. */
export const Var = keyword('var');
/** `sample i ~ uniform(n)`. */
export const Sample = keyword('sample');
/** `minimize f(x, theta; i) = ...`. */
export const Minimize = keyword('minimize');
/** `solve sgd { ... }`. */
export const Solve = keyword('solve');
/**
 * `outer E(x, theta; j) = ...` or `outer value`: the upper-level objective. `value` is not a
 * keyword: it is an ordinary identifier that the parser reads after `outer`.
 */
export const Outer = keyword('outer');
/** `outer_solve NAME { ... }`: the loop on θ; before `Outer` so `outer_solve` is not `outer` + `_solve`. */
export const OuterSolve = keyword('outer_solve', 'OuterSolve');
/** `report every log 200 { ... }`. */
export const Report = keyword('report');
/** The `every` of `report every log N`. */
export const Every = keyword('every');
/** The `log` of `report every log N`; also the name of the elementwise logarithm in calls. */
export const Log = keyword('log');
/** `from source(...)` initializers. */
export const From = keyword('from');
/** The real type `R`. */
export const Real = keyword('R', 'Real');

/**
 * A number: `12`, `1.5`, `.5`, `1.`, `1e-3`, `2.5E+10`. A trailing `.` belongs to the number
 * only when no name follows it (any name: `2.θ` as `2.x`), so `2.x` is the inner product `2 . x`; a `.` with no digit
 * after it (as in `A[i] . x`) never starts a number.
 * @category Language
 */
export const NumberLiteral = createToken({
  name: 'NumberLiteral',
  label: 'a number',
  pattern: new RegExp(`(?:\\d+(?:\\.(?![${IDENTIFIER_START}])\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?`),
  // The lookahead defeats Chevrotain's first-character analysis; tell it the first characters.
  start_chars_hint: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '.'],
});

/**
 * A double-quoted string with the escapes `\"`, `\\`, `\n` and `\t`.
 * @category Language
 */
export const StringLiteral = createToken({
  name: 'StringLiteral',
  label: 'a string',
  pattern: /"(?:[^"\\\r\n]|\\["\\nt])*"/,
});

/** Category of `+` and `-`, so the CST keeps additive operators in source order. */
export const AdditiveOperator = createToken({ name: 'AdditiveOperator', pattern: Lexer.NA });
/** Category of `*`, `/`, `.` and `@`, which share one precedence level. */
export const MultiplicativeOperator = createToken({ name: 'MultiplicativeOperator', pattern: Lexer.NA });

/** `+`. */
export const Plus = createToken({ name: 'Plus', label: "'+'", pattern: '+', categories: AdditiveOperator });
/** `-`, binary or unary. */
export const Minus = createToken({ name: 'Minus', label: "'-'", pattern: '-', categories: AdditiveOperator });
/** `*`, entrywise product. */
export const Star = createToken({ name: 'Star', label: "'*'", pattern: '*', categories: MultiplicativeOperator });
/** `/`, entrywise quotient. */
export const Slash = createToken({ name: 'Slash', label: "'/'", pattern: '/', categories: MultiplicativeOperator });
/** `.`, inner product. */
export const Dot = createToken({ name: 'Dot', label: "'.'", pattern: '.', categories: MultiplicativeOperator });
/** `@`, matrix–vector product. */
export const At = createToken({ name: 'At', label: "'@'", pattern: '@', categories: MultiplicativeOperator });
/** `^`, power. */
export const Caret = createToken({ name: 'Caret', label: "'^'", pattern: '^' });
/** `=`. */
export const Equals = createToken({ name: 'Equals', label: "'='", pattern: '=' });
/** `~`. */
export const Tilde = createToken({ name: 'Tilde', label: "'~'", pattern: '~' });
/** `:`. */
export const Colon = createToken({ name: 'Colon', label: "':'", pattern: ':' });
/** `;`. */
export const Semicolon = createToken({ name: 'Semicolon', label: "';'", pattern: ';' });
/** `,`. */
export const Comma = createToken({ name: 'Comma', label: "','", pattern: ',' });
/** `(`. */
export const LParen = createToken({ name: 'LParen', label: "'('", pattern: '(' });
/** `)`. */
export const RParen = createToken({ name: 'RParen', label: "')'", pattern: ')' });
/** `[`. */
export const LBracket = createToken({ name: 'LBracket', label: "'['", pattern: '[' });
/** `]`. */
export const RBracket = createToken({ name: 'RBracket', label: "']'", pattern: ']' });
/** `{`. */
export const LCurly = createToken({ name: 'LCurly', label: "'{'", pattern: '{' });
/** `}`. */
export const RCurly = createToken({ name: 'RCurly', label: "'}'", pattern: '}' });

const Comment = createToken({ name: 'Comment', pattern: /#[^\r\n]*/, group: Lexer.SKIPPED });
const Whitespace = createToken({ name: 'Whitespace', pattern: /\s+/, group: Lexer.SKIPPED, line_breaks: true });

/** Every token type, in matching order: keywords before `Identifier`, numbers before `.`. */
export const allTokens: readonly TokenType[] = [
  Whitespace,
  Comment,
  Dim,
  Const,
  Data,
  Param,
  Var,
  Sample,
  Minimize,
  Solve,
  OuterSolve,
  Outer,
  Report,
  Every,
  Log,
  From,
  Real,
  Identifier,
  NumberLiteral,
  StringLiteral,
  AdditiveOperator,
  MultiplicativeOperator,
  Plus,
  Minus,
  Star,
  Slash,
  Dot,
  At,
  Caret,
  Equals,
  Tilde,
  Colon,
  Semicolon,
  Comma,
  LParen,
  RParen,
  LBracket,
  RBracket,
  LCurly,
  RCurly,
];

/** The `.sgd` lexer; `tokenize` never throws, it returns unrecognized characters as errors. */
export const sgdLexer = new Lexer([...allTokens], { positionTracking: 'full', ensureOptimizations: false, skipValidations: skipGrammarValidation });
