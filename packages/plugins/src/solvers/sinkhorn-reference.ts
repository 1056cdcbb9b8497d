/**
 * The optimal-transport reference: a long log-domain Sinkhorn run on plain arrays, stopped and
 * certified by its marginal violation, giving the minimum ℓ = min L4 of the dual as the paper
 * writes it, the entropic transport cost W_ε = ⟨C, P⟩ + ε⟨P, log P⟩ (at the solution
 * ℓ = ε − W_ε: the paper's eq. (20) equates them, a sign slip, since its z = −f of the usual dual),
 * the potentials in the balanced gauge (Σf = Σg, the minimum-norm pair) and the gradients of ℓ
 * (the hypergradient g* the runs compare against): ∇_a ℓ = f by the envelope theorem, and for
 * the squared-distance cost ∂ℓ/∂C_ij = −P_ij, so ∇_{X_i} ℓ = −Σ_j P_ij · 2(X_i − Y_j).
 */

/**
 * An entropic OT problem: histograms, the n×m cost (row-major) and ε.
 * @category Problems and references
 */
export interface OtProblem {
  /** The first histogram, length n. */
  readonly a: Float64Array;
  /** The second histogram, length m. */
  readonly b: Float64Array;
  /** The cost, n×m row-major. */
  readonly cost: Float64Array;
  /** The regularization ε > 0. */
  readonly epsilon: number;
}

/**
 * What the reference returns.
 * @category Problems and references
 */
export interface OtReference {
  /** ℓ = L4(f, g) at the potentials, the minimum of the dual as the `.sgd` files write it. */
  readonly value: number;
  /** The entropic transport cost W_ε = ⟨C, P⟩ + ε⟨P, log P⟩ = ε − ℓ at the solution. */
  readonly transportCost: number;
  /** The potential paired with a (the paper's z_a), balanced gauge. */
  readonly f: Float64Array;
  /** The potential paired with b (z_b), balanced gauge. */
  readonly g: Float64Array;
  /** ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ at the returned potentials. */
  readonly violation: number;
  /** Sinkhorn iterations taken. */
  readonly iterations: number;
  /** Whether the violation reached the requested tolerance. */
  readonly certified: boolean;
}

/** Row-major ε·logsumexp along rows (axis 1) or columns (axis 0) of −(spread + C)/ε, max-shifted. */
function softMin(cost: Float64Array, n: number, m: number, other: Float64Array, epsilon: number, axis: 0 | 1, out: Float64Array): void {
  const outer = axis === 1 ? n : m;
  const inner = axis === 1 ? m : n;
  for (let p = 0; p < outer; p++) {
    let top = -Infinity;
    for (let q = 0; q < inner; q++) {
      const c = axis === 1 ? cost[p * m + q] : cost[q * m + p];
      top = Math.max(top, -(other[q] + c) / epsilon);
    }
    let total = 0;
    for (let q = 0; q < inner; q++) {
      const c = axis === 1 ? cost[p * m + q] : cost[q * m + p];
      total += Math.exp(-(other[q] + c) / epsilon - top);
    }
    out[p] = epsilon * (top + Math.log(total));
  }
}

/**
 * The plan P_ij = exp(−(f_i + g_j + C_ij)/ε), row-major.
 * @category Problems and references
 */
export function transportPlan(problem: OtProblem, f: Float64Array, g: Float64Array): Float64Array {
  const n = problem.a.length;
  const m = problem.b.length;
  const plan = new Float64Array(n * m);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) plan[i * m + j] = Math.exp(-(f[i] + g[j] + problem.cost[i * m + j]) / problem.epsilon);
  return plan;
}

/**
 * ‖P1 − a‖₁ + ‖Pᵀ1 − b‖₁ for the plan of (f, g).
 * @category Problems and references
 */
export function marginalViolation(problem: OtProblem, f: Float64Array, g: Float64Array): number {
  const n = problem.a.length;
  const m = problem.b.length;
  const plan = transportPlan(problem, f, g);
  const columns = new Float64Array(m);
  let total = 0;
  for (let i = 0; i < n; i++) {
    let row = 0;
    for (let j = 0; j < m; j++) {
      row += plan[i * m + j];
      columns[j] += plan[i * m + j];
    }
    total += Math.abs(row - problem.a[i]);
  }
  for (let j = 0; j < m; j++) total += Math.abs(columns[j] - problem.b[j]);
  return total;
}

/**
 * Log-domain Sinkhorn from f = g = 0 until the marginal violation is at most `tolerance` (checked
 * every 10 iterations) or `maxIterations`; the potentials are returned in the balanced gauge.
 * @category Problems and references
 */
export function sinkhornReference(problem: OtProblem, tolerance = 1e-13, maxIterations = 100000): OtReference {
  const { a, b, cost, epsilon } = problem;
  const n = a.length;
  const m = b.length;
  const f = new Float64Array(n);
  const g = new Float64Array(m);
  let iterations = 0;
  let violation = marginalViolation(problem, f, g);
  while (iterations < maxIterations && !(violation <= tolerance)) {
    for (let s = 0; s < 10; s++, iterations++) {
      softMin(cost, n, m, g, epsilon, 1, f);
      for (let i = 0; i < n; i++) f[i] -= epsilon * Math.log(a[i]);
      softMin(cost, n, m, f, epsilon, 0, g);
      for (let j = 0; j < m; j++) g[j] -= epsilon * Math.log(b[j]);
    }
    violation = marginalViolation(problem, f, g);
  }
  let shift = 0;
  for (const v of g) shift += v;
  for (const v of f) shift -= v;
  shift /= n + m;
  for (let i = 0; i < n; i++) f[i] += shift;
  for (let j = 0; j < m; j++) g[j] -= shift;
  let value = 0;
  for (let i = 0; i < n; i++) value += f[i] * a[i];
  for (let j = 0; j < m; j++) value += g[j] * b[j];
  const plan = transportPlan(problem, f, g);
  let transportCost = 0;
  plan.forEach((p, ij) => {
    value += epsilon * p;
    // ⟨C, P⟩ + ε⟨P, log P⟩ with log P_ij = −(f_i + g_j + C_ij)/ε.
    transportCost -= p * (f[Math.floor(ij / m)] + g[ij % m]);
  });
  return { value, transportCost, f, g, violation, iterations, certified: violation <= tolerance };
}

/**
 * ∇_a ℓ: the potential f (balanced gauge; on the simplex only its centered part matters). ∇_a W_ε = −f.
 * @category Problems and references
 */
export function gradientWithRespectToA(reference: OtReference): Float64Array {
  return Float64Array.from(reference.f);
}

/**
 * ∇_X ℓ for the cost C_ij = ‖X_i − Y_j‖² (X : n×k, Y : m×k, row-major): by the envelope
 * theorem ∂ℓ/∂C_ij = −P_ij, so ∇_{X_i} ℓ = −Σ_j P_ij · 2(X_i − Y_j) (and ∇_X W_ε its opposite).
 * @category Problems and references
 */
export function gradientWithRespectToPoints(problem: OtProblem, reference: OtReference, X: Float64Array, Y: Float64Array, k: number): Float64Array {
  const n = problem.a.length;
  const m = problem.b.length;
  const plan = transportPlan(problem, reference.f, reference.g);
  const gradient = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) for (let d = 0; d < k; d++) gradient[i * k + d] -= 2 * plan[i * m + j] * (X[i * k + d] - Y[j * k + d]);
  return gradient;
}
