/**
 * Plain entropic optimal transport for the tests, independent of the engine: a seeded uniform
 * generator, normalized histograms, 1-D squared-distance costs, a scaling-domain Sinkhorn and a
 * log-domain one written as loops over Float64Arrays, and the marginal violation of a plan.
 */
import type { OtProblem } from '@sgdiff/plugins';

/** A seeded uniform generator (mulberry32), independent of the engine's streams. */
export function uniforms(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A normalized histogram of `n` uniform draws. */
export function histogram(n: number, next: () => number): Float64Array {
  const h = Float64Array.from({ length: n }, () => 0.1 + next());
  const total = h.reduce((s, v) => s + v, 0);
  return h.map((v) => v / total);
}

/** Squared distances of 1-D points. */
export function cost(X: Float64Array, Y: Float64Array): Float64Array {
  const C = new Float64Array(X.length * Y.length);
  X.forEach((x, i) => Y.forEach((y, j) => (C[i * Y.length + j] = (x - y) ** 2)));
  return C;
}

/**
 * Scaling-domain Sinkhorn (fine at ε = 0.05 on costs ≤ 1: e^{−20}): balanced potentials, the dual
 * minimum ℓ = ⟨f, a⟩ + ⟨g, b⟩ + ε, and W_ε = ⟨C, P⟩ + ε⟨P, log P⟩ from the plan itself.
 */
export function scalingSinkhorn(p: OtProblem, iterations = 20000): { f: Float64Array; g: Float64Array; value: number; transportCost: number } {
  const n = p.a.length;
  const m = p.b.length;
  const K = p.cost.map((c) => Math.exp(-c / p.epsilon));
  const u = new Float64Array(n).fill(1);
  const v = new Float64Array(m).fill(1);
  for (let t = 0; t < iterations; t++) {
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += K[i * m + j] * v[j];
      u[i] = p.a[i] / s;
    }
    for (let j = 0; j < m; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += K[i * m + j] * u[i];
      v[j] = p.b[j] / s;
    }
  }
  // P = diag(u) K diag(v) = exp(−(f ⊕ g + C)/ε) with f = −ε log u, g = −ε log v.
  const f = u.map((x) => -p.epsilon * Math.log(x));
  const g = v.map((x) => -p.epsilon * Math.log(x));
  const shift = (g.reduce((s, x) => s + x, 0) - f.reduce((s, x) => s + x, 0)) / (n + m);
  const F = f.map((x) => x + shift);
  const G = g.map((x) => x - shift);
  // At the solution Σ P = 1, so W = ⟨f, a⟩ + ⟨g, b⟩ + ε.
  const value = F.reduce((s, x, i) => s + x * p.a[i], 0) + G.reduce((s, x, j) => s + x * p.b[j], 0) + p.epsilon;
  let transportCost = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const P = u[i] * K[i * m + j] * v[j];
      // P log P → 0 as P → 0 (entries that underflow).
      if (P > 0) transportCost += P * p.cost[i * m + j] + p.epsilon * P * Math.log(P);
    }
  }
  return { f: F, g: G, value, transportCost };
}

/** The largest entrywise difference. */
export function maxDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < x.length; i++) d = Math.max(d, Math.abs(x[i] - y[i]));
  return d;
}

/** t log-domain Sinkhorn steps from 0 with the balanced gauge, as the solver defines them. */
export function logSinkhorn(p: OtProblem, t: number): Float64Array {
  const n = p.a.length;
  const m = p.b.length;
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  const soft = (values: (q: number) => number, size: number): number => {
    let top = -Infinity;
    for (let q = 0; q < size; q++) top = Math.max(top, values(q));
    let s = 0;
    for (let q = 0; q < size; q++) s += Math.exp(values(q) - top);
    return p.epsilon * (top + Math.log(s));
  };
  for (let k = 0; k < t; k++) {
    for (let i = 0; i < n; i++) f[i] = soft((j) => -(g[j] + p.cost[i * m + j]) / p.epsilon, m) - p.epsilon * Math.log(p.a[i]);
    for (let j = 0; j < m; j++) g[j] = soft((i) => -(f[i] + p.cost[i * m + j]) / p.epsilon, n) - p.epsilon * Math.log(p.b[j]);
    const c = (g.reduce((s, x) => s + x, 0) - f.reduce((s, x) => s + x, 0)) / (n + m);
    for (let i = 0; i < n; i++) f[i] += c;
    for (let j = 0; j < m; j++) g[j] -= c;
  }
  return Float64Array.of(...f, ...g);
}


/** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ of the plan P_ij = exp(−(f_i + g_j + C_ij)/ε) of potentials (f, g) given as one vector [f, g]. */
export function planViolation(p: OtProblem, fg: Float64Array): number {
  const n = p.a.length;
  const m = p.b.length;
  const columns = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < m; j++) {
      const P = Math.exp(-(fg[i] + fg[n + j] + p.cost[i * m + j]) / p.epsilon);
      row += P;
      columns[j] += P;
    }
    total += Math.abs(row - p.a[i]);
  }
  for (let j = 0; j < m; j++) total += Math.abs(columns[j] - p.b[j]);
  return total;
}
