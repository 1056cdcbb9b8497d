/**
 * The print simplifier (`sgd derive`) on random graphs with sums, sums along an axis, numeric
 * factors, negations and quotients: the simplified graph has the value of the original, entry
 * for entry (core's reference evaluator `evaluateGraph` on both, relative 1e-9), and no sum keeps
 * a numeric factor or a negation inside (`sum(c * t)` → `c * sum(t)`), whatever the nesting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGraph, IRBuilder, topologicalOrder, type Node } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { PrintSimplifier } from '@sgdiff/cli';
import { sgd, sgdFile } from './support/cli.ts';

/** A random expression as data: built twice would give the same hash-consed graph. */
type Recipe =
  | { readonly op: 'x' | 'p' | 's' }
  | { readonly op: 'const'; readonly value: number }
  | { readonly op: 'add' | 'sub' | 'mul' | 'div'; readonly a: Recipe; readonly b: Recipe }
  | { readonly op: 'neg' | 'exp' | 'sum'; readonly a: Recipe }
  | { readonly op: 'sumAxis'; readonly axis: 0 | 1; readonly a: Recipe }
  | { readonly op: 'M' };

const N = 3;
const registry = defaultRegistry();

/** Vectors (R[3]), scalars and 3×3 matrices, with every quotient's denominator kept ≥ 1. */
const arbitraries = fc.letrec<{ vector: Recipe; scalar: Recipe; matrix: Recipe; factor: Recipe }>((tie) => ({
  factor: fc.oneof(
    fc.integer({ min: -4, max: 4 }).map((v): Recipe => ({ op: 'const', value: v === 0 ? 0.5 : v })),
    fc.constant<Recipe>({ op: 'const', value: 0.25 }),
  ),
  scalar: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constant<Recipe>({ op: 's' }), weight: 2 },
    { arbitrary: tie('factor'), weight: 1 },
    { arbitrary: tie('vector').map((a): Recipe => ({ op: 'sum', a })), weight: 3 },
    { arbitrary: tie('matrix').map((a): Recipe => ({ op: 'sum', a })), weight: 1 },
    { arbitrary: fc.tuple(tie('scalar'), tie('scalar'), fc.constantFrom('add', 'sub', 'mul') as fc.Arbitrary<'add' | 'sub' | 'mul'>).map(([a, b, op]): Recipe => ({ op, a, b })), weight: 2 },
    { arbitrary: tie('scalar').map((a): Recipe => ({ op: 'neg', a })), weight: 1 },
  ),
  vector: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constantFrom<Recipe>({ op: 'x' }, { op: 'p' }), weight: 3 },
    { arbitrary: fc.tuple(tie('factor'), tie('vector')).map(([a, b]): Recipe => ({ op: 'mul', a, b })), weight: 3 },
    { arbitrary: fc.tuple(tie('vector'), tie('vector'), fc.constantFrom('add', 'sub', 'mul') as fc.Arbitrary<'add' | 'sub' | 'mul'>).map(([a, b, op]): Recipe => ({ op, a, b })), weight: 3 },
    // a / (1 + exp(b)): a positive denominator, so no quotient blows up.
    { arbitrary: fc.tuple(tie('factor'), tie('vector')).map(([a, b]): Recipe => ({ op: 'div', a, b: { op: 'add', a: { op: 'const', value: 1 }, b: { op: 'exp', a: b } } })), weight: 1 },
    { arbitrary: fc.tuple(tie('vector'), tie('vector')).map(([a, b]): Recipe => ({ op: 'div', a, b: { op: 'add', a: { op: 'const', value: 1 }, b: { op: 'exp', a: b } } })), weight: 1 },
    { arbitrary: tie('vector').map((a): Recipe => ({ op: 'neg', a })), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom<0 | 1>(0, 1), tie('matrix')).map(([axis, a]): Recipe => ({ op: 'sumAxis', axis, a })), weight: 2 },
  ),
  matrix: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: fc.constant<Recipe>({ op: 'M' }), weight: 3 },
    { arbitrary: fc.tuple(tie('factor'), tie('matrix')).map(([a, b]): Recipe => ({ op: 'mul', a, b })), weight: 2 },
    { arbitrary: fc.tuple(tie('matrix'), tie('matrix'), fc.constantFrom('add', 'sub', 'mul') as fc.Arbitrary<'add' | 'sub' | 'mul'>).map(([a, b, op]): Recipe => ({ op, a, b })), weight: 2 },
    { arbitrary: tie('matrix').map((a): Recipe => ({ op: 'neg', a })), weight: 1 },
  ),
}));

function build(r: Recipe, b: IRBuilder): Node {
  switch (r.op) {
    case 'x':
      return b.input({ kind: 'var', name: 'x' }, [N]);
    case 'p':
      return b.input({ kind: 'param', name: 'p' }, [N]);
    case 's':
      return b.input({ kind: 'var', name: 's' }, []);
    case 'M':
      return b.input({ kind: 'data', name: 'M' }, [N, N]);
    case 'const':
      return b.const(r.value);
    case 'add':
      return b.add(build(r.a, b), build(r.b, b));
    case 'sub':
      return b.sub(build(r.a, b), build(r.b, b));
    case 'mul':
      return b.mul(build(r.a, b), build(r.b, b));
    case 'div':
      return b.div(build(r.a, b), build(r.b, b));
    case 'neg':
      return b.neg(build(r.a, b));
    case 'exp':
      return b.map('exp', build(r.a, b));
    case 'sum':
      return b.sum(build(r.a, b));
    case 'sumAxis':
      return b.sum(build(r.a, b), r.axis);
  }
}

const unit = fc.double({ min: -1, max: 1, noNaN: true });
const point = fc.record({ x: fc.array(unit, { minLength: N, maxLength: N }), p: fc.array(unit, { minLength: N, maxLength: N }), s: unit, M: fc.array(unit, { minLength: N * N, maxLength: N * N }) });

/** A numeric factor or a negation directly under a sum: what the simplifier moves out. */
function hasFactorInsideSum(root: Node): boolean {
  return topologicalOrder([root]).some((n) => {
    if (n.op !== 'sum') return false;
    const term = n.args[0];
    if (term.op === 'neg') return true;
    if (term.op === 'mul') return term.args.some((a) => a.op === 'const');
    return term.op === 'div' && term.args[0].op === 'const' && term.args[0].value !== 1;
  });
}

describe('print simplifier, property', () => {
  it('keeps the value of every graph, and leaves no numeric factor inside a sum', () => {
    fc.assert(
      fc.property(fc.oneof(arbitraries.scalar, arbitraries.vector), point, (recipe, at) => {
        const b = new IRBuilder(registry.operators);
        const original = build(recipe, b);
        const simplified = new PrintSimplifier(b).simplify(original);
        const values = new Map([
          ['var:x', Float64Array.from(at.x)],
          ['param:p', Float64Array.from(at.p)],
          ['var:s', Float64Array.of(at.s)],
          ['data:M', Float64Array.from(at.M)],
        ]);
        const evaluated = evaluateGraph([original, simplified], { values }, registry.operators);
        const before = evaluated.get(original)!;
        const after = evaluated.get(simplified)!;
        expect(after.shape).toEqual(before.shape);
        const scale = Math.max(1, ...Array.from(before.data, Math.abs));
        // Entry counts differ only when a side is a broadcast scalar; compare entry by entry.
        for (let j = 0; j < before.data.length; j++) expect(Math.abs(after.data[after.data.length === 1 ? 0 : j] - before.data[j])).toBeLessThanOrEqual(1e-9 * scale);
        expect(hasFactorInsideSum(simplified)).toBe(false);
      }),
      { seed: 15, numRuns: 400 },
    );
  });

  it('prints the factor outside the sum in sgd derive', async () => {
    const path = sgdFile(`param t : R[3] = 1
var x : R[3] = 0
minimize f(x, t) = sum(3 * exp(t) * x * x) - sum(-2 * t * x)
`, 'sgd-sum-factor-');
    const result = await sgd('derive', path);
    expect(result.code).toBe(0);
    // 3·Σ e^t x² + 2·Σ t x, the 3 and the 2 outside their sums (which print as inner products).
    expect(result.out.split('\n')[0]).toBe('f(x, t) = 3 * (t1 . (x * x)) + 2 * (t . x)');
    const unsimplified = await sgd('derive', path, '--unsimplified');
    expect(unsimplified.out.split('\n')[0]).not.toContain('3 * (t1 . (x * x))');
  });
});
