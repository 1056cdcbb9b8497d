import { describe, expect, it } from 'vitest';
import type { Expr, OuterDecl, OuterSolveDecl, SgdFile, SolveDecl } from './ast.ts';
import { parseSgd } from './index.ts';
import { sgdLexer } from './lexer.ts';
import { brief } from './test-support.ts';

function parse(source: string): SgdFile {
  const { ast, diagnostics } = parseSgd(source, 'test.sgd');
  expect(diagnostics.map(brief)).toEqual([]);
  return ast!;
}

function errors(source: string): string[] {
  return parseSgd(source, 'bad.sgd').diagnostics.map(brief);
}

function names(e: Expr): string {
  return e.$type === 'NameRef' ? e.name : e.$type;
}

describe('the outer keywords', () => {
  it('lex outer and outer_solve as keywords and value as a name', () => {
    const kinds = sgdLexer.tokenize('outer outer_solve value outers outer_solver').tokens.map((t) => t.tokenType.name);
    expect(kinds).toEqual(['Outer', 'OuterSolve', 'Identifier', 'Identifier', 'Identifier']);
  });

  it('leave value usable as a declared name', () => {
    const file = parse('const value = 2\nvar x : R = 0\nminimize f(x) = value * x^2\nouter value');
    expect(file.statements.map((s) => s.$type)).toEqual(['ConstDecl', 'TensorDecl', 'MinimizeDecl', 'OuterDecl']);
  });
});

describe('outer declarations', () => {
  it('parse outer value', () => {
    const outer = parse('outer value').statements[0] as OuterDecl;
    expect(outer).toMatchObject({ $type: 'OuterDecl', kind: 'value', value: { name: 'value' } });
    expect(outer.range.end.offset).toBe(11);
  });

  it('parse an upper objective with its own sample', () => {
    const outer = parse('outer E(x, theta; j) = B[j] . x').statements[0] as OuterDecl;
    if (outer.kind !== 'expression') throw new Error('expected an expression outer');
    expect([outer.name.name, outer.args.map((a) => a.name), outer.samples.map((s) => s.name), outer.body.$type]).toEqual([
      'E',
      ['x', 'theta'],
      ['j'],
      'BinaryExpr',
    ]);
  });

  it('parse an upper objective without a sample', () => {
    const outer = parse('outer E(x) = x').statements[0] as OuterDecl;
    expect(outer).toMatchObject({ kind: 'expression', samples: [] });
  });

  it('reject a name without a signature, and a signature after value', () => {
    expect(errors('outer E')).toEqual([
      "1:7 syntax-error: expected '(' after 'outer E' (as in 'outer E(x, theta; j) = ...'), or 'outer value' for the value function",
    ]);
    expect(errors('outer value(x) = x')).toEqual([
      "1:7 syntax-error: 'outer value' is the value function min_x F and takes no arguments or body; give the upper objective another name",
    ]);
  });

  it('need a name after outer', () => {
    expect(errors('outer (x) = 1')).toEqual(["1:7 syntax-error: expected a name but found '('"]);
  });
});

describe('solve options and outer_solve blocks', () => {
  it('parse comma-separated option values', () => {
    const solve = parse('solve sgd { estimator = analytic, implicit iterations = 10 }').statements[0] as SolveDecl;
    expect(solve.options.map((o) => [o.key.name, o.values.map(names)])).toEqual([
      ['estimator', ['analytic', 'implicit']],
      ['iterations', ['NumberLiteral']],
    ]);
    expect(solve.options[0].value).toBe(solve.options[0].values[0]);
    expect(solve.options[0].range.end.column).toBe(43);
  });

  it('parse an outer_solve block', () => {
    const block = parse('outer_solve hgd { iterations = 5 step = 1 / (k + 1) }').statements[0] as OuterSolveDecl;
    expect(block.$type).toBe('OuterSolveDecl');
    expect([block.solver.name, block.options.map((o) => o.key.name)]).toEqual(['hgd', ['iterations', 'step']]);
  });

  it('reject a trailing comma in an option list', () => {
    expect(errors('solve sgd { estimator = analytic, }')).toEqual(["1:35 syntax-error: expected an expression but found '}'"]);
  });
});
