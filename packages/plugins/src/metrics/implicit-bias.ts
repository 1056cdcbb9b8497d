/**
 * Diagnostics of the implicit bias of (S)GD on a diagonal linear network w = u ⊙ v fitting
 * X w = y (Even, Pesme, Flammarion): recovery of a planted w*, ℓ1 norm against min ‖w‖₁, the
 * effective initialization and its gain, and the characterization w_t ≈ argmin_{Xw=y} Q_{α_t/2}.
 *
 * A file fits when it declares vars `u` and `v` of one shape (d entries), data `X : R[N, d]` and
 * `y : R[N]` (and, for the metrics that compare with it, data `w_star : R[d]`); in a file that does
 * not fit, they are left out of the trace with one warning (and not in the default set).
 *
 * Effective initialization. Any step u ← u − γ v ⊙ g, v ← v − γ u ⊙ g (g the gradient of the loss,
 * or a minibatch loss, with respect to w) maps u² − v² to (u² − v²)(1 − γ²g²) entrywise. So
 * α_t² := u_t² − v_t² = α² ∏_s (1 − γ_s² g_s²) is the effective initialization accumulated along the
 * run, read exactly from the state; the gain is log(α²/|α_t²|) (α² = u₀² − v₀²), ≥ 0 while γ|g| ≤ √2.
 * Writing u ± v = a_± e^{±σ} with σ_{t+1} = σ_t − γ_t g_t (σ_t ∈ range Xᵀ) gives
 * w_t = (α_t²/2) sinh(2σ_t + δ_t), δ_t = −Σ_s 2(atanh(γ_s g_s) − γ_s g_s) = O(γ³), and
 * argmin_{Xw=y} Q_β has w = 2β² sinh(Xᵀλ): w_∞ ≈ argmin_{Xw=y} Q_{α_∞/2}(w), up to δ.
 */
import { norm, sizeOf, type Instance, type Problem, type MetricPlugin, type MetricPoint } from '@sgdiff/core';
import { minimumL1Interpolator, potentialInterpolator, type L1Solution, type LinearSystem } from './interpolators.ts';

/**
 * Why `problem` is not a diagonal network the metrics can read (`wStar`: w_star is needed too), or undefined.
 * @category Solvers and tracking
 */
export function networkMismatch(problem: Problem, wStar: boolean): string | undefined {
  const find = (kind: string, name: string) => problem.tensors.find((t) => t.kind === kind && t.name === name);
  const u = find('var', 'u');
  const v = find('var', 'v');
  const X = find('data', 'X');
  const y = find('data', 'y');
  const star = find('data', 'w_star');
  const d = u ? sizeOf(u.shape) : 0;
  const fits =
    u && v && X && y && sizeOf(v.shape) === d && X.shape.length === 2 && y.shape.length === 1 && X.shape[0] === y.shape[0] && X.shape[1] === d && (!wStar || (star && sizeOf(star.shape) === d));
  return fits ? undefined : `not a diagonal network: needs vars u, v : R[d], data X : R[N, d], y : R[N]${wStar ? ', w_star : R[d]' : ''}`;
}

const fitsNetwork = (problem: Problem): string | undefined => networkMismatch(problem, false);
const fitsPlanted = (problem: Problem): string | undefined => networkMismatch(problem, true);

/**
 * The pieces of a diagonal-network problem a metric reads.
 * @category Solvers and tracking
 */
export interface DiagonalNetwork {
  /** The system X w = y. */
  readonly system: LinearSystem;
  /** w*, when declared. */
  readonly wStar?: Float64Array;
  /** α² = u₀² − v₀² per coordinate. */
  readonly alpha2: Float64Array;
  /** Offsets of u and v in x. */
  readonly uOffset: number;
  /** Offset of v in x. */
  readonly vOffset: number;
}

const networks = new WeakMap<Instance, DiagonalNetwork | null>();
const l1Solutions = new WeakMap<Instance, L1Solution>();

/**
 * The diagonal network of an instance, or undefined when the file does not fit (cached per instance).
 * @category Solvers and tracking
 */
export function diagonalNetwork(instance: Instance): DiagonalNetwork | undefined {
  if (!networks.has(instance)) networks.set(instance, findNetwork(instance) ?? null);
  return networks.get(instance) ?? undefined;
}

function findNetwork(instance: Instance): DiagonalNetwork | undefined {
  const entry = (name: string): { offset: number; size: number } | undefined => instance.varLayout.entries.find((e) => e.name === name);
  const u = entry('u');
  const v = entry('v');
  const X = instance.values.get('X');
  const y = instance.values.get('y');
  if (!u || !v || !X || !y || u.size !== v.size) return undefined;
  const d = u.size;
  const N = y.length;
  if (X.length !== N * d) return undefined;
  const wStar = instance.values.get('w_star');
  const alpha2 = new Float64Array(d);
  for (let j = 0; j < d; j++) alpha2[j] = instance.x0[u.offset + j] ** 2 - instance.x0[v.offset + j] ** 2;
  return { system: { X, y, N, d }, wStar: wStar?.length === d ? wStar : undefined, alpha2, uOffset: u.offset, vOffset: v.offset };
}

/**
 * w = u ⊙ v at x.
 * @category Solvers and tracking
 */
export function networkWeights(net: DiagonalNetwork, x: Float64Array): Float64Array {
  return Float64Array.from({ length: net.system.d }, (_, j) => x[net.uOffset + j] * x[net.vOffset + j]);
}

/**
 * α_t² = u² − v² per coordinate at x.
 * @category Solvers and tracking
 */
export function effectiveInitialization(net: DiagonalNetwork, x: Float64Array): Float64Array {
  return Float64Array.from({ length: net.system.d }, (_, j) => x[net.uOffset + j] ** 2 - x[net.vOffset + j] ** 2);
}

/**
 * The gain log(α²/|α_t²|) per coordinate at x: Σ_s −½ log((1 − γ_s²g_s²)²), the slides' form, which
 * stays defined after a step with γ|g| > 1 has turned u² − v² negative (the gain is then below what
 * the positive factors alone give, and negative where γ|g| > √2). +∞ where α_t² = 0 exactly.
 * @category Solvers and tracking
 */
export function gainPerCoordinate(net: DiagonalNetwork, x: Float64Array): Float64Array {
  const a2 = effectiveInitialization(net, x);
  return a2.map((a, j) => Math.log(net.alpha2[j] / Math.abs(a)));
}

/**
 * min ‖w‖₁ s.t. X w = y for the instance (ADMM to a relative duality gap of 1e-9; cached).
 * @category Solvers and tracking
 */
export function minimumL1(instance: Instance, net: DiagonalNetwork): L1Solution {
  let solution = l1Solutions.get(instance);
  if (!solution) {
    solution = minimumL1Interpolator(net.system);
    l1Solutions.set(instance, solution);
  }
  return solution;
}

/** Computes `f` on the point's network, NaN when the file does not fit. */
function onNetwork(point: MetricPoint, f: (net: DiagonalNetwork) => number): number {
  const net = diagonalNetwork(point.kernels.instance);
  return net ? f(net) : NaN;
}

function l1(v: Float64Array): number {
  let s = 0;
  for (const x of v) s += Math.abs(x);
  return s;
}

/**
 * ‖u ⊙ v − w*‖.
 * @category Solvers and tracking
 */
export const recoveryErrorMetric: MetricPlugin = {
  name: 'recovery_error',
  doc: 'Diagonal networks: ‖w_k − w*‖ with w = u ⊙ v and data w_star (needs vars u, v, data X, y, w_star).',
  needs: { problem: fitsPlanted },
  compute: (point) =>
    onNetwork(point, (net) => {
      if (!net.wStar) return NaN;
      const w = networkWeights(net, point.x);
      return norm(w.map((x, j) => x - (net.wStar as Float64Array)[j]));
    }),
};

/**
 * ‖u ⊙ v‖₁.
 * @category Solvers and tracking
 */
export const l1NormMetric: MetricPlugin = {
  name: 'l1_norm',
  doc: 'Diagonal networks: ‖w_k‖₁ with w = u ⊙ v (needs vars u, v, data X, y).',
  needs: { problem: fitsNetwork },
  compute: (point) => onNetwork(point, (net) => l1(networkWeights(net, point.x))),
};

/**
 * ‖w‖₁ / min_{Xw=y} ‖w‖₁ − 1.
 * @category Solvers and tracking
 */
export const l1ExcessMetric: MetricPlugin = {
  name: 'l1_excess',
  doc: 'Diagonal networks: ‖w_k‖₁ / min_{Xw=y} ‖w‖₁ − 1, the minimum by ADMM certified to a relative duality gap of 1e-9.',
  needs: { problem: fitsNetwork },
  compute: (point) => onNetwork(point, (net) => l1(networkWeights(net, point.x)) / minimumL1(point.kernels.instance, net).norm - 1),
};

/**
 * ‖gain‖₁ = Σ log(α²/|α_k²|).
 * @category Solvers and tracking
 */
export const gainMetric: MetricPlugin = {
  name: 'gain_l1',
  doc: 'Diagonal networks: ‖Gain‖₁ = Σ_i log(α_i²/|α_k,i²|), α_k² = u_k² − v_k² the effective initialization.',
  needs: { problem: fitsNetwork },
  compute: (point) => onNetwork(point, (net) => gainPerCoordinate(net, point.x).reduce((s, g) => s + g, 0)),
};

/**
 * The share of the gain on the support of w*.
 * @category Solvers and tracking
 */
export const gainSupportShareMetric: MetricPlugin = {
  name: 'gain_support_share',
  doc: 'Diagonal networks: Σ_{i ∈ supp w*} Gain_i / Σ_i Gain_i, the share of the gain on the support of w_star.',
  needs: { problem: fitsPlanted },
  compute: (point) =>
    onNetwork(point, (net) => {
      if (!net.wStar) return NaN;
      const gain = gainPerCoordinate(net, point.x);
      let onSupport = 0;
      let total = 0;
      gain.forEach((g, j) => {
        total += g;
        if ((net.wStar as Float64Array)[j] !== 0) onSupport += g;
      });
      return onSupport / total;
    }),
};

/**
 * ‖w_k − argmin_{Xw=y} Q_{α_k/2}‖ / ‖w_k‖.
 * @category Solvers and tracking
 */
export const characterizationErrorMetric: MetricPlugin = {
  name: 'characterization_error',
  doc: 'Diagonal networks: ‖w_k − argmin_{Xw=y} Q_{α_k/2}(w)‖ / ‖w_k‖, α_k² = u_k² − v_k², the minimizer by Newton on its dual to ‖Xw − y‖ ≤ 1e-12‖y‖.',
  needs: { problem: fitsNetwork },
  compute: (point) =>
    onNetwork(point, (net) => {
      const a2 = effectiveInitialization(net, point.x);
      if (a2.some((a) => !(a > 0))) return NaN;
      const w = networkWeights(net, point.x);
      const target = potentialInterpolator(net.system, a2.map((a) => a / 4)).w;
      return norm(w.map((x, j) => x - target[j])) / norm(w);
    }),
};

/**
 * The implicit-bias metrics, in the order `sgd plugins` lists them.
 * @category Solvers and tracking
 */
export const implicitBiasMetrics: readonly MetricPlugin[] = [recoveryErrorMetric, l1NormMetric, l1ExcessMetric, gainMetric, gainSupportShareMetric, characterizationErrorMetric];
