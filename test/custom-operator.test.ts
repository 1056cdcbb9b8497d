/**
 * A new operator defined in this file alone: `cumsum(v)`, the running sums of a vector. One
 * record, registered through the plugin container like any plugin's, and `.sgd` files can use
 * it: checking (with positioned shape errors), derivatives (printed), evaluation, the random
 * property suite, compiled kernels and derivative tracking all come from the record.
 */
import { ContainerModule } from 'inversify';
import { describe, expect, it } from 'vitest';
import { OPERATORS, buildDerivativeGraphs, evaluateGraph, loopBuild, printFormulas, shapeMismatch, type Node, type OperatorRecord, type Problem, prepareKernelBackend } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment, createSession, executeRuns } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { describeOperatorProperties } from './support/operator-properties.ts';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

/** `cumsum(v)[k] = v[0] + ... + v[k]`: linear, so its derivatives are cumulative sums again. */
const cumsum: OperatorRecord = {
  name: 'cumsum',
  doc: 'Running sums of a vector: entry k is v[0] + ... + v[k].',
  arity: 1,
  shape: (args) => (args[0].length === 1 ? args[0] : shapeMismatch('a vector', args)),
  evaluate: ([v]) => {
    const out = new Float64Array(v.data.length);
    let acc = 0;
    v.data.forEach((x, k) => (out[k] = acc += x));
    return out;
  },
  jvp: (b, _node, [t]) => b.apply('cumsum', [t as Node]),
  // The transpose of the running sum is the running sum from the end: Σ_{j ≥ k} g_j = Σ g − cumsum(g)_k + g_k.
  vjp: (b, _node, g) => [b.add(b.sub(b.sum(g), b.apply('cumsum', [g])), g)],
  print: (_node, ctx) => ({ text: ctx.format === 'latex' ? `\\operatorname{cumsum}\\left(${ctx.args[0].text}\\right)` : `cumsum(${ctx.args[0].text})`, level: 5 }),
  surface: [{ kind: 'call', name: 'cumsum', params: [{ kind: 'tensor', name: 'v' }], forms: 'cumsum(v) of a vector v' }],
  generate: { forms: [{ args: ['n'] }, { args: ['d'] }] },
  // Kernels: out[0] = v[0], then out[k + 1] = out[k] + v[k + 1], reading back what was just stored.
  lower: {
    tensor: (ctx, node, out) => {
      const { binary, indexAdd, indexConst, load, store } = loopBuild;
      const v = node.args[0];
      const next = (k: ReturnType<typeof indexConst>): ReturnType<typeof indexConst> => indexAdd(k, indexConst(1));
      ctx.emit(store(out, indexConst(0), ctx.element(v, indexConst(0))));
      ctx.loop(node.shape[0] - 1, (k) => ctx.emit(store(out, next(k), binary('add', load(out, k), ctx.element(v, next(k))))));
    },
  },
};

const registry = defaultRegistry([new ContainerModule(({ bind }) => void bind(OPERATORS).toConstantValue(cumsum))]);

/** Least squares on running sums: F(x, θ) = ½ ‖cumsum(x) − θ‖² + (λ/2) ‖x‖². */
const SOURCE = `dim d = 4
param theta : R[d] ~ normal(0, 1)
var x : R[d] = 0
minimize f(x, theta) = 0.5 * norm2(cumsum(x) - theta) + 0.05 * norm2(x)
solve gd {
  iterations = 1500
  step = 1 / L
  track = forward
}
`;

function compile(source: string): Problem {
  const result = compileSgd(source, 'cumsum.sgd', checkEnvironment(registry));
  expect(result.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code}: ${d.message}`)).toEqual([]);
  return result.problem as Problem;
}

describe('an operator defined in a test file', () => {
  it('is checked in .sgd files, with positioned errors naming the shapes', () => {
    compile(SOURCE);
    const bad = compileSgd(`${SOURCE.split('minimize')[0]}data A : R[d, d] ~ normal(0, 1)\nminimize f(x, theta) = sum(cumsum(A)) + x . theta\n`, 'bad.sgd', checkEnvironment(registry));
    expect(bad.diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.code}: ${d.message}`)).toEqual([
      "5:28 shape-mismatch: 'cumsum' needs a vector, got R[4, 4]",
    ]);
    // Without the plugin the name is unknown.
    const plain = compileSgd(SOURCE, 'plain.sgd', checkEnvironment(defaultRegistry()));
    expect(plain.diagnostics.map((d) => d.code)).toEqual(['unknown-function']);
  });

  it('is differentiated and printed: ∇ₓf = cumsumᵀ(cumsum(x) − θ) + 0.1 x, matching the hand computation', () => {
    const problem = compile(SOURCE);
    const graphs = buildDerivativeGraphs(problem, registry.rules);
    const [gradX] = graphs.gradX as [Node];
    const printed = printFormulas([{ label: '∇ₓf', node: gradX }], 'text', registry.operators);
    expect(printed.formulas[0].text).toContain('cumsum(');
    const x = Float64Array.of(0.3, -1.2, 0.7, 2);
    const theta = Float64Array.of(1, -0.5, 0.25, -2);
    const values = evaluateGraph([gradX], { values: new Map([['var:x', x], ['param:theta', theta]]) }, registry.operators);
    // By hand: r = cumsum(x) − θ; (Lᵀ r)_k = Σ_{j ≥ k} r_j.
    const r = [0, 1, 2, 3].map((k) => x.slice(0, k + 1).reduce((a, v) => a + v, 0) - theta[k]);
    const expected = [0, 1, 2, 3].map((k) => r.slice(k).reduce((a, v) => a + v, 0) + 0.1 * x[k]);
    const got = Array.from(values.get(gradX)?.data ?? []);
    got.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 14));
  });

  it('compiles to kernels and is tracked: GD with forward tracking reaches ∂θx* = (LᵀL + 0.1 I)⁻¹ Lᵀ, solved here directly', () => {
    const problem = compile(SOURCE);
    const session = createSession(problem, registry, 1, 'cumsum.sgd');
    // The compiled gradient kernel against the hand formula at x₀ = 0: ∇ₓF = −Lᵀθ.
    const theta = session.kernels.instance.theta;
    const gradient = new Float64Array(4);
    session.kernels.full('gradX', new Float64Array(4), theta, new Float64Array(0), gradient);
    [0, 1, 2, 3].forEach((k) => expect(gradient[k]).toBeCloseTo(-theta.slice(k).reduce((a, v) => a + v, 0), 14));
    const [result] = executeRuns(session, { file: 'cumsum.sgd', source: SOURCE, seed: 1, plugins: [], logPoints: 5 }, [0]);
    // H = LᵀL + 0.1 I with L the lower-triangular matrix of ones: H[j][k] = 4 − max(j, k) (+0.1 on the diagonal).
    const H = [0, 1, 2, 3].map((j) => [0, 1, 2, 3].map((k) => 4 - Math.max(j, k) + (j === k ? 0.1 : 0)));
    // ∂θx* = H⁻¹ Lᵀ, column p (direction θ_p) solves H c = Lᵀ e_p = (1 for k ≤ p, else 0); Gaussian elimination.
    const solve = (rhs: number[]): number[] => {
      const A = H.map((row, r) => [...row, rhs[r]]);
      for (let c = 0; c < 4; c++) {
        for (let r = c + 1; r < 4; r++) {
          const f = A[r][c] / A[c][c];
          for (let k = c; k < 5; k++) A[r][k] -= f * A[c][k];
        }
      }
      const x = [0, 0, 0, 0];
      for (let r = 3; r >= 0; r--) x[r] = (A[r][4] - A[r].slice(r + 1, 4).reduce((acc, v, k) => acc + v * x[r + 1 + k], 0)) / A[r][r];
      return x;
    };
    const J = result.jacobian as Float64Array;
    // Tangent-major: J[p·D + j] = ∂x_j/∂θ_p. GD contracts by 1 − μ/L ≈ 0.954 per step (eigenvalues of H from 0.383 to
    // 8.39), so after 1500 steps the Jacobian is exact to rounding (0.954^1500 ≈ 4e-31); 1e-9 leaves room for rounding only.
    for (let p = 0; p < 4; p++) {
      const column = solve([0, 1, 2, 3].map((k) => (k <= p ? 1 : 0)));
      column.forEach((v, j) => expect(Math.abs(J[p * 4 + j] - v)).toBeLessThan(1e-9));
    }
  });
});

describeOperatorProperties({ operators: registry.operators, seed: 0xc5, runs: 60, focus: 'cumsum' });
