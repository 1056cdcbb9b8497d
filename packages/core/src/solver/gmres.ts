/**
 * Restarted GMRES (Saad & Schultz 1986) for a square system A v = b given as a product
 * `apply(v, into)`, with modified Gram–Schmidt (orthogonalized twice, since the Jacobians of
 * step maps are often close to the identity) and Givens rotations. Besides the solution it
 * reports the residual it reached and an estimate of the condition number of A on the Krylov
 * spaces it explored: the ratio of the extreme singular values of the Hessenberg matrices H̄_j
 * (A V_j = V_{j+1} H̄_j, so those are singular values of A restricted to span V_j).
 *
 * A singular A with b in its range (a consistent system, as a gauge freedom makes one): from
 * v₀ = 0 every Krylov space K_j(A, b) lies in range(A), so GMRES converges to the solution that
 * lies in range(A) when range(A) ∩ null(A) = {0} (the minimum-norm solution when A is normal,
 * e.g. symmetric); its condition estimate then ignores the null space, which GMRES never sees.
 */
import { symmetricEigenvalues } from '../linalg/dense.ts';
import { dotProduct, norm } from '../linalg/vector.ts';

/**
 * Settings of {@link gmres}.
 * @category Solvers and tracking
 */
export interface GmresOptions {
  /** Stop when ‖b − A v‖ ≤ tolerance · ‖b‖ (default 1e-12). */
  readonly tolerance?: number;
  /** Krylov dimension before a restart (default min(n, 60)). */
  readonly restart?: number;
  /** Most products A v in all (default 20 n, at least 200). */
  readonly maxProducts?: number;
}

/**
 * What {@link gmres} reached.
 * @category Solvers and tracking
 */
export interface GmresResult {
  /** The approximate solution v. */
  readonly solution: Float64Array;
  /** ‖b − A v‖ / ‖b‖, recomputed from v at the end (0 when b = 0). */
  readonly residual: number;
  /** Whether the residual met the tolerance. */
  readonly converged: boolean;
  /** Products A v computed. */
  readonly products: number;
  /** Largest singular value of A met on the Krylov spaces. */
  readonly sigmaMax: number;
  /** Smallest singular value of A met on the Krylov spaces. */
  readonly sigmaMin: number;
  /** sigmaMax / sigmaMin, the condition number of A on the explored spaces. */
  readonly condition: number;
}

/**
 * Solves A v = b by restarted GMRES from v = 0.
 * @category Solvers and tracking
 */
export function gmres(apply: (v: Float64Array, into: Float64Array) => void, b: Float64Array, options: GmresOptions = {}): GmresResult {
  const n = b.length;
  const tolerance = options.tolerance ?? 1e-12;
  const m = Math.max(1, Math.min(n, options.restart ?? 60));
  const maxProducts = options.maxProducts ?? Math.max(200, 20 * n);
  const v = new Float64Array(n);
  const r = new Float64Array(n);
  const Av = new Float64Array(n);
  const bNorm = norm(b);
  let products = 0;
  let sigmaMax = 0;
  let sigmaMin = Infinity;
  const residualOf = (): number => {
    apply(v, Av);
    products++;
    for (let i = 0; i < n; i++) r[i] = b[i] - Av[i];
    return norm(r);
  };
  if (bNorm === 0) return { solution: v, residual: 0, converged: true, products, sigmaMax: NaN, sigmaMin: NaN, condition: NaN };
  const basis = Array.from({ length: m + 1 }, () => new Float64Array(n));
  // H̄ column by column: H[j] has j + 2 entries, rotated in place into R.
  const H = Array.from({ length: m }, (_, j) => new Float64Array(j + 2));
  const raw = Array.from({ length: m }, (_, j) => new Float64Array(j + 2));
  const cs = new Float64Array(m);
  const sn = new Float64Array(m);
  const g = new Float64Array(m + 1);
  let rNorm = residualOf();
  while (rNorm > tolerance * bNorm && products < maxProducts) {
    for (let i = 0; i < n; i++) basis[0][i] = r[i] / rNorm;
    g.fill(0);
    g[0] = rNorm;
    let j = 0;
    for (; j < m && products < maxProducts; j++) {
      const w = basis[j + 1];
      apply(basis[j], w);
      products++;
      const h = H[j];
      h.fill(0);
      for (let pass = 0; pass < 2; pass++) {
        for (let i = 0; i <= j; i++) {
          const c = dotProduct(w, basis[i]);
          h[i] += c;
          const q = basis[i];
          for (let k = 0; k < n; k++) w[k] -= c * q[k];
        }
      }
      h[j + 1] = norm(w);
      raw[j].set(h);
      const breakdown = h[j + 1] <= 1e-14 * Math.max(1, norm(h.subarray(0, j + 1)));
      if (!breakdown) for (let k = 0; k < n; k++) w[k] /= h[j + 1];
      for (let i = 0; i < j; i++) {
        const t = cs[i] * h[i] + sn[i] * h[i + 1];
        h[i + 1] = -sn[i] * h[i] + cs[i] * h[i + 1];
        h[i] = t;
      }
      const d = Math.hypot(h[j], h[j + 1]);
      cs[j] = d === 0 ? 1 : h[j] / d;
      sn[j] = d === 0 ? 0 : h[j + 1] / d;
      h[j] = d;
      h[j + 1] = 0;
      g[j + 1] = -sn[j] * g[j];
      g[j] = cs[j] * g[j];
      if (breakdown || Math.abs(g[j + 1]) <= tolerance * bNorm) {
        j++;
        break;
      }
    }
    // y = R⁻¹ g on the j columns built, then v += V_j y.
    const y = new Float64Array(j);
    for (let i = j - 1; i >= 0; i--) {
      let s = g[i];
      for (let k = i + 1; k < j; k++) s -= H[k][i] * y[k];
      y[i] = H[i][i] === 0 ? 0 : s / H[i][i];
    }
    for (let i = 0; i < j; i++) for (let k = 0; k < n; k++) v[k] += y[i] * basis[i][k];
    const [lo, hi] = hessenbergSingularRange(raw, j);
    sigmaMax = Math.max(sigmaMax, hi);
    sigmaMin = Math.min(sigmaMin, lo);
    const before = rNorm;
    rNorm = residualOf();
    // No progress over a whole cycle: more restarts would repeat it.
    if (!(rNorm < before * (1 - 1e-3))) break;
  }
  const residual = rNorm / bNorm;
  // A zero singular value met (a Krylov space in the null space): the condition is infinite, not 0/0.
  return { solution: v, residual, converged: residual <= tolerance, products, sigmaMax, sigmaMin, condition: sigmaMin === 0 ? Infinity : sigmaMax / sigmaMin };
}

/** Extreme singular values of the (j+1)×j Hessenberg matrix whose columns are `columns[0..j)`. */
function hessenbergSingularRange(columns: readonly Float64Array[], j: number): [number, number] {
  if (j === 0) return [Infinity, 0];
  // H̄ᵀH̄ is j×j and symmetric; its eigenvalues are the squared singular values.
  const gram = new Float64Array(j * j);
  for (let a = 0; a < j; a++) {
    for (let c = a; c < j; c++) {
      let s = 0;
      for (let i = 0; i <= Math.min(a, c) + 1; i++) s += columns[a][i] * columns[c][i];
      gram[a * j + c] = s;
      gram[c * j + a] = s;
    }
  }
  const eigenvalues = symmetricEigenvalues(gram, j);
  return [Math.sqrt(Math.max(0, eigenvalues[0])), Math.sqrt(Math.max(0, eigenvalues[j - 1]))];
}
