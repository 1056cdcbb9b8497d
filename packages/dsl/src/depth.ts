/**
 * Expression depth limits, enforced before any recursive stage sees an expression. The parser,
 * the CST-to-AST conversion, the checker, lowering, differentiation and the printers all
 * recurse on expressions; an absurdly deep one would exhaust the JavaScript stack. Two
 * iterative measurements stop it first, each with a positioned `expression-too-deep` error:
 *
 * - {@link scanNesting}, on the token stream before the parser runs: brackets, calls, prefix
 *   `-` and `^` chains, which are what make the (recursive descent) parser recurse;
 * - {@link measureDepth}, on each expression of the AST right after it is built: the tree's
 *   height, where a left-deep chain such as `a + b + c + …` or `x[0][0]…` (parsed by a loop)
 *   counts one level per operator, because every later stage recurses on it.
 */
import type { IToken, TokenType } from 'chevrotain';
import type { Expr, SgdFile, SourceRange } from './ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import * as T from './lexer.ts';
import { tokenRange } from './source-range.ts';

/**
 * The most brackets, calls, prefix `-` and `^` an expression may nest. Each level costs the
 * parser up to 9 grammar rules on the stack (`f(` re-enters `call → argument → expression →
 * additive → multiplicative → unary → power → postfix → primary`); with Node's default stack
 * the parser overflows from about 150 nested calls, so 100 leaves a margin of 1.5 at the
 * worst case and far more for parentheses (overflow near 250), `^` (near 700) and `-` (near 1,500).
 * @category Language
 */
export const MAX_NESTING = 50;

/**
 * The greatest height of an expression tree. The checker, lowering, differentiation and
 * printing recurse once per level; each handles at least 5 times this (see
 * `test/expression-depth.test.ts`, which runs `MAX_EXPRESSION_DEPTH` levels of every shape
 * through check, lower and derive with a stack a fifth of Node's default).
 * @category Language
 */
export const MAX_EXPRESSION_DEPTH = 1000;

/** Tokens that start a statement: they cannot occur inside an expression, so nesting restarts there. */
const STATEMENT_STARTS: ReadonlySet<TokenType> = new Set([T.Dim, T.Const, T.Data, T.Param, T.Var, T.Sample, T.Minimize, T.Outer, T.OuterSolve, T.Solve, T.Report, T.LCurly, T.RCurly]);

/** Tokens after which a `-` is binary (they end an operand). */
const OPERAND_ENDS: ReadonlySet<TokenType> = new Set([T.Identifier, T.NumberLiteral, T.StringLiteral, T.RParen, T.RBracket, T.Log, T.Real]);

/** One open bracket of the scan: where it opened, and the prefix `-`/`^` chain running inside it. */
interface Frame {
  readonly opener?: IToken;
  chain: number;
}

/**
 * Finds where the nesting of brackets, calls, prefix `-` and `^` exceeds {@link MAX_NESTING},
 * in one pass over the tokens (so before the recursive parser runs). A bracket or call opens a
 * level until it closes; each prefix `-` or `^` opens one that a binary operator, a comma or a
 * closing bracket at its own level ends (they bind tighter than every binary operator). Reports
 * once per excursion above the limit, at the token that crosses it.
 */
export function scanNesting(tokens: readonly IToken[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  const frames: Frame[] = [{ chain: 0 }];
  let depth = 0; // Σ over frames of their chain, plus one per open bracket.
  let reported = false;
  let previous: TokenType | undefined;
  for (const token of tokens) {
    const type = token.tokenType;
    const top = frames[frames.length - 1];
    if (STATEMENT_STARTS.has(type)) {
      frames.length = 1;
      frames[0].chain = 0;
      depth = 0;
    } else if (type === T.LParen || type === T.LBracket) {
      frames.push({ opener: token, chain: 0 });
      depth += 1;
    } else if (type === T.RParen || type === T.RBracket) {
      if (frames.length > 1) {
        depth -= top.chain + 1;
        frames.pop();
      }
    } else if (type === T.Caret || (type === T.Minus && (previous === undefined || !OPERAND_ENDS.has(previous)))) {
      top.chain += 1;
      depth += 1;
    } else if (!OPERAND_ENDS.has(type)) {
      // A binary operator, `,`, `=`, `;`, `~`, `:`: the prefix and power chains of this level end.
      depth -= top.chain;
      top.chain = 0;
    }
    previous = type;
    if (depth > MAX_NESTING && !reported) {
      reported = true;
      diagnostics.push(tooDeep(tokenRange(token), `expression nested too deeply (limit ${MAX_NESTING} levels of brackets, calls, prefix '-' and '^')`));
    } else if (depth <= MAX_NESTING) {
      reported = false;
    }
  }
  return diagnostics;
}

/** The height of an expression tree (a leaf is 1), measured without recursion. */
export function measureDepth(root: Expr): number {
  let deepest = 0;
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [expr, depth] = stack.pop()!;
    if (depth > deepest) deepest = depth;
    for (const child of children(expr)) stack.push([child, depth + 1]);
  }
  return deepest;
}

function children(expr: Expr): readonly Expr[] {
  switch (expr.$type) {
    case 'BinaryExpr':
      return [expr.left, expr.right];
    case 'UnaryExpr':
      return [expr.operand];
    case 'IndexExpr':
      return [expr.target, expr.index];
    case 'CallExpr':
      return [...expr.args, ...expr.namedArgs.flatMap((a) => (a.value.$type === 'StringLiteral' ? [] : [a.value]))];
    default:
      return [];
  }
}

/** Every expression of a file that is taller than {@link MAX_EXPRESSION_DEPTH}, as errors at the expression. */
export function checkExpressionDepth(file: SgdFile): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const expr of topExpressions(file)) {
    if (measureDepth(expr) > MAX_EXPRESSION_DEPTH) {
      diagnostics.push(tooDeep(expr.range, `expression nested too deeply (limit ${MAX_EXPRESSION_DEPTH}; a chain such as 'a + b + …' or 'x[i][j]…' counts one level per operator)`));
    }
  }
  return diagnostics;
}

/** The expressions written directly in statements (each the root of its own tree). */
function* topExpressions(file: SgdFile): Generator<Expr> {
  for (const s of file.statements) {
    switch (s.$type) {
      case 'DimDecl':
      case 'ConstDecl':
        yield s.value;
        break;
      case 'TensorDecl':
        yield* s.type.extents;
        if (s.init.$type === 'ValueInit') yield s.init.value;
        else yield s.init.$type === 'DrawInit' ? s.init.distribution : s.init.source;
        break;
      case 'SampleDecl':
        yield s.distribution;
        break;
      case 'MinimizeDecl':
        yield s.body;
        break;
      case 'OuterDecl':
        if (s.kind === 'expression') yield s.body;
        break;
      case 'SolveDecl':
      case 'OuterSolveDecl':
        for (const option of s.options) yield* option.values;
        break;
      case 'ReportDecl':
        break;
    }
  }
}

function tooDeep(range: SourceRange, message: string): Diagnostic {
  return { range, severity: 'error', code: 'expression-too-deep', message };
}
