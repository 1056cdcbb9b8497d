/**
 * Builds the typed AST of `ast.ts` from the parser's CST. It is only run on a CST without
 * syntax errors, so every mandatory child is present; a missing one is an internal error.
 */
import type { CstElement, CstNode, IToken } from 'chevrotain';
import type * as A from './ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import { endOfSource, locationRange, spanRange, tokenRange } from './source-range.ts';

/** The AST and the few syntax errors only visible once the CST is built. */
export interface AstResult {
  /** The file's syntax tree. */
  readonly file: A.SgdFile;
  /** Syntax errors the grammar accepts but the language does not (named before positional arguments, a malformed `outer`). */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Converts the CST of the `file` rule into an {@link A.SgdFile}.
 * @param source - the parsed text, whose whole extent (comments included) is the file's range
 */
export function cstToAst(cst: CstNode, source: string): AstResult {
  const diagnostics: Diagnostic[] = [];
  const converter = new CstConverter(diagnostics);
  const statements = nodes(cst, 'statement').map((s) => converter.statement(s));
  const range = { start: { line: 1, column: 1, offset: 0 }, end: endOfSource(source) };
  return { file: { $type: 'SgdFile', statements, range }, diagnostics };
}

/** Converts the CST of the `expression` rule (a plugin's default option text, parsed alone). */
export function cstToExpression(cst: CstNode): { readonly expr: A.Expr; readonly diagnostics: readonly Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  return { expr: new CstConverter(diagnostics).expression(cst), diagnostics };
}

function elements(cst: CstNode, key: string): CstElement[] {
  return cst.children[key] ?? [];
}

function nodes(cst: CstNode, key: string): CstNode[] {
  return elements(cst, key) as CstNode[];
}

function tokens(cst: CstNode, key: string): IToken[] {
  return elements(cst, key) as IToken[];
}

function node(cst: CstNode, key: string): CstNode {
  const found = nodes(cst, key)[0];
  if (!found) throw new Error(`internal error: CST node ${cst.name} has no ${key}`);
  return found;
}

function token(cst: CstNode, key: string): IToken {
  const found = tokens(cst, key)[0];
  if (!found) throw new Error(`internal error: CST node ${cst.name} has no ${key} token`);
  return found;
}

function rangeOf(cst: CstNode): A.SourceRange {
  if (!cst.location) throw new Error(`internal error: CST node ${cst.name} has no location`);
  return locationRange(cst.location);
}

function identifier(t: IToken): A.Identifier {
  return { $type: 'Identifier', name: t.image, range: tokenRange(t) };
}

function unescape(image: string): string {
  const escapes: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\' };
  return image.slice(1, -1).replace(/\\(.)/g, (_, c: string) => escapes[c]);
}

/** One method per grammar rule; the only state is where to put diagnostics. */
class CstConverter {
  constructor(private readonly diagnostics: Diagnostic[]) {}

  statement(cst: CstNode): A.Statement {
    const [key] = Object.keys(cst.children);
    const inner = node(cst, key);
    const range = rangeOf(inner);
    const name = (): A.Identifier => identifier(token(inner, 'Identifier'));
    switch (key) {
      case 'dimDecl':
        return { $type: 'DimDecl', name: name(), value: this.expression(node(inner, 'expression')), range };
      case 'constDecl':
        return { $type: 'ConstDecl', name: name(), value: this.expression(node(inner, 'expression')), range };
      case 'tensorDecl':
        return this.tensorDecl(inner);
      case 'sampleDecl':
        return { $type: 'SampleDecl', name: name(), distribution: this.call(node(inner, 'call')), range };
      case 'minimizeDecl':
        return { $type: 'MinimizeDecl', name: name(), ...this.signature(node(inner, 'signature')), body: this.expression(node(inner, 'expression')), range };
      case 'outerDecl':
        return this.outerDecl(inner);
      case 'solveDecl':
        return { $type: 'SolveDecl', solver: name(), options: nodes(inner, 'solveOption').map((o) => this.solveOption(o)), range };
      case 'outerSolveDecl':
        return { $type: 'OuterSolveDecl', solver: name(), options: nodes(inner, 'solveOption').map((o) => this.solveOption(o)), range };
      case 'reportDecl':
        return this.reportDecl(inner);
      default:
        throw new Error(`internal error: unknown statement ${key}`);
    }
  }

  private tensorDecl(cst: CstNode): A.TensorDecl {
    const kind: A.TensorKind = tokens(cst, 'Data').length > 0 ? 'data' : tokens(cst, 'Param').length > 0 ? 'param' : 'var';
    const typeCst = node(cst, 'typeExpr');
    const type: A.TypeExpr = {
      $type: 'TypeExpr',
      extents: nodes(typeCst, 'expression').map((e) => this.expression(e)),
      range: rangeOf(typeCst),
    };
    return { $type: 'TensorDecl', kind, name: identifier(token(cst, 'Identifier')), type, init: this.initializer(node(cst, 'initializer')), range: rangeOf(cst) };
  }

  private initializer(cst: CstNode): A.Initializer {
    const range = rangeOf(cst);
    if (tokens(cst, 'Tilde').length > 0) return { $type: 'DrawInit', distribution: this.call(node(cst, 'call')), range };
    if (tokens(cst, 'From').length > 0) return { $type: 'SourceInit', source: this.call(node(cst, 'call')), range };
    return { $type: 'ValueInit', value: this.expression(node(cst, 'expression')), range };
  }

  private names(list: CstNode | undefined): A.Identifier[] {
    return list ? tokens(list, 'Identifier').map(identifier) : [];
  }

  /** `(args; samples)` of `minimize` and `outer`. */
  private signature(cst: CstNode): { args: A.Identifier[]; samples: A.Identifier[] } {
    return { args: this.names(nodes(cst, 'args')[0]), samples: this.names(nodes(cst, 'samples')[0]) };
  }

  /**
   * `outer value` or `outer E(...) = body`. The grammar accepts any name without a signature
   * and `value` with one; both are syntax errors of the language, reported here.
   */
  private outerDecl(cst: CstNode): A.OuterDecl {
    const name = identifier(token(cst, 'Identifier'));
    const range = rangeOf(cst);
    const signature = nodes(cst, 'signature')[0];
    if (!signature) {
      if (name.name !== 'value') {
        this.syntaxError(name.range, `expected '(' after 'outer ${name.name}' (as in 'outer ${name.name}(x, theta; j) = ...'), or 'outer value' for the value function`);
      }
      return { $type: 'OuterDecl', kind: 'value', value: name, range };
    }
    if (name.name === 'value') {
      this.syntaxError(name.range, "'outer value' is the value function min_x F and takes no arguments or body; give the upper objective another name");
    }
    return { $type: 'OuterDecl', kind: 'expression', name, ...this.signature(signature), body: this.expression(node(cst, 'expression')), range };
  }

  private solveOption(cst: CstNode): A.SolveOption {
    const values = nodes(cst, 'expression').map((e) => this.expression(e));
    return { $type: 'SolveOption', key: identifier(token(cst, 'Identifier')), value: values[0], values, range: rangeOf(cst) };
  }

  private syntaxError(range: A.SourceRange, message: string): void {
    this.diagnostics.push({ range, severity: 'error', code: 'syntax-error', message });
  }

  private reportDecl(cst: CstNode): A.ReportDecl {
    const count = tokens(cst, 'NumberLiteral')[0];
    const metrics = this.names(nodes(cst, 'nameList')[0]);
    const range = rangeOf(cst);
    return count ? { $type: 'ReportDecl', logPoints: this.number(count), metrics, range } : { $type: 'ReportDecl', metrics, range };
  }

  expression(cst: CstNode): A.Expr {
    return this.binaryChain(node(cst, 'additive'), 'multiplicative', 'AdditiveOperator', (c) =>
      this.binaryChain(c, 'unary', 'MultiplicativeOperator', (u) => this.unary(u)),
    );
  }

  /** Folds `operand (op operand)*` to the left; each node's range spans its operands' CST text, parentheses included. */
  private binaryChain(cst: CstNode, operandKey: string, operatorKey: string, operand: (c: CstNode) => A.Expr): A.Expr {
    const operands = nodes(cst, operandKey);
    const operators = tokens(cst, operatorKey);
    let result = operand(operands[0]);
    const start = rangeOf(operands[0]);
    operators.forEach((op, k) => {
      const right = operands[k + 1];
      const range = spanRange(start, rangeOf(right));
      result = { $type: 'BinaryExpr', op: op.image as A.BinaryOperator, left: result, right: operand(right), range };
    });
    return result;
  }

  private unary(cst: CstNode): A.Expr {
    if (tokens(cst, 'Minus').length > 0) {
      return { $type: 'UnaryExpr', op: '-', operand: this.unary(node(cst, 'unary')), range: rangeOf(cst) };
    }
    const power = node(cst, 'power');
    const base = this.postfix(node(power, 'postfix'));
    const exponent = nodes(power, 'unary')[0];
    return exponent ? { $type: 'BinaryExpr', op: '^', left: base, right: this.unary(exponent), range: rangeOf(power) } : base;
  }

  private postfix(cst: CstNode): A.Expr {
    const primaryCst = node(cst, 'primary');
    const openers = tokens(cst, 'LBracket');
    const closers = tokens(cst, 'RBracket');
    const items = nodes(cst, 'indexItem');
    let result = this.primary(primaryCst);
    // Items of all brackets come in one list, in source order: bracket k holds those between its
    // '[' and ']'. One pass over them (filtering the list per bracket made x[0][0]… quadratic).
    const starts = items.map((item) => rangeOf(item).start.offset);
    let next = 0;
    openers.forEach((open, k) => {
      const range = spanRange(rangeOf(primaryCst), tokenRange(closers[k]));
      while (next < items.length && starts[next] <= open.startOffset) next++;
      const first = next;
      while (next < items.length && starts[next] < closers[k].startOffset) next++;
      result = this.bracket(result, items.slice(first, next), range);
    });
    return result;
  }

  /** `target[index]`, `target[:, None]` or `target[None, :]`; anything else is a syntax error. */
  private bracket(target: A.Expr, items: readonly CstNode[], range: A.SourceRange): A.Expr {
    const isColon = (item: CstNode): boolean => tokens(item, 'Colon').length > 0;
    const isNone = (item: CstNode): boolean => {
      const expr = nodes(item, 'expression')[0];
      return expr !== undefined && this.expression(expr).$type === 'NameRef' && (this.expression(expr) as A.NameRef).name === 'None';
    };
    if (items.length === 1 && !isColon(items[0])) return { $type: 'IndexExpr', target, index: this.expression(node(items[0], 'expression')), range };
    if (items.length === 2 && isColon(items[0]) && isNone(items[1])) return { $type: 'NewAxisExpr', target, axis: 1, range };
    if (items.length === 2 && isNone(items[0]) && isColon(items[1])) return { $type: 'NewAxisExpr', target, axis: 0, range };
    this.syntaxError(range, 'expected an index v[i], or v[:, None] (a column) or v[None, :] (a row) to repeat a vector along a matrix');
    return target;
  }

  private primary(cst: CstNode): A.Expr {
    const num = tokens(cst, 'NumberLiteral')[0];
    if (num) return this.number(num);
    const call = nodes(cst, 'call')[0];
    if (call) return this.call(call);
    const name = tokens(cst, 'Identifier')[0];
    if (name) return { $type: 'NameRef', name: name.image, range: tokenRange(name) };
    return this.expression(node(cst, 'expression'));
  }

  private number(t: IToken): A.NumberLiteral {
    return { $type: 'NumberLiteral', value: Number(t.image), text: t.image, range: tokenRange(t) };
  }

  call(cst: CstNode): A.CallExpr {
    const callee = identifier(tokens(cst, 'Identifier')[0] ?? tokens(cst, 'Log')[0] ?? token(cst, 'Outer'));
    const args: A.Expr[] = [];
    const namedArgs: A.NamedArg[] = [];
    for (const arg of nodes(cst, 'argument')) {
      const key = tokens(arg, 'Identifier')[0];
      if (tokens(arg, 'Equals').length > 0 && key) {
        const str = tokens(arg, 'StringLiteral')[0];
        const value: A.Expr | A.StringLiteral = str
          ? { $type: 'StringLiteral', value: unescape(str.image), range: tokenRange(str) }
          : this.expression(node(arg, 'value'));
        namedArgs.push({ $type: 'NamedArg', name: identifier(key), value, range: rangeOf(arg) });
        continue;
      }
      if (namedArgs.length > 0) {
        this.syntaxError(rangeOf(arg), 'positional arguments must come before named ones');
      }
      args.push(this.expression(node(arg, 'expression')));
    }
    return { $type: 'CallExpr', callee, args, namedArgs, range: rangeOf(cst) };
  }
}
