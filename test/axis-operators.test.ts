/**
 * The axis operators through the whole pipeline (`.sgd` → IR → derivatives → compiled kernels),
 * on the entropic optimal-transport semi-dual at ε = 1e-3, where the entries of the
 * logsumexp are about −1e4: the kernels' values and gradients against hand computations in this
 * file, a cost matrix computed once from data by `sqdist`, and the compiled kernels of every new
 * operator against the records' interpreter.
 */
import { describe, expect, it } from 'vitest';
import { buildDerivativeGraphs, drawInstance, evaluateGraph, ProblemKernels, type Problem } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';

const registry = defaultRegistry();

/** The semi-dual of entropic OT: min over g of −⟨g, b⟩ + ε Σ_p a_p logsumexp_q((g_q − C_pq)/ε). */
const SEMI_DUAL = `dim n = 4
dim m = 3
dim k = 2
const eps = 0.001
data X : R[n, k] ~ normal(0, 1)
data Y : R[m, k] ~ normal(0, 1)
data C : R[n, m] = sqdist(X, Y)
data a : R[n] = 1 / n
data b : R[m] = 1 / m
var g : R[m] = 0
minimize L(g) = -(g . b) + eps * sum(logsumexp((g[None, :] - C) / eps, axis = 1) * a)
`;

function load(source: string): { problem: Problem; kernels: ProblemKernels } {
  const result = compileSgd(source, 'ot.sgd', checkEnvironment(registry));
  expect(result.diagnostics).toEqual([]);
  const problem = result.problem as Problem;
  const kernels = new ProblemKernels(problem, buildDerivativeGraphs(problem, registry.rules), drawInstance(problem, 7), registry.functions);
  return { problem, kernels };
}

/** log Σ exp(v), shifted by hand. */
function lse(v: readonly number[]): number {
  const m = Math.max(...v);
  return m + Math.log(v.reduce((acc, x) => acc + Math.exp(x - m), 0));
}

describe('entropic OT semi-dual at ε = 1e-3 (logsumexp entries near −1e4)', () => {
  const { kernels } = load(SEMI_DUAL);
  const values = kernels.instance.values;
  const X = values.get('X') as Float64Array;
  const Y = values.get('Y') as Float64Array;
  const eps = 1e-3;
  const g = Float64Array.of(0.3, -0.2, 0.5);
  const theta = new Float64Array(0);

  it('computes the cost matrix sqdist(X, Y) once from the data, as by hand', () => {
    const C = values.get('C') as Float64Array;
    for (let p = 0; p < 4; p++) {
      for (let q = 0; q < 3; q++) {
        const expected = (X[2 * p] - Y[2 * q]) ** 2 + (X[2 * p + 1] - Y[2 * q + 1]) ** 2;
        expect(Math.abs(C[3 * p + q] - expected)).toBeLessThanOrEqual(1e-15 * (1 + expected));
      }
    }
  });

  it('value and gradient of the compiled kernels match the hand computation', () => {
    const C = values.get('C') as Float64Array;
    const rows = [0, 1, 2, 3].map((p) => [0, 1, 2].map((q) => (g[q] - C[3 * p + q]) / eps));
    // Entries are of size |C|/ε, hundreds to thousands: exp of them overflows or underflows without the shift.
    expect(Math.max(...rows.flat().map(Math.abs))).toBeGreaterThan(700);
    const expectedValue = -(g[0] + g[1] + g[2]) / 3 + eps * rows.reduce((acc, row) => acc + lse(row) / 4, 0);
    const value = kernels.objective(g, theta);
    expect(Number.isFinite(value)).toBe(true);
    expect(Math.abs(value - expectedValue)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expectedValue)));
    // ∂L/∂g_q = −b_q + Σ_p a_p softmax(row_p)_q.
    const expectedGradient = [0, 1, 2].map((q) => -1 / 3 + rows.reduce((acc, row) => acc + Math.exp(row[q] - lse(row)) / 4, 0));
    const gradient = new Float64Array(3);
    kernels.full('gradX', g, theta, new Float64Array(0), gradient);
    gradient.forEach((v, q) => expect(Math.abs(v - expectedGradient[q])).toBeLessThanOrEqual(1e-12));
  });

  it('Hessian–vector products are finite and match central differences of the compiled gradient', () => {
    // The Hessian is (1/ε)·(weighted softmax covariance): entries up to ~250 here. h = 1e-7 keeps
    // the softmax weights' relative change (h/ε = 1e-4) small; truncation ~ (h/ε)²·|H| ≈ 1e-6.
    const v = Float64Array.of(1, -2, 0.5);
    const hv = new Float64Array(3);
    kernels.full('hvp', g, theta, v, hv);
    const h = 1e-7;
    const at = (s: number): Float64Array => {
      const out = new Float64Array(3);
      kernels.full('gradX', g.map((x, q) => x + s * v[q]), theta, new Float64Array(0), out);
      return out;
    };
    const [plus, minus] = [at(h), at(-h)];
    hv.forEach((x, q) => {
      expect(Number.isFinite(x)).toBe(true);
      expect(Math.abs(x - (plus[q] - minus[q]) / (2 * h))).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(x)));
    });
  });
});

describe('compiled kernels of every new operator against the records’ interpreter', () => {
  const PRELUDE = `dim n = 3
dim m = 2
dim k = 4
data C : R[n, m] ~ normal(0, 1)
data X : R[n, k] ~ normal(0, 1)
data Y : R[m, k] ~ normal(0, 1)
var f : R[n] ~ normal(0, 1)
var g : R[m] ~ normal(0, 1)
sample i ~ uniform(n)
`;
  it.each([
    'sum(C @ transpose(C)) + sum(transpose(X) @ X, axis = 0) . onehot(1, k)',
    'sum(C - f[:, None] - g[None, :], axis = 0) . g + sum(max(C * f[:, None], axis = 1))',
    'sum(logsumexp(C + 10000 * g[None, :], axis = 0)) + logsumexp(f * 1e4) - max(f)',
    'sum(softmax(C, axis = 1) * C) + softmax(f * 1000) . onehot(i, n) + sum(sqdist(X, Y)) / 100',
    'norm2(outer(f, g) - C) + max(sqdist(X, Y), axis = 0) . g + max(C, axis = 0) . g',
  ])('%s: value and gradient, on every sample', (body) => {
    const { problem, kernels } = load(`${PRELUDE}minimize h(f, g; i) = ${body}\n`);
    const x = kernels.instance.x0;
    const graphs = kernels.graphs;
    const roots = [graphs.value, ...graphs.gradX.filter((n) => n !== null)];
    for (let i = 0; i < 3; i++) {
      const inputs = new Map<string, Float64Array>([
        ['var:f', x.slice(0, 3)],
        ['var:g', x.slice(3, 5)],
        ...['C', 'X', 'Y'].map((name) => [`data:${name}`, kernels.instance.values.get(name) as Float64Array] as const),
      ]);
      const reference = evaluateGraph(roots, { values: inputs, sample: i }, problem.builder.operators);
      const value = new Float64Array(1);
      kernels.batch('value', x, new Float64Array(0), new Float64Array(0), Int32Array.of(i), 1, value);
      const expected = reference.get(graphs.value)?.data[0] as number;
      expect(Number.isFinite(value[0])).toBe(true);
      expect(Math.abs(value[0] - expected)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(expected)));
      const gradient = new Float64Array(5);
      kernels.batch('gradX', x, new Float64Array(0), new Float64Array(0), Int32Array.of(i), 1, gradient);
      const expectedGradient = graphs.gradX.flatMap((n, k) => (n ? Array.from(reference.get(n)?.data ?? []) : new Array(k === 0 ? 3 : 2).fill(0)));
      gradient.forEach((v, j) => expect(Math.abs(v - expectedGradient[j])).toBeLessThanOrEqual(1e-11 * (1 + Math.abs(expectedGradient[j]))));
    }
  });
});
