/**
 * Tensors with axes in `.sgd` files: matrix products, transpose, outer, reductions along an
 * axis, softmax, onehot, sqdist and `v[:, None]` / `v[None, :]` broadcasting: what checks,
 * what it lowers to, and every mistake reported with its position and the shapes involved.
 */
import { describe, expect, it } from 'vitest';
import { evaluateGraph, printFormulas, type Node } from '@sgdiff/core';
import { checkFile } from './checker.ts';
import { compileSgd, parseSgd } from './index.ts';
import { TEST_ENVIRONMENT, brief } from './test-support.ts';

/** Matrices and vectors of distinct extents, so a transposed or wrong axis always shows. */
const PRELUDE = `dim n = 3
dim m = 2
dim k = 4
data C : R[n, m] ~ normal(0, 1)
data X : R[n, k] ~ normal(0, 1)
data Y : R[m, k] ~ normal(0, 1)
var f : R[n] = 0
var g : R[m] = 0
sample i ~ uniform(n)
`;

function check(source: string): string[] {
  const { ast, diagnostics } = parseSgd(source, 'test.sgd');
  if (!ast) return diagnostics.map(brief);
  return checkFile(ast, TEST_ENVIRONMENT).diagnostics.map(brief);
}

/** The lowered objective of `PRELUDE` + `minimize h(f, g; i) = body`. */
function objective(body: string): Node {
  const result = compileSgd(`${PRELUDE}minimize h(f, g; i) = ${body}`, 'test.sgd', TEST_ENVIRONMENT);
  expect(result.diagnostics.map(brief)).toEqual([]);
  return (result.problem as NonNullable<typeof result.problem>).objective;
}

/** Deterministic values for the prelude's inputs: entry j of tensor t is sin(t·10 + j). */
function inputs(): Map<string, Float64Array> {
  const sizes: Array<[string, number]> = [
    ['data:C', 6],
    ['data:X', 12],
    ['data:Y', 8],
    ['var:f', 3],
    ['var:g', 2],
  ];
  return new Map(sizes.map(([key, size], t) => [key, Float64Array.from({ length: size }, (_, j) => Math.sin(t * 10 + j))]));
}

function value(body: string, sample = 1): number {
  const node = objective(body);
  return evaluateGraph([node], { values: inputs(), sample }, TEST_ENVIRONMENT.operators).get(node)?.data[0] as number;
}

describe('valid files', () => {
  it('the entropic optimal-transport dual (Sinkhorn L4) checks and lowers with axis operators', () => {
    const source = `${PRELUDE}const eps = 0.1
data a : R[n] = 1 / n
data b : R[m] = 1 / m
minimize L(f, g; i) = -(f . a + g . b) + eps * sum(logsumexp((f[:, None] + g[None, :] - sqdist(X, Y)) / eps, axis = 1) * a)`;
    const result = compileSgd(source, 'ot.sgd', TEST_ENVIRONMENT);
    expect(result.diagnostics.map(brief)).toEqual([]);
    const ops = new Set<string>();
    const visit = (n: Node): void => {
      ops.add(n.op);
      n.args.forEach(visit);
    };
    visit((result.problem as NonNullable<typeof result.problem>).objective);
    expect([...ops]).toEqual(expect.arrayContaining(['logsumexp', 'expand', 'sqdist']));
  });

  it('computes each operator as its definition, by hand', () => {
    const V = inputs();
    const C = V.get('data:C') as Float64Array;
    const X = V.get('data:X') as Float64Array;
    const Y = V.get('data:Y') as Float64Array;
    const f = V.get('var:f') as Float64Array;
    const g = V.get('var:g') as Float64Array;
    // sum(C @ transpose(C)) = Σ_{p,q} Σ_j C[p,j] C[q,j] = Σ_j (Σ_p C[p,j])².
    const colSums = [0, 1].map((j) => C[j] + C[2 + j] + C[4 + j]);
    expect(value('sum(C @ transpose(C))')).toBeCloseTo(colSums[0] ** 2 + colSums[1] ** 2, 12);
    // sum(C, axis = 0) are the column sums; . g pairs them with g.
    expect(value('sum(C, axis = 0) . g')).toBeCloseTo(colSums[0] * g[0] + colSums[1] * g[1], 12);
    // sum(C, axis = 1) are the row sums.
    expect(value('sum(C, axis = 1) . f')).toBeCloseTo((C[0] + C[1]) * f[0] + (C[2] + C[3]) * f[1] + (C[4] + C[5]) * f[2], 12);
    // max along rows.
    expect(value('max(C, axis = 1) . f')).toBeCloseTo(Math.max(C[0], C[1]) * f[0] + Math.max(C[2], C[3]) * f[1] + Math.max(C[4], C[5]) * f[2], 12);
    expect(value('max(C)')).toBe(Math.max(...C));
    // logsumexp along columns.
    const lse = (u: number[]): number => Math.log(u.reduce((acc, v) => acc + Math.exp(v), 0));
    expect(value('logsumexp(C, axis = 0) . g')).toBeCloseTo(lse([C[0], C[2], C[4]]) * g[0] + lse([C[1], C[3], C[5]]) * g[1], 12);
    // C - f[:, None] - g[None, :] subtracts f[p] + g[q] from C[p, q].
    let expected = 0;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 2; q++) expected += (C[p * 2 + q] - f[p] - g[q]) ** 2;
    expect(value('norm2(sum(C - f[:, None] - g[None, :], axis = 0)) * 0 + sum((C - f[:, None] - g[None, :])^2)')).toBeCloseTo(expected, 12);
    // sqdist(X, Y)[p, q] = Σ_j (X[p, j] − Y[q, j])².
    let distances = 0;
    for (let p = 0; p < 3; p++) for (let q = 0; q < 2; q++) for (let j = 0; j < 4; j++) distances += (p + 1) * (X[p * 4 + j] - Y[q * 4 + j]) ** 2;
    expect(value('sum(sqdist(X, Y), axis = 1) . (onehot(0, n) + 2 * onehot(1, n) + 3 * onehot(2, n))')).toBeCloseTo(distances, 10);
    // softmax(f) sums to one and is exp(f) / Σ exp(f); onehot(i, n) picks entry i (i = 1 here).
    const z = f.reduce((acc, v) => acc + Math.exp(v), 0);
    expect(value('softmax(f) . onehot(i, n)')).toBeCloseTo(Math.exp(f[1]) / z, 14);
    expect(value('sum(softmax(C, axis = 1))')).toBeCloseTo(3, 14);
    // outer(f, g) @ transpose(C) @ f = (g . Cᵀ f)... written as a scalar.
    const Ctf = [0, 1].map((q) => C[q] * f[0] + C[2 + q] * f[1] + C[4 + q] * f[2]);
    expect(value('sum(outer(f, g) * C)')).toBeCloseTo(f[0] * (g[0] * C[0] + g[1] * C[1]) + f[1] * (g[0] * C[2] + g[1] * C[3]) + f[2] * (g[0] * C[4] + g[1] * C[5]), 12);
    expect(value('g . (f @ C)')).toBeCloseTo(g[0] * Ctf[0] + g[1] * Ctf[1], 12);
  });

  it('logsumexp along an axis stays finite and accurate with entries of size 1e4', () => {
    // Entries 1e4 + C: exp(1e4) overflows, the max-shifted form does not. Exact: 1e4 + lse(C row).
    const V = inputs();
    const C = V.get('data:C') as Float64Array;
    const f = V.get('var:f') as Float64Array;
    const lse = (u: number[]): number => Math.log(u.reduce((acc, v) => acc + Math.exp(v), 0));
    const exact = [0, 1, 2].reduce((acc, p) => acc + (1e4 + lse([C[2 * p], C[2 * p + 1]])) * f[p], 0);
    const got = value('logsumexp(C + 10000, axis = 1) . f');
    expect(Number.isFinite(got)).toBe(true);
    expect(Math.abs(got - exact)).toBeLessThanOrEqual(1e-12 * Math.abs(exact));
    // And −1e4: every exp underflows to 0 without the shift.
    const low = value('logsumexp(C - 10000, axis = 1) . f');
    const exactLow = [0, 1, 2].reduce((acc, p) => acc + (-1e4 + lse([C[2 * p], C[2 * p + 1]])) * f[p], 0);
    expect(Math.abs(low - exactLow)).toBeLessThanOrEqual(1e-12 * Math.abs(exactLow));
  });

  it('prints the new operators back in the language, and in LaTeX', () => {
    const node = objective('sum(logsumexp(C - f[:, None] - g[None, :], axis = 0)) + max(transpose(C) @ f) + softmax(f) . onehot(i, n)');
    const print = (format: 'text' | 'latex'): string => printFormulas([{ label: 'h', node }], format, TEST_ENVIRONMENT.operators).formulas[0].text;
    expect(print('text')).toBe('sum(logsumexp(C - f[:, None] - g[None, :], axis = 0)) + max(transpose(C) @ f) + exp(f - logsumexp(f)) . onehot(i, 3)');
    expect(print('latex')).toBe(
      '\\sum \\operatorname{logsumexp}\\left(C - f \\mathbf{1}_{2}^\\top - \\mathbf{1}_{3} {g}^\\top, \\mathrm{axis} = 0\\right) + \\operatorname{max}\\left({C}^\\top f\\right) + \\left\\langle \\exp\\left(f - \\operatorname{logsumexp}\\left(f\\right)\\right), e_{i} \\right\\rangle',
    );
  });
});

describe('constant expressions', () => {
  it("evaluate functions with the plugins' own implementations (the guarded sigmoid, not a copy)", () => {
    // 1 / (1 + e^720) is 0 in doubles (e^720 overflows); the guarded form e^−720 / (1 + e^−720) is ≈ 1.2e-313.
    const { ast } = parseSgd('const c = sigmoid(-720)\nconst s = softplus(800)\nminimize f() = c', 'c.sgd');
    const { checked } = checkFile(ast as NonNullable<typeof ast>, TEST_ENVIRONMENT);
    const sigmoid = TEST_ENVIRONMENT.operators.functions.get('sigmoid');
    const softplus = TEST_ENVIRONMENT.operators.functions.get('softplus');
    expect(checked?.consts.map((c) => c.value)).toEqual([sigmoid?.evaluate(-720), softplus?.evaluate(800)]);
    expect(checked?.consts[0].value).toBeGreaterThan(0);
    expect(checked?.consts[1].value).toBe(800);
  });
});

describe('mistakes are positioned errors that name the shapes', () => {
  const CORPUS: ReadonlyArray<{ name: string; body: string; expected: string[] }> = [
    {
      name: 'axis out of range for a vector',
      body: 'sum(f, axis = 1)',
      expected: ["10:23 invalid-axis: 'sum' has no axis 1 for R[3]: a vector has axis 0 only"],
    },
    {
      name: 'axis out of range for a matrix',
      body: 'sum(logsumexp(C, axis = 2))',
      expected: ["10:27 invalid-axis: 'logsumexp' has no axis 2 for R[3, 2]: a matrix has axes 0 and 1"],
    },
    {
      name: 'axis that is not an integer',
      body: 'sum(max(C, axis = 0.5))',
      expected: ['10:41 invalid-axis: axis must be the integer 0 (along columns) or 1 (along rows), got 0.5'],
    },
    {
      name: 'a vector against a matrix without an explicit axis',
      body: 'sum(C - f)',
      expected: [
        "10:27 shape-mismatch: '-' needs operands of the same shape or a scalar operand (to repeat a vector g along a matrix, write g[:, None] for a column or g[None, :] for a row), got R[3, 2] and R[3]",
      ],
    },
    {
      name: 'broadcasting along the wrong axis',
      body: 'sum(C - f[None, :])',
      expected: ["10:27 shape-mismatch: '-' needs operands of the same shape, a scalar operand, or a row R[1, m] or column R[n, 1] to repeat along R[n, m], got R[3, 2] and R[1, 3]"],
    },
    {
      name: 'a new axis on a matrix',
      body: 'sum(C[:, None])',
      expected: ["10:27 shape-mismatch: '[:, None]' needs a vector to repeat along a new axis, got R[3, 2]"],
    },
    {
      name: '@ on mismatched matrices',
      body: 'sum(C @ X)',
      expected: ["10:27 shape-mismatch: '@' needs R[n, d] @ R[d], R[n] @ R[n, d] or R[n, k] @ R[k, m], got R[3, 2] and R[3, 4]"],
    },
    {
      name: 'sqdist of rows of different lengths',
      body: 'sum(sqdist(X, C))',
      expected: ["10:27 shape-mismatch: 'sqdist' needs two matrices with rows of one length, R[p, k] and R[q, k], got R[3, 4] and R[3, 2]"],
    },
    {
      name: 'transpose of a vector',
      body: 'sum(transpose(f))',
      expected: ["10:27 shape-mismatch: 'transpose' needs a matrix R[n, m], got R[3]"],
    },
    {
      name: 'wrong arity',
      body: 'sum(outer(f)) + sum(transpose(C, C))',
      expected: ["10:27 wrong-arity: 'outer' takes 2 arguments (u, v), got 1", "10:43 wrong-arity: 'transpose' takes 1 argument (M), got 2"],
    },
    {
      name: 'named argument other than axis',
      body: 'sum(C, axes = 0) + sum(transpose(C, axis = 0))',
      expected: ["10:30 invalid-argument: 'sum' has no argument 'axes'; its only named argument is 'axis'", "10:59 invalid-argument: 'transpose' has no argument 'axis' (it takes no named arguments)"],
    },
    {
      name: 'onehot index out of range and a size that is not a positive integer',
      body: 'onehot(3, n) . f + sum(onehot(i, 0))',
      expected: ["10:30 index-out-of-range: index 3 is out of range: 'onehot' has 3 entries (indices start at 0)", "10:56 invalid-argument: the n of 'onehot' must be a positive integer, got 0"],
    },
    {
      name: 'a malformed new axis',
      body: 'sum(f[:, :])',
      expected: ["10:27 syntax-error: expected an index v[i], or v[:, None] (a column) or v[None, :] (a row) to repeat a vector along a matrix"],
    },
  ];

  it.each(CORPUS)('$name', ({ body, expected }) => {
    expect(check(`${PRELUDE}minimize h(f, g; i) = ${body}`)).toEqual(expected);
  });
});
