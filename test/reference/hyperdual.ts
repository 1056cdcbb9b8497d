/**
 * Hyper-dual numbers a + b ε₁ + c ε₂ + d ε₁ε₂ with ε₁² = ε₂² = 0 (ε₁ε₂ ≠ 0).
 *
 * Evaluating g at x + h₁ε₁ + h₂ε₂ gives g(x) + g'(x)h₁ ε₁ + g'(x)h₂ ε₂ + g''(x)h₁h₂ ε₁ε₂
 * exactly: no step size, no truncation error, only the rounding of the arithmetic itself.
 * That makes them an independent oracle for first and second derivatives, computed by
 * a method that shares nothing with sgdiff's symbolic engine.
 */

/** A hyper-dual number. Immutable; every operation returns a new one. */
export class HD {
  /**
   * @param re - the real part a
   * @param e1 - the ε₁ part b (first derivative along the first seed)
   * @param e2 - the ε₂ part c (first derivative along the second seed)
   * @param e12 - the ε₁ε₂ part d (second derivative along both seeds)
   */
  constructor(
    readonly re: number,
    readonly e1 = 0,
    readonly e2 = 0,
    readonly e12 = 0,
  ) {}

  /** A number with no infinitesimal part (data, constants). */
  static of(value: number): HD {
    return new HD(value);
  }
}

/** A hyper-dual number or a plain number standing for a constant, so formulas read as written. */
export type Num = HD | number;

/** `x` as a hyper-dual number. */
export function lift(x: Num): HD {
  return typeof x === 'number' ? new HD(x) : x;
}

/**
 * g(x) for a scalar function with value `g0`, slope `g1` and curvature `g2` at x.re:
 * the chain rule, truncated exactly where ε₁² = ε₂² = 0 truncates it.
 */
function chain(x: HD, g0: number, g1: number, g2: number): HD {
  return new HD(g0, g1 * x.e1, g1 * x.e2, g1 * x.e12 + g2 * x.e1 * x.e2);
}

/** a + b. */
export function add(a: Num, b: Num): HD {
  const [x, y] = [lift(a), lift(b)];
  return new HD(x.re + y.re, x.e1 + y.e1, x.e2 + y.e2, x.e12 + y.e12);
}

/** a − b. */
export function sub(a: Num, b: Num): HD {
  const [x, y] = [lift(a), lift(b)];
  return new HD(x.re - y.re, x.e1 - y.e1, x.e2 - y.e2, x.e12 - y.e12);
}

/** −a. */
export function neg(a: Num): HD {
  const x = lift(a);
  return new HD(-x.re, -x.e1, -x.e2, -x.e12);
}

/** a · b. */
export function mul(a: Num, b: Num): HD {
  const [x, y] = [lift(a), lift(b)];
  return new HD(x.re * y.re, x.re * y.e1 + x.e1 * y.re, x.re * y.e2 + x.e2 * y.re, x.re * y.e12 + x.e1 * y.e2 + x.e2 * y.e1 + x.e12 * y.re);
}

/** 1 / a: g = 1/t, g' = −1/t², g'' = 2/t³. */
export function inv(a: Num): HD {
  const x = lift(a);
  const r = 1 / x.re;
  return chain(x, r, -r * r, 2 * r * r * r);
}

/** a / b. */
export function div(a: Num, b: Num): HD {
  return mul(a, inv(b));
}

/**
 * a^p for a real exponent. For integer p the base may be negative or zero (t² at t = 0 is
 * fine); otherwise it must be positive. p = 0 and p = 1 are special-cased so that t^(p−2)
 * at t = 0 never produces 0 · ∞.
 */
export function powReal(a: Num, p: number): HD {
  const x = lift(a);
  if (p === 0) return new HD(1);
  if (p === 1) return x;
  const t = x.re;
  return chain(x, t ** p, p * t ** (p - 1), p * (p - 1) * t ** (p - 2));
}

/** a^b with a hyper-dual exponent, as exp(b log a); the base must be positive. */
export function pow(a: Num, b: Num): HD {
  if (typeof b === 'number') return powReal(a, b);
  return exp(mul(b, log(a)));
}

/** eᵃ. */
export function exp(a: Num): HD {
  const x = lift(a);
  const e = Math.exp(x.re);
  return chain(x, e, e, e);
}

/** Natural logarithm; a > 0. */
export function log(a: Num): HD {
  const x = lift(a);
  const r = 1 / x.re;
  return chain(x, Math.log(x.re), r, -r * r);
}

/** log(1 + a), accurate for small a; a > −1. */
export function log1p(a: Num): HD {
  const x = lift(a);
  const r = 1 / (1 + x.re);
  return chain(x, Math.log1p(x.re), r, -r * r);
}

/** √a; a > 0. */
export function sqrt(a: Num): HD {
  const x = lift(a);
  const s = Math.sqrt(x.re);
  return chain(x, s, 0.5 / s, -0.25 / (s * x.re));
}

/** tanh a: g' = 1 − g², g'' = −2 g g'. */
export function tanh(a: Num): HD {
  const x = lift(a);
  const y = Math.tanh(x.re);
  const g1 = 1 - y * y;
  return chain(x, y, g1, -2 * y * g1);
}

/** The logistic value 1 / (1 + e^−t) without overflow for large |t|. */
function logistic(t: number): number {
  if (t >= 0) return 1 / (1 + Math.exp(-t));
  const e = Math.exp(t);
  return e / (1 + e);
}

/** σ(a) = 1 / (1 + e^−a): σ' = σ(1 − σ), σ'' = σ'(1 − 2σ). */
export function sigmoid(a: Num): HD {
  const x = lift(a);
  const s = logistic(x.re);
  const g1 = s * (1 - s);
  return chain(x, s, g1, g1 * (1 - 2 * s));
}

/** softplus(a) = log(1 + eᵃ) = max(a, 0) + log1p(e^−|a|): softplus' = σ, softplus'' = σ(1 − σ). */
export function softplus(a: Num): HD {
  const x = lift(a);
  const t = x.re;
  const s = logistic(t);
  return chain(x, Math.max(t, 0) + Math.log1p(Math.exp(-Math.abs(t))), s, s * (1 - s));
}
