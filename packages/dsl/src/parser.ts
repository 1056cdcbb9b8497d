/**
 * The `.sgd` grammar as a Chevrotain CST parser. Error recovery is on, so one run reports
 * every syntax error of a file; the CST is turned into the typed AST by `cst-to-ast.ts`.
 */
import { CstParser } from 'chevrotain';
import * as T from './lexer.ts';
import { syntaxErrorMessages } from './syntax-messages.ts';
import { skipGrammarValidation } from './grammar-validation.ts';

/**
 * The grammar. Precedence, lowest first: `+ -`; `* / . @`; unary `-`; `^` (right
 * associative, its exponent may be negated: `2^-1`); postfix indexing; primaries.
 */
export class SgdParser extends CstParser {
  constructor() {
    super([...T.allTokens], {
      recoveryEnabled: true,
      nodeLocationTracking: 'full',
      errorMessageProvider: syntaxErrorMessages,
      skipValidations: skipGrammarValidation,
    });
    this.performSelfAnalysis();
  }

  /** A whole file: statements one after another. */
  file = this.RULE('file', () => {
    this.MANY(() => this.SUBRULE(this.statement));
  });

  /** Any top-level statement; each starts with its own keyword. */
  statement = this.RULE('statement', () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.dimDecl) },
      { ALT: () => this.SUBRULE(this.constDecl) },
      { ALT: () => this.SUBRULE(this.tensorDecl) },
      { ALT: () => this.SUBRULE(this.sampleDecl) },
      { ALT: () => this.SUBRULE(this.minimizeDecl) },
      { ALT: () => this.SUBRULE(this.outerDecl) },
      { ALT: () => this.SUBRULE(this.solveDecl) },
      { ALT: () => this.SUBRULE(this.outerSolveDecl) },
      { ALT: () => this.SUBRULE(this.reportDecl) },
    ]);
  });

  /** `dim n = expr`. */
  dimDecl = this.RULE('dimDecl', () => {
    this.CONSUME(T.Dim);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /** `const c = expr`. */
  constDecl = this.RULE('constDecl', () => {
    this.CONSUME(T.Const);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /** `data|param|var name : type initializer`. */
  tensorDecl = this.RULE('tensorDecl', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Data) }, { ALT: () => this.CONSUME(T.Param) }, { ALT: () => this.CONSUME(T.Var) }]);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Colon);
    this.SUBRULE(this.typeExpr);
    this.SUBRULE(this.initializer);
  });

  /** `R`, `R[e]`, `R[e1, e2]`; more extents parse so the checker can say why they are refused. */
  typeExpr = this.RULE('typeExpr', () => {
    this.CONSUME(T.Real);
    this.OPTION(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
      this.CONSUME(T.RBracket);
    });
  });

  /** `~ call`, `= expr` or `from call`. */
  initializer = this.RULE('initializer', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Tilde);
          this.SUBRULE(this.call);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Equals);
          this.SUBRULE(this.expression);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.From);
          this.SUBRULE2(this.call);
        },
      },
    ]);
  });

  /** `sample name ~ call`. */
  sampleDecl = this.RULE('sampleDecl', () => {
    this.CONSUME(T.Sample);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Tilde);
    this.SUBRULE(this.call);
  });

  /** `minimize f(a, b; s) = expr`. */
  minimizeDecl = this.RULE('minimizeDecl', () => {
    this.CONSUME(T.Minimize);
    this.CONSUME(T.Identifier);
    this.SUBRULE(this.signature);
    this.CONSUME(T.Equals);
    this.SUBRULE(this.expression);
  });

  /**
   * `outer E(a, b; s) = expr`, or `outer value` (no signature, no body). Whether a name without
   * a signature is `value` is checked when the AST is built, so `value` stays an identifier.
   */
  outerDecl = this.RULE('outerDecl', () => {
    this.CONSUME(T.Outer);
    this.CONSUME(T.Identifier);
    this.OPTION(() => {
      this.SUBRULE(this.signature);
      this.CONSUME(T.Equals);
      this.SUBRULE(this.expression);
    });
  });

  /** `(a, b; s)`: both name lists may be empty and `; s` may be left out. */
  signature = this.RULE('signature', () => {
    this.CONSUME(T.LParen);
    this.OPTION(() => this.SUBRULE(this.nameList, { LABEL: 'args' }));
    this.OPTION2(() => {
      this.CONSUME(T.Semicolon);
      this.OPTION3(() => this.SUBRULE2(this.nameList, { LABEL: 'samples' }));
    });
    this.CONSUME(T.RParen);
  });

  /** `a, b, c`. */
  nameList = this.RULE('nameList', () => {
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.CONSUME(T.Identifier) });
  });

  /** `solve name { key = expr ... }`. */
  solveDecl = this.RULE('solveDecl', () => {
    this.CONSUME(T.Solve);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.solveOption));
    this.CONSUME(T.RCurly);
  });

  /** `outer_solve name { key = expr ... }`: the loop on θ, with the same options syntax. */
  outerSolveDecl = this.RULE('outerSolveDecl', () => {
    this.CONSUME(T.OuterSolve);
    this.CONSUME(T.Identifier);
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.solveOption));
    this.CONSUME(T.RCurly);
  });

  /** `key = expr` or `key = expr, expr, ...` (a list, for `enums` options). */
  solveOption = this.RULE('solveOption', () => {
    this.CONSUME(T.Identifier);
    this.CONSUME(T.Equals);
    this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.expression) });
  });

  /** `report every log N { m1, m2 }` or `report { m1, m2 }`. */
  reportDecl = this.RULE('reportDecl', () => {
    this.CONSUME(T.Report);
    this.OPTION(() => {
      this.CONSUME(T.Every);
      this.CONSUME(T.Log);
      this.CONSUME(T.NumberLiteral);
    });
    this.CONSUME(T.LCurly);
    this.OPTION2(() => this.SUBRULE(this.nameList));
    this.CONSUME(T.RCurly);
  });

  /** An expression (the lowest precedence level). */
  expression = this.RULE('expression', () => {
    this.SUBRULE(this.additive);
  });

  /** `a + b - c`, left associative. */
  additive = this.RULE('additive', () => {
    this.SUBRULE(this.multiplicative);
    this.MANY(() => {
      this.CONSUME(T.AdditiveOperator);
      this.SUBRULE2(this.multiplicative);
    });
  });

  /** `a * b / c . d @ e`, left associative. */
  multiplicative = this.RULE('multiplicative', () => {
    this.SUBRULE(this.unary);
    this.MANY(() => {
      this.CONSUME(T.MultiplicativeOperator);
      this.SUBRULE2(this.unary);
    });
  });

  /** `-a` or a power. */
  unary = this.RULE('unary', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Minus);
          this.SUBRULE(this.unary);
        },
      },
      { ALT: () => this.SUBRULE(this.power) },
    ]);
  });

  /** `a ^ b`: the exponent is a `unary`, which makes `^` right associative and allows `2^-1`. */
  power = this.RULE('power', () => {
    this.SUBRULE(this.postfix);
    this.OPTION(() => {
      this.CONSUME(T.Caret);
      this.SUBRULE(this.unary);
    });
  });

  /** `a[i][j]`, and `v[:, None]` / `v[None, :]` (a new axis): each bracket holds one or more items. */
  postfix = this.RULE('postfix', () => {
    this.SUBRULE(this.primary);
    this.MANY(() => {
      this.CONSUME(T.LBracket);
      this.AT_LEAST_ONE_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.indexItem) });
      this.CONSUME(T.RBracket);
    });
  });

  /** An index `expr`, or `:` (a whole axis, only in `v[:, None]` and `v[None, :]`). */
  indexItem = this.RULE('indexItem', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Colon) }, { ALT: () => this.SUBRULE(this.expression) }]);
  });

  /** A number, a name, a call, or a parenthesized expression. */
  primary = this.RULE('primary', () => {
    this.OR([
      { ALT: () => this.CONSUME(T.NumberLiteral) },
      { ALT: () => this.SUBRULE(this.call) },
      { ALT: () => this.CONSUME(T.Identifier) },
      {
        ALT: () => {
          this.CONSUME(T.LParen);
          this.SUBRULE(this.expression);
          this.CONSUME(T.RParen);
        },
      },
    ]);
  });

  /** `name(args)`; `log` and `outer` are keywords elsewhere but also name the logarithm and the outer product. */
  call = this.RULE('call', () => {
    this.OR([{ ALT: () => this.CONSUME(T.Identifier) }, { ALT: () => this.CONSUME(T.Log) }, { ALT: () => this.CONSUME(T.Outer) }]);
    this.CONSUME(T.LParen);
    this.MANY_SEP({ SEP: T.Comma, DEF: () => this.SUBRULE(this.argument) });
    this.CONSUME(T.RParen);
  });

  /** A positional argument `expr`, or a named one `key = expr` / `key = "string"`. */
  argument = this.RULE('argument', () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Identifier);
          this.CONSUME(T.Equals);
          this.OR2([{ ALT: () => this.CONSUME(T.StringLiteral) }, { ALT: () => this.SUBRULE(this.expression, { LABEL: 'value' }) }]);
        },
      },
      { ALT: () => this.SUBRULE2(this.expression) },
    ]);
  });
}

/** The shared parser instance; Chevrotain parsers are built once and fed new input per parse. */
export const sgdParser = new SgdParser();
