/** The iterations at which metrics are recorded: 0, the last one, and log-spaced points between. */

/**
 * Up to `points` distinct iterations in [0, iterations], log-spaced, always including 0 and
 * `iterations`. The work is bounded by the iterations, not by `points`: once the log-spaced
 * points are no more than 1 apart at the top (where they are sparsest), rounding hits every
 * iteration, so every iteration is returned without visiting all the points; below that,
 * `points` is at most about `iterations · ln(iterations)`.
 * @category Solvers and tracking
 */
export function logSchedule(iterations: number, points: number): number[] {
  const steps = Math.max(1, points - 1);
  const largestGap = iterations * -Math.expm1(-Math.log(iterations) / steps);
  if (iterations >= 1 && largestGap < 0.999) return Array.from({ length: iterations + 1 }, (_, k) => k);
  const ks = new Set<number>([0, iterations]);
  for (let q = 0; q < points; q++) {
    const k = Math.round(Math.exp((Math.log(iterations) * q) / steps));
    if (k <= iterations) ks.add(k);
  }
  return [...ks].sort((a, b) => a - b);
}
