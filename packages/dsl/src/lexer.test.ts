import { describe, expect, it } from 'vitest';
import { sgdLexer } from './lexer.ts';

function lex(source: string): string[] {
  const { tokens, errors } = sgdLexer.tokenize(source);
  expect(errors).toEqual([]);
  return tokens.map((t) => `${t.tokenType.name}:${t.image}`);
}

describe('lexer', () => {
  it('keeps keywords apart from identifiers that start with them', () => {
    expect(lex('dim dims R Rx log logx log1p every from_')).toEqual([
      'Dim:dim',
      'Identifier:dims',
      'Real:R',
      'Identifier:Rx',
      'Log:log',
      'Identifier:logx',
      'Identifier:log1p',
      'Every:every',
      'Identifier:from_',
    ]);
  });

  it('reads every number form', () => {
    expect(lex('12 1.5 .5 1. 1e-3 2.5E+10')).toEqual([
      'NumberLiteral:12',
      'NumberLiteral:1.5',
      'NumberLiteral:.5',
      'NumberLiteral:1.',
      'NumberLiteral:1e-3',
      'NumberLiteral:2.5E+10',
    ]);
  });

  it('tells the inner product from a decimal point', () => {
    expect(lex('A[i] . x')).toEqual(['Identifier:A', 'LBracket:[', 'Identifier:i', 'RBracket:]', 'Dot:.', 'Identifier:x']);
    expect(lex('A[i].x')).toEqual(['Identifier:A', 'LBracket:[', 'Identifier:i', 'RBracket:]', 'Dot:.', 'Identifier:x']);
    expect(lex('2.x')).toEqual(['NumberLiteral:2', 'Dot:.', 'Identifier:x']);
    expect(lex('2.θ')).toEqual(['NumberLiteral:2', 'Dot:.', 'Identifier:θ']);
    expect(lex('x.5')).toEqual(['Identifier:x', 'NumberLiteral:.5']);
  });

  it('skips comments, even with any unicode in them, and accepts Greek identifiers', () => {
    expect(lex('# ∂θ x_k (SGD′)\nθ = 1 # μ')).toEqual(['Identifier:θ', 'Equals:=', 'NumberLiteral:1']);
  });

  it('reads strings with escapes and every punctuation mark', () => {
    expect(lex('"a\\"b" = ~ : ; , ( ) [ ] { } + - * / ^ . @')).toHaveLength(19);
  });

  it('reports characters outside the language', () => {
    const { errors } = sgdLexer.tokenize('dim n = 3 $');
    expect(errors.map((e) => [e.line, e.column])).toEqual([[1, 11]]);
  });
});
