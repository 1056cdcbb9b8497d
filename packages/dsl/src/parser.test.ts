import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Expr, SgdFile, SourceRange } from './ast.ts';
import { parseSgd } from './index.ts';
import { brief } from './test-support.ts';

const EXAMPLE = readFileSync(new URL('../../../examples/least-squares.sgd', import.meta.url), 'utf8');

function parse(source: string): SgdFile {
  const { ast, diagnostics } = parseSgd(source, 'test.sgd');
  expect(diagnostics.map(brief)).toEqual([]);
  return ast!;
}

/** Fully parenthesized rendering of an expression, to assert precedence and associativity. */
function show(e: Expr): string {
  switch (e.$type) {
    case 'NumberLiteral':
      return e.text;
    case 'NameRef':
      return e.name;
    case 'UnaryExpr':
      return `(-${show(e.operand)})`;
    case 'BinaryExpr':
      return `(${show(e.left)} ${e.op} ${show(e.right)})`;
    case 'IndexExpr':
      return `${show(e.target)}[${show(e.index)}]`;
    case 'NewAxisExpr':
      return e.axis === 1 ? `${show(e.target)}[:, None]` : `${show(e.target)}[None, :]`;
    case 'CallExpr': {
      const named = e.namedArgs.map((a) => `${a.name.name}=${a.value.$type === 'StringLiteral' ? JSON.stringify(a.value.value) : show(a.value)}`);
      return `${e.callee.name}(${[...e.args.map(show), ...named].join(', ')})`;
    }
  }
}

function expr(text: string): string {
  const statement = parse(`const c = ${text}`).statements[0];
  if (statement.$type !== 'ConstDecl') throw new Error('expected a const');
  return show(statement.value);
}

function span(r: SourceRange): string {
  return `${r.start.line}:${r.start.column}-${r.end.line}:${r.end.column} @${r.start.offset}-${r.end.offset}`;
}

describe('expression precedence and associativity', () => {
  it.each([
    ['a + b * c', '(a + (b * c))'],
    ['a - b - c', '((a - b) - c)'],
    ['a * b / c . d @ e', '((((a * b) / c) . d) @ e)'],
    ['a + b . c', '(a + (b . c))'],
    ['-x^2', '(-(x ^ 2))'],
    ['2^-1', '(2 ^ (-1))'],
    ['a^b^c', '(a ^ (b ^ c))'],
    ['-a * b', '((-a) * b)'],
    ['- -a', '(-(-a))'],
    ['A[i][j] ^ 2', '(A[i][j] ^ 2)'],
    ['(a + b) * c', '((a + b) * c)'],
    ['A[i] . x - theta[i]', '((A[i] . x) - theta[i])'],
    ['log(x) + exp(-x)', '(log(x) + exp((-x)))'],
    ['f(a, b + 1, batch = 50, split = "train")', 'f(a, (b + 1), batch=50, split="train")'],
    ['x . .5', '(x . .5)'],
  ])('%s', (text, expected) => {
    expect(expr(text)).toBe(expected);
  });
});

describe('ranges', () => {
  it('are 1-based line/column, 0-based offset, end exclusive', () => {
    const file = parse('dim n = 100\nconst c = (a + b) * c2');
    const [dim, c] = file.statements;
    expect(span(dim.range)).toBe('1:1-1:12 @0-11');
    if (dim.$type !== 'DimDecl' || c.$type !== 'ConstDecl') throw new Error('unexpected statements');
    expect(span(dim.name.range)).toBe('1:5-1:6 @4-5');
    expect(span(c.value.range)).toBe('2:11-2:23 @22-34');
    if (c.value.$type !== 'BinaryExpr') throw new Error('expected a product');
    expect(span(c.value.left.range)).toBe('2:12-2:17 @23-28');
  });

  it('cover an indexing chain up to its closing bracket', () => {
    const c = parse('const c = A[i][j]').statements[0];
    if (c.$type !== 'ConstDecl' || c.value.$type !== 'IndexExpr' || c.value.target.$type !== 'IndexExpr') throw new Error('expected A[i][j]');
    expect(span(c.value.range)).toBe('1:11-1:18 @10-17');
    expect(span(c.value.target.range)).toBe('1:11-1:15 @10-14');
  });

  it('of the file span the whole source', () => {
    expect(span(parse('# only a comment\n').range)).toBe('1:1-2:1 @0-17');
  });
});

describe('statements', () => {
  it('parse the least-squares example', () => {
    const file = parse(EXAMPLE);
    expect(file.statements.map((s) => s.$type)).toEqual([
      'DimDecl',
      'DimDecl',
      'TensorDecl',
      'TensorDecl',
      'TensorDecl',
      'SampleDecl',
      'MinimizeDecl',
      'SolveDecl',
      'ReportDecl',
    ]);
    const [, , A, , x, , f, solve, report] = file.statements;
    if (A.$type !== 'TensorDecl' || x.$type !== 'TensorDecl') throw new Error('expected tensors');
    expect([A.kind, A.type.extents.map(show), A.init.$type]).toEqual(['data', ['n', 'd'], 'DrawInit']);
    expect([x.kind, x.init.$type]).toEqual(['var', 'ValueInit']);
    if (f.$type !== 'MinimizeDecl') throw new Error('expected minimize');
    expect([f.name.name, f.args.map((a) => a.name), f.samples.map((s) => s.name)]).toEqual(['f', ['x', 'theta'], ['i']]);
    expect(show(f.body)).toBe('(0.5 * (((A[i] . x) - theta[i]) ^ 2))');
    if (solve.$type !== 'SolveDecl') throw new Error('expected solve');
    expect(solve.options.map((o) => `${o.key.name}=${show(o.value)}`)).toEqual([
      'iterations=100000',
      'step=(1 / (mu * (k + (8 * (kappa ^ 2)))))',
      'track=forward',
    ]);
    if (report.$type !== 'ReportDecl') throw new Error('expected report');
    expect([report.logPoints?.value, report.metrics.map((m) => m.name)]).toEqual([200, ['suboptimality', 'distance', 'jacobian_error']]);
  });

  it('accept empty argument lists, a missing sample part, scalar types and sources', () => {
    const file = parse('var x : R = 1\nparam p : R[3] from csv(path = "p.csv")\nminimize f() = 1\nminimize g(x;) = x\nreport { }');
    const [x, p, f, g, report] = file.statements;
    if (x.$type !== 'TensorDecl' || p.$type !== 'TensorDecl' || f.$type !== 'MinimizeDecl' || g.$type !== 'MinimizeDecl') {
      throw new Error('unexpected statements');
    }
    expect(x.type.extents).toEqual([]);
    expect(p.init.$type).toBe('SourceInit');
    expect([f.args, f.samples, g.args.map((a) => a.name), g.samples]).toEqual([[], [], ['x'], []]);
    expect(report).toMatchObject({ $type: 'ReportDecl', metrics: [] });
    expect(report).not.toHaveProperty('logPoints');
  });
});

describe('syntax errors', () => {
  it('are all reported in one run', () => {
    const { ast, diagnostics } = parseSgd('dim n = = 3\ndim d = 5 )\nconst c = (1 +\nvar x : R[n] = 0', 'bad.sgd');
    expect(ast).toBeUndefined();
    expect(diagnostics.map(brief)).toEqual([
      "1:9 syntax-error: expected an expression but found '='",
      "2:11 syntax-error: expected a statement (dim, const, data, param, var, sample, minimize, outer, solve, outer_solve or report) but found ')'",
      "4:1 syntax-error: expected an expression but found 'var'",
    ]);
  });

  it('point past the end of the file when it ends too early', () => {
    expect(parseSgd('const c = 1 +\n', 'bad.sgd').diagnostics.map(brief)).toEqual(['2:1 syntax-error: expected an expression but found the end of the file']);
  });

  it('include lexical errors and unterminated strings', () => {
    expect(parseSgd('dim n = 3 $\ndata A : R from csv(path = "a.csv)', 'bad.sgd').diagnostics.map(brief)).toEqual([
      "1:11 invalid-token: unexpected character '$'",
      '2:28 invalid-token: unterminated string',
    ]);
  });

  it('reject positional arguments after named ones', () => {
    expect(parseSgd('sample i ~ uniform(batch = 5, 10)', 'bad.sgd').diagnostics.map(brief)).toEqual([
      '1:31 syntax-error: positional arguments must come before named ones',
    ]);
  });

  it('name the missing token', () => {
    expect(parseSgd('minimize f(x = 1', 'bad.sgd').diagnostics.map(brief)).toEqual(["1:14 syntax-error: expected ')' but found '='"]);
  });
});
