/**
 * Reading `trace.csv` (written by `sgd run --out`) and the fits the README and
 * test/superefficiency.test.ts report:
 *
 * - {@link linearRate}: the rate r of linear convergence, error ≈ C e^{−r k}, by least squares
 *   of ln(error) against k over the points whose error lies in a window [lo, hi] (above the
 *   rounding floor, past the transient);
 * - {@link logLogSlope}: the slope of ln(error) against ln(k) over k ∈ [kMin, kMax];
 * - {@link plateau}: the mean of a column over k ∈ [kMin, kMax] (the noise level of SGD with a
 *   constant step, once the iterates have reached their noise ball).
 */
import { readFileSync } from 'node:fs';

/** A trace: the recorded iterations and each column by name. */
export interface Trace {
  readonly k: number[];
  readonly columns: Record<string, number[]>;
}

/** Parses the text of a `trace.csv` (empty cells are NaN). */
export function parseTrace(text: string): Trace {
  const [header, ...lines] = text.trim().split('\n');
  const names = header.split(',');
  const columns: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const line of lines) line.split(',').forEach((cell, j) => columns[names[j]].push(cell === '' ? NaN : Number(cell)));
  return { k: columns.k, columns };
}

/** Reads `DIR/trace.csv`. */
export function readTrace(dir: string): Trace {
  return parseTrace(readFileSync(`${dir}/trace.csv`, 'utf8'));
}

/** Least-squares slope and intercept of y against x. */
export function fitLine(x: readonly number[], y: readonly number[]): { slope: number; intercept: number; points: number } {
  const n = x.length;
  if (n < 2) return { slope: NaN, intercept: NaN, points: n };
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let j = 0; j < n; j++) {
    sxy += (x[j] - mx) * (y[j] - my);
    sxx += (x[j] - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx, points: n };
}

/** The points (k, error) of a column with error in [lo, hi] and k in [kMin, kMax]. */
function window(trace: Trace, column: string, lo: number, hi: number, kMin = 0, kMax = Infinity): { k: number[]; e: number[] } {
  const values = trace.columns[column];
  if (!values) throw new Error(`no column ${column} in the trace (columns: ${Object.keys(trace.columns).join(', ')})`);
  const k: number[] = [];
  const e: number[] = [];
  trace.k.forEach((kk, j) => {
    const v = values[j];
    if (v >= lo && v <= hi && kk >= kMin && kk <= kMax) {
      k.push(kk);
      e.push(v);
    }
  });
  return { k, e };
}

/**
 * The linear rate r (error ≈ C e^{−r k}) fitted on the points with error in [lo, hi]; also the
 * range of k it used. A per-iteration contraction factor is e^{−r}.
 */
export function linearRate(trace: Trace, column: string, lo: number, hi: number): { rate: number; kFirst: number; kLast: number; points: number } {
  const { k, e } = window(trace, column, lo, hi);
  const fit = fitLine(k, e.map(Math.log));
  return { rate: -fit.slope, kFirst: k[0], kLast: k[k.length - 1], points: fit.points };
}

/** The slope of ln(error) against ln(k) over k ∈ [kMin, kMax] (positive errors only). */
export function logLogSlope(trace: Trace, column: string, kMin: number, kMax = Infinity): number {
  const { k, e } = window(trace, column, Number.MIN_VALUE, Infinity, Math.max(kMin, 1), kMax);
  return fitLine(k.map(Math.log), e.map(Math.log)).slope;
}

/** The mean of a column over k ∈ [kMin, kMax] (each recorded point weighs the same). */
export function plateau(trace: Trace, column: string, kMin: number, kMax = Infinity): number {
  const { e } = window(trace, column, -Infinity, Infinity, kMin, kMax);
  return e.reduce((a, b) => a + b, 0) / e.length;
}
