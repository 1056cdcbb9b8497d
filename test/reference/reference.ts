/**
 * Reference derivatives by hyper-dual evaluation, and the vector helpers reference
 * objectives are written with. An objective is an ordinary TS function over hyper-dual
 * numbers; seeding one entry with ε₁ and another with ε₂ reads one Hessian (or cross)
 * entry off the ε₁ε₂ part. That costs one evaluation per entry, which is fine for the
 * small problems end-to-end tests use, and keeps the oracle obviously correct.
 */
import { add, HD, lift, mul, exp, log, sub, type Num } from './hyperdual.ts';

/** A vector of hyper-dual or plain numbers. */
export type Vec = readonly Num[];
/** A matrix as a list of rows. */
export type Mat = readonly Vec[];

// ---------------------------------------------------------------------------------------------
// Vector helpers, one per operator of the language.

/** Σ_j v_j. */
export function sum(v: Vec): HD {
  return v.reduce<HD>((s, t) => add(s, t), HD.of(0));
}

/** The inner product u . v. */
export function dot(u: Vec, v: Vec): HD {
  if (u.length !== v.length) throw new Error(`dot of lengths ${u.length} and ${v.length}`);
  return sum(u.map((t, j) => mul(t, v[j])));
}

/** The squared Euclidean norm Σ_j v_j² (the language's `norm2`). */
export function norm2(v: Vec): HD {
  return dot(v, v);
}

/**
 * log Σ_j exp(v_j), shifted by the largest real part. The shift is a constant, so it changes
 * no derivative, only keeps exp from overflowing.
 */
export function logsumexp(v: Vec): HD {
  const m = Math.max(...v.map((t) => lift(t).re));
  return add(m, log(sum(v.map((t) => exp(sub(t, m))))));
}

/** A @ v: one inner product per row. */
export function matvec(A: Mat, v: Vec): HD[] {
  return A.map((row) => dot(row, v));
}

/** w @ A = Aᵀ w: entry j is Σ_r w_r A[r][j]. */
export function vecmat(w: Vec, A: Mat): HD[] {
  if (w.length !== A.length) throw new Error(`vector of length ${w.length} @ matrix with ${A.length} rows`);
  const cols = A[0].length;
  return Array.from({ length: cols }, (_, j) => sum(A.map((row, r) => mul(w[r], row[j]))));
}

/** An elementwise function applied to every entry. */
export function map(v: Vec, fn: (t: Num) => HD): HD[] {
  return v.map(fn);
}

/**
 * An elementwise binary operator with the language's broadcasting: two vectors of one length,
 * or a scalar on either side.
 */
export function zip(a: Num | Vec, b: Num | Vec, op: (s: Num, t: Num) => HD): HD[] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) throw new Error(`elementwise operands of lengths ${a.length} and ${b.length}`);
    return a.map((s, j) => op(s, b[j]));
  }
  if (Array.isArray(a)) return a.map((s) => op(s, b as Num));
  if (Array.isArray(b)) return b.map((t) => op(a as Num, t));
  throw new Error('zip needs at least one vector operand');
}

/** A row-major flat vector as `rows` rows (a matrix var or param seen as a matrix). */
export function reshape<T>(flat: readonly T[], rows: number): T[][] {
  const cols = flat.length / rows;
  if (!Number.isInteger(cols)) throw new Error(`cannot split ${flat.length} entries into ${rows} rows`);
  return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
}

/** F = (1/n) Σ_i f(i): the objective of a problem with `sample i ~ uniform(n)`. */
export function mean(n: number, f: (i: number) => Num): HD {
  let s = HD.of(0);
  for (let i = 0; i < n; i++) s = add(s, f(i));
  return mul(s, 1 / n);
}

// ---------------------------------------------------------------------------------------------
// Derivatives of a flat objective F(x, θ).

/** F, ∇ₓF, ∇²ₓₓF and ∇²ₓθF at one point, flat. */
export interface Derivatives {
  /** F(x, θ). */
  readonly objective: number;
  /** ∇ₓF, length D. */
  readonly gradient: number[];
  /** ∇²ₓₓF, D × D (every entry evaluated on its own, so symmetry is not built in). */
  readonly hessian: number[][];
  /** ∇²ₓθF, D × P: rows are entries of x, columns entries of θ. */
  readonly cross: number[][];
}

/** `values` as hyper-dual numbers, with entry `e1At` seeded by ε₁ and entry `e2At` by ε₂ (−1: none). */
function seeded(values: readonly number[], e1At: number, e2At: number): HD[] {
  return values.map((v, k) => new HD(v, k === e1At ? 1 : 0, k === e2At ? 1 : 0, 0));
}

/** Derivatives of `F` at (x0, θ0): D² evaluations for ∇ₓF and ∇²ₓₓF, D·P for ∇²ₓθF. */
export function derivatives(F: (x: HD[], theta: HD[]) => HD, x0: readonly number[], theta0: readonly number[]): Derivatives {
  const D = x0.length;
  const P = theta0.length;
  const objective = F(seeded(x0, -1, -1), seeded(theta0, -1, -1)).re;
  const gradient = new Array<number>(D);
  const hessian = Array.from({ length: D }, () => new Array<number>(D));
  for (let j = 0; j < D; j++) {
    for (let k = 0; k < D; k++) {
      const y = F(seeded(x0, j, k), seeded(theta0, -1, -1));
      hessian[j][k] = y.e12;
      if (k === j) gradient[j] = y.e1;
    }
  }
  const cross = Array.from({ length: D }, (_, j) => Array.from({ length: P }, (_, p) => F(seeded(x0, j, -1), seeded(theta0, -1, p)).e12));
  return { objective, gradient, hessian, cross };
}

// ---------------------------------------------------------------------------------------------
// The same, by name, shaped like the JSON of `sgd derive --eval --json`.

/** A named tensor, flat row-major (vars and params as the objective sees them). */
export interface Named {
  /** Its name in the `.sgd` file. */
  readonly name: string;
  /** Its entries, row-major. */
  readonly values: readonly number[];
}

/** What `sgd derive --eval --json` reports besides the instance. */
export interface NamedDerivatives {
  /** F(x₀, θ). */
  readonly objective: number;
  /** ∇ₓF per var. */
  readonly gradient: Record<string, number[]>;
  /** The diagonal blocks of ∇²ₓₓF, per var. */
  readonly hessian: Record<string, number[][]>;
  /** ∇²ₓθF per var and param. */
  readonly cross: Record<string, Record<string, number[][]>>;
  /** The whole ∇²ₓₓF, off-diagonal blocks included (vars in the order given). */
  readonly fullHessian: number[][];
}

/** Splits a flat vector by the tensors it concatenates. */
function split<T>(flat: readonly T[], parts: readonly Named[]): Record<string, T[]> {
  const out: Record<string, T[]> = {};
  let offset = 0;
  for (const { name, values } of parts) {
    out[name] = flat.slice(offset, offset + values.length);
    offset += values.length;
  }
  return out;
}

/** Offsets of each part in the concatenation. */
function offsets(parts: readonly Named[]): number[] {
  const out: number[] = [];
  let offset = 0;
  for (const { values } of parts) {
    out.push(offset);
    offset += values.length;
  }
  return out;
}

/** Rows `r0 ..` and columns `c0 ..` of a matrix. */
function submatrix(M: readonly number[][], r0: number, rows: number, c0: number, cols: number): number[][] {
  return M.slice(r0, r0 + rows).map((row) => row.slice(c0, c0 + cols));
}

/**
 * Derivatives of an objective written over named vars and params. The vars and params are
 * concatenated in the order given; the objective receives them split back by name.
 */
export function namedDerivatives(
  F: (x: Record<string, HD[]>, theta: Record<string, HD[]>) => HD,
  vars: readonly Named[],
  params: readonly Named[],
): NamedDerivatives {
  const flat = derivatives(
    (x, theta) => F(split(x, vars), split(theta, params)),
    vars.flatMap((v) => v.values),
    params.flatMap((p) => p.values),
  );
  const varAt = offsets(vars);
  const paramAt = offsets(params);
  const hessian: Record<string, number[][]> = {};
  const cross: Record<string, Record<string, number[][]>> = {};
  vars.forEach((v, a) => {
    const n = v.values.length;
    hessian[v.name] = submatrix(flat.hessian, varAt[a], n, varAt[a], n);
    cross[v.name] = {};
    params.forEach((p, b) => {
      cross[v.name][p.name] = submatrix(flat.cross, varAt[a], n, paramAt[b], p.values.length);
    });
  });
  return { objective: flat.objective, gradient: split(flat.gradient, vars), hessian, cross, fullHessian: flat.hessian };
}
