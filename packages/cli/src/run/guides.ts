/**
 * Guide lines for `sgd run --guides`: the rates the source papers give, drawn dashed next to the
 * curve they bound, each labelled with its slope. On the first of suboptimality and distance in
 * the plot:
 *
 * - full-batch solvers that declare a linear rate ρ(κ) (their conformance rate, e.g. gd's
 *   (κ − 1)/(κ + 1) at η = 2/(L + μ)): ‖x_k − x*‖ ∝ ρᵏ, F(x_k) − F* ∝ ρ²ᵏ, from the first point;
 * - stochastic solvers: O(1/k) for F − F* and E‖x_k − x*‖² (Bach and Moulines 2011 for
 *   η_k ∝ 1/k), so O(1/√k) for the distance, through the last point; and the noise floor of a
 *   step η_k (F − F* ∝ η_k σ², ‖x − x*‖ ∝ √η_k), through the last point with the log–log slope
 *   of η_k over the last decade (0 for a constant step), when the solver has a `step` and that
 *   slope differs from O(1/k)'s.
 *
 * A guide is kept inside the data's y range, so it never stretches the axes.
 */
import type { Aggregate } from './aggregate.ts';

/**
 * A dashed guide line: its legend label and its points.
 * @category CLI
 */
export interface Guide {
  /** The label, with the slope. */
  readonly label: string;
  /** Points (k, value), inside the plotted data's range. */
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/**
 * What the guides are derived from, besides the traces.
 * @category CLI
 */
export interface GuideContext {
  /** Whether the solver steps on minibatches of a sample (else on the full objective). */
  readonly stochastic: boolean;
  /** The solver's declared linear rate ρ per iteration of ‖x_k − x*‖ from the reference's κ, with its formula. */
  readonly rate?: { readonly factor: number; readonly text: string };
  /** The solver's step η_k at the reference's μ, L, κ, when it has one. */
  readonly step?: (k: number) => number;
}

/** How the guided metric scales with F − F*: 1 for suboptimality, ½ for the distance. */
const ORDER: Readonly<Record<string, number>> = { suboptimality: 1, distance: 0.5 };

/**
 * The guides for the plotted `metrics` of `aggregate` (empty when none applies).
 * @category CLI
 */
export function rateGuides(aggregate: Aggregate, metrics: readonly string[], context: GuideContext): Guide[] {
  const metric = metrics.find((m) => m in ORDER);
  if (!metric) return [];
  const order = ORDER[metric];
  const curve = aggregate.k.map((k, j) => ({ k, y: aggregate.metrics[metric].mean[j] })).filter((p) => p.k > 0 && p.y > 0 && Number.isFinite(p.y));
  if (curve.length < 2) return [];
  const values = metrics.flatMap((m) => aggregate.metrics[m]?.mean ?? []).filter((v) => v > 0 && Number.isFinite(v));
  const [low, high] = [Math.min(...values), Math.max(...values)];
  const ks = dense(curve[0].k, curve[curve.length - 1].k);
  const inside = (points: { x: number; y: number }[]): { x: number; y: number }[] => points.filter((p) => p.y >= low && p.y <= high);
  const first = curve[0];
  const last = curve[curve.length - 1];
  const power = (slope: number): { x: number; y: number }[] => inside(ks.map((k) => ({ x: k, y: last.y * (k / last.k) ** slope })));
  const guides: Guide[] = [];
  if (!context.stochastic && context.rate && context.rate.factor > 0 && context.rate.factor < 1) {
    const { factor, text } = context.rate;
    const perStep = factor ** (2 * order);
    guides.push({
      label: `linear ${order === 1 ? 'ρ^2k' : 'ρ^k'}, ρ = ${readable(text)} = ${factor.toPrecision(3)}: ${formatSlope(Math.log10(perStep))} decades/step`,
      points: inside(ks.map((k) => ({ x: k, y: first.y * perStep ** (k - first.k) }))),
    });
  }
  if (context.stochastic) {
    const slope = -order;
    guides.push({ label: `O(${order === 1 ? '1/k' : '1/√k'}): slope ${formatSlope(slope)}`, points: power(slope) });
    const step = context.step;
    const stepSlope = step ? lastDecadeSlope(ks, ks.map((k) => step(k))) : undefined;
    if (stepSlope !== undefined && Math.abs(order * stepSlope - slope) > 0.05) {
      const floor = order * stepSlope;
      guides.push({ label: `noise floor ∝ ${order === 1 ? 'η_k' : '√η_k'}: slope ${formatSlope(floor)}`, points: power(floor) });
    }
  }
  return guides.filter((g) => g.points.length >= 2);
}

/** A rate's formula as it reads in a legend: Greek letters, no spaces around operators. */
function readable(text: string): string {
  return text.replace(/kappa/g, 'κ').replace(/mu/g, 'μ').replace(/sqrt/g, '√').replace(/ ([-+*/]) /g, (_, op: string) => (op === '-' ? '−' : op));
}

/** A slope for a label: 2 decimals, a true minus sign, −0 as 0. */
function formatSlope(slope: number): string {
  const rounded = Math.round(slope * 100) / 100;
  return rounded === 0 ? '0' : rounded < 0 ? `−${-rounded}` : `${rounded}`;
}

/** 60 abscissae from `from` to `to`, evenly spaced on a log axis (a linear rate is curved there). */
function dense(from: number, to: number): number[] {
  const n = 60;
  return Array.from({ length: n }, (_, j) => from * (to / from) ** (j / (n - 1)));
}

/**
 * The least-squares slope of log y against log k over k ≥ k_max/10 (undefined with fewer than two points).
 * @category CLI
 */
export function lastDecadeSlope(k: readonly number[], y: readonly number[]): number | undefined {
  const kMax = k[k.length - 1];
  const points = k.map((kk, j) => [Math.log(kk), Math.log(y[j])]).filter(([lk, ly], j) => k[j] > 0 && k[j] >= kMax / 10 && Number.isFinite(lk) && Number.isFinite(ly));
  if (points.length < 2) return undefined;
  const mx = points.reduce((s, p) => s + p[0], 0) / points.length;
  const my = points.reduce((s, p) => s + p[1], 0) / points.length;
  const sxx = points.reduce((s, p) => s + (p[0] - mx) ** 2, 0);
  return sxx === 0 ? undefined : points.reduce((s, p) => s + (p[0] - mx) * (p[1] - my), 0) / sxx;
}
