/**
 * Deep nesting never crashes the front end: the probe's reproductions come back as positioned
 * `expression-too-deep` errors, and expressions at the limits go through check, lower, derive
 * (graphs, printed formulas, compiled kernels) with half of the JavaScript stack already used.
 */
import { describe, expect, it } from 'vitest';
import { buildDerivativeGraphs } from '@sgdiff/core';
import { compileSgd, parseSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';
import { checkEnvironment } from '../packages/cli/src/load.ts';
import { deriveFormulas } from '../packages/cli/src/formulas.ts';
import { evaluateAtStart } from '../packages/cli/src/evaluate.ts';
import { MAX_EXPRESSION_DEPTH, MAX_NESTING, measureDepth } from '../packages/dsl/src/depth.ts';

const registry = defaultRegistry();
const env = checkEnvironment(registry);

const file = (body: string): string => `var x : R = 0.1\ndata v : R[2] = 0.5\nminimize f(x) = ${body}\nsolve gd { iterations = 3 }\n`;
/** Where the objective's body starts in {@link file}: line 3, after `minimize f(x) = `. */
const BODY_LINE = 3;

const nested = {
  parentheses: (n: number) => '('.repeat(n - 1) + 'x' + ')'.repeat(n - 1),
  calls: (n: number) => 'sigmoid('.repeat(n - 1) + 'x' + ')'.repeat(n - 1),
  powers: (n: number) => Array(n).fill('x').join('^'),
  negations: (n: number) => '-'.repeat(n - 1) + 'x',
  'index brackets': (n: number) => 'v[' .repeat(n - 1) + '0' + ']'.repeat(n - 1),
  'mixed -(sigmoid(x^': (n: number) => '-(sigmoid(x^'.repeat(n / 4) + 'x' + '))'.repeat(n / 4),
};
const chains = {
  sum: (n: number) => Array(n).fill('x').join(' + '),
  product: (n: number) => Array(n).fill('x').join(' * '),
  quotient: (n: number) => Array(n).fill('x').join(' / '),
  difference: (n: number) => Array(n).fill('x').join(' - '),
  'product of calls': (n: number) => Array(n - 1).fill('exp(x)').join(' * '),
  indexing: (n: number) => 'v' + '[0]'.repeat(n - 1),
};

/** The deepest recursion of a trivial function from here: the stack left, in its frames. */
function framesLeft(): number {
  let deepest = 0;
  const probe = (n: number): number => {
    deepest = n;
    return probe(n + 1) + 1;
  };
  try {
    probe(0);
  } catch {
    // The overflow is the measurement.
  }
  return deepest;
}

/** Runs `work` after using about `fraction` of the remaining stack (frames of a trivial function). */
function withStackUsed<T>(fraction: number, work: () => T): T {
  const target = Math.floor(framesLeft() * fraction);
  const descend = (n: number): T => (n >= target ? work() : [descend(n + 1)][0]);
  return descend(0);
}

/** Check, lower, derivative graphs, printed formulas and compiled kernels evaluated at x₀. */
function throughEveryStage(body: string): number {
  const { problem, diagnostics } = compileSgd(file(body), 'p.sgd', env);
  if (!problem) throw new Error(`did not compile: ${diagnostics[0]?.message}`);
  buildDerivativeGraphs(problem, registry.rules);
  expect(deriveFormulas(problem, registry, 'text').length).toBeGreaterThan(0);
  return evaluateAtStart(problem, registry, 0).objective;
}

describe('the probe reproductions are positioned errors', () => {
  const cases: [string, string][] = [
    ['80 parentheses', nested.parentheses(81)],
    ['exp( nested 500 times', nested.calls(501)],
    ['x^ 2,000 times', nested.powers(2000)],
    ['5,000 leading -', nested.negations(5001)],
    ['a flat sum of 10,000 terms', chains.sum(10_000)],
    ['[0] indexing 5,000 times', chains.indexing(5001)],
    ['a flat sum of 5,145 terms', chains.sum(5145)],
  ];
  for (const [name, body] of cases) {
    it(name, () => {
      const r = parseSgd(file(body), 'p.sgd');
      expect(r.ast).toBeUndefined();
      expect(r.diagnostics).toHaveLength(1);
      const [d] = r.diagnostics;
      expect(d.code).toBe('expression-too-deep');
      expect(d.message).toMatch(/^expression nested too deeply \(limit \d+/);
      expect(d.range.start.line).toBe(BODY_LINE);
      expect(compileSgd(file(body), 'p.sgd', env).diagnostics).toEqual(r.diagnostics);
    });
  }

  it('reports where the nesting crosses the limit, once per excursion', () => {
    const deep = nested.parentheses(MAX_NESTING + 2);
    const r = parseSgd(`var x : R = 0\nminimize f(x) = ${deep} + ${deep}\n`, 'p.sgd');
    expect(r.diagnostics.map((d) => [d.range.start.line, d.range.start.column])).toEqual([
      [2, 17 + MAX_NESTING],
      [2, 17 + deep.length + 3 + MAX_NESTING],
    ]);
  });

  it('counts a left-deep chain one level per operator, without recursion', () => {
    const r = parseSgd(file(chains.sum(MAX_EXPRESSION_DEPTH + 1)), 'p.sgd');
    expect(r.diagnostics.map((d) => [d.range.start.line, d.range.start.column])).toEqual([[BODY_LINE, 17]]);
    expect(r.diagnostics[0].range.end.column).toBe(17 + chains.sum(MAX_EXPRESSION_DEPTH + 1).length);
  });
});

describe('expressions at the limits pass every stage with half the stack used', () => {
  for (const [name, body] of Object.entries(nested)) {
    it(`${MAX_NESTING} levels of ${name}`, () => {
      const text = body(MAX_NESTING);
      expect(parseSgd(file(text), 'p.sgd').diagnostics).toEqual([]);
      // One more level is refused (the index case nests brackets: `v[v[…]]` is refused by the checker, not here).
      expect(parseSgd(file(body(MAX_NESTING + 4)), 'p.sgd').diagnostics[0]?.code).toBe('expression-too-deep');
      if (name === 'index brackets') return;
      expect(Number.isFinite(withStackUsed(0.5, () => throughEveryStage(text)))).toBe(true);
    });
  }
  for (const [name, body] of Object.entries(chains)) {
    it(`a ${name} chain of depth ${MAX_EXPRESSION_DEPTH}`, () => {
      const text = body(MAX_EXPRESSION_DEPTH);
      const parsed = parseSgd(file(text), 'p.sgd');
      expect(parsed.diagnostics).toEqual([]);
      if (name === 'indexing') {
        // `v[0][0]` indexes a scalar: the checker must still walk the whole chain to say so.
        const r = withStackUsed(0.5, () => compileSgd(file(text), 'p.sgd', env));
        expect(r.diagnostics[0]?.code).toBe('invalid-index');
        return;
      }
      expect(Number.isNaN(withStackUsed(0.5, () => throughEveryStage(text)))).toBe(false);
    });
  }
});

describe('measureDepth', () => {
  it('is the tree height: a leaf is 1, each operator adds one on its side', () => {
    const depthOf = (text: string): number => {
      const r = parseSgd(`const c = ${text}\n`, 'p.sgd');
      const s = r.ast!.statements[0];
      if (s.$type !== 'ConstDecl') throw new Error('expected a const');
      return measureDepth(s.value);
    };
    expect(depthOf('1')).toBe(1);
    expect(depthOf('1 + 2')).toBe(2);
    expect(depthOf('1 + 2 * 3')).toBe(3);
    expect(depthOf('1 + 2 + 3 + 4')).toBe(4);
    expect(depthOf('-(1)')).toBe(2);
    expect(depthOf('exp(1, 2 + (3 ^ 4))')).toBe(4);
    expect(depthOf('a[1][2 + 3]')).toBe(3);
  });
});
