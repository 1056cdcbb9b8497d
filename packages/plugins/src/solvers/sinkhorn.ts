/**
 * The `sinkhorn` solver: alternate exact minimization of the entropic dual of the paper's L4,
 *
 *   L(f, g) = ⟨f, a⟩ + ⟨g, b⟩ + ε Σ_ij exp(−(f_i + g_j + C_ij)/ε),
 *
 * in the log domain. One step is the two block updates (the second reads the first's result),
 *
 *   f ← ε logsumexp_j(−(g_j + C_ij)/ε) − ε log a,   g ← ε logsumexp_i(−(f_i + C_ij)/ε) − ε log b,
 *
 * each logsumexp shifted by the maximum of its slice, so ε = 1e-3 on costs of order 1 (entries
 * near −1e3) neither overflows nor underflows. The map is IR over the vars (f, g), so forward,
 * reverse and implicit tracking and the g1/g2/g3 estimators work as for any solver. L is
 * unchanged by (f + c, g − c) when Σa = Σb = 1: the `gauge` option either leaves that freedom
 * (the implicit solve then works on the range of I − ∂ₛΦ) or fixes it by the shift that makes
 * Σ_i f_i = Σ_j g_j, i.e. (f, g) orthogonal to the null direction (1_n, −1_m): the minimum-norm
 * representative, the one the exact reference's minimum-norm Newton steps reach.
 *
 * **Batched problems.** With a sample k ~ uniform(N) and potentials F : R[N, n], G : R[N, m]
 * (the objective the mean over k of the dual of (F[k], G[k]) with histograms a or a[k], b or
 * b[k]), the step for outcome k replaces row k: Φ(s; k) = s + N·scatterRow(update_k − s[k], k).
 * The framework's full-batch mean over k then updates every row at once, N problems in one
 * kernel (the Wasserstein barycenter's inner problems).
 */
import type { IRBuilder, Node, SolverPlugin } from '@sgdiff/core';
import { sinkhornInputs, type SinkhornInputs } from './sinkhorn-inputs.ts';
import { checkSinkhornInstance } from './sinkhorn-instance.ts';
import { sinkhornRunReference } from './sinkhorn-run-reference.ts';

/** ‖v‖₁. */
function l1Norm(v: Float64Array): number {
  let total = 0;
  for (const x of v) total += Math.abs(x);
  return total;
}

/**
 * ε logsumexp along `axis` of −(potential broadcast + C)/ε, minus ε log(histogram): one block
 * update. `axis = 1` updates the row potential from the column one, `axis = 0` the converse.
 * @category Solvers and tracking
 */
export function blockUpdate(b: IRBuilder, other: Node, cost: Node, epsilon: Node, histogram: Node, axis: 0 | 1): Node {
  const [n, m] = cost.shape;
  const spread = axis === 1 ? b.expand(other, 0, n) : b.expand(other, 1, m);
  const exponent = b.div(b.neg(b.add(spread, cost)), epsilon);
  return b.sub(b.mul(epsilon, b.logsumexp(exponent, axis)), b.mul(epsilon, b.map('log', histogram)));
}

/** Both block updates from g, then the gauge shift: the next (f, g) of one problem. */
function sinkhornStep(b: IRBuilder, g: Node, inputs: SinkhornInputs, histograms: { a: Node; b: Node }, balanced: boolean): [Node, Node] {
  const [n, m] = inputs.cost.shape;
  let nextF = blockUpdate(b, g, inputs.cost, inputs.epsilon, histograms.a, 1);
  let nextG = blockUpdate(b, nextF, inputs.cost, inputs.epsilon, histograms.b, 0);
  if (balanced) {
    // c = (Σg − Σf)/(n + m) makes Σ(f + c) = Σ(g − c).
    const shift = b.div(b.sub(b.sum(nextG), b.sum(nextF)), b.const(n + m));
    nextF = b.add(nextF, shift);
    nextG = b.sub(nextG, shift);
  }
  return [nextF, nextG];
}

/**
 * The Sinkhorn solver plugin.
 * @category Solvers and tracking
 */
export const sinkhornSolver: SolverPlugin = {
  name: 'sinkhorn',
  doc: 'Log-domain Sinkhorn on the entropic dual L(f, g) = f·a + g·b + ε Σ exp(−(f_i + g_j + C_ij)/ε): both block updates per step, max-shifted logsumexp; N problems at once with f : R[N, n], g : R[N, m] and a sample k ~ uniform(N).',
  sampling: 'full',
  options: [
    {
      name: 'gauge',
      type: 'enum',
      default: 'balanced',
      values: ['balanced', 'none'],
      doc: 'How the shift (f + c, g − c) is fixed: balanced (Σ_i f_i = Σ_j g_j after every step: the minimum-norm potentials, an isolated fixed point) or none (the plain updates; the implicit solve works on the range).',
    },
    {
      name: 'tolerance',
      type: 'number',
      default: 0,
      min: 0,
      doc: 'Stop at the first step whose marginal violation ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ (the mean over the problems of a batch) is at most this; 0 runs every iteration. Testing costs one evaluation of ∇F per step.',
    },
  ],
  stopping(options) {
    const tolerance = Number(options.tolerance ?? 0);
    // The violation is the 1-norm of ∇ₓF (see marginalViolationMetric), so the test reads the gradient.
    return tolerance > 0 ? { quantity: 'marginal_violation', tolerance, measure: l1Norm } : undefined;
  },
  // The suite's problems are not entropic duals (no a, b, C, eps), so only its option
  // declarations are checked there; the map itself is checked on its own problem in
  // test/optimal-transport.test.ts (iterates, forward/reverse/finite-difference Jacobians).
  conformance: {
    excludes: (['quadratic', 'logistic', 'gauge'] as const).map((problem) => ({
      problem,
      reason: 'not an entropic dual: the Sinkhorn updates read the histograms a, b, the cost and eps, which this problem lacks',
    })),
  },
  checkInstance: checkSinkhornInstance,
  reference: sinkhornRunReference,
  stepMap(ctx) {
    const b = ctx.builder;
    const { inputs, potentials } = sinkhornInputs(ctx.problem, b);
    const { fIndex, batch } = potentials;
    const balanced = ctx.options.gauge === 'balanced';
    const F = ctx.vars[fIndex];
    const G = ctx.vars[1 - fIndex];
    if (batch === 0) {
      const [nextF, nextG] = sinkhornStep(b, G, inputs, inputs, balanced);
      return { next: fIndex === 0 ? [nextF, nextG] : [nextG, nextF] };
    }
    const k = ctx.problem.sample!.node;
    const rowOf = (v: Node): Node => (v.shape.length === 2 ? b.row(v, k) : v);
    const [fk, gk] = sinkhornStep(b, b.row(G, k), inputs, { a: rowOf(inputs.a), b: rowOf(inputs.b) }, balanced);
    // Row k replaced, scaled by N: the mean over the N outcomes replaces every row once.
    const replace = (V: Node, row: Node): Node => b.add(V, b.mul(b.const(batch), b.scatterRow(b.sub(row, b.row(V, k)), k, batch)));
    const nextF = replace(F, fk);
    const nextG = replace(G, gk);
    return { next: fIndex === 0 ? [nextF, nextG] : [nextG, nextF] };
  },
};
