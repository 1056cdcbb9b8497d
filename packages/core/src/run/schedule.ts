/** The iterations at which metrics are recorded: 0, the last one, and log-spaced points between. */

/** Up to `points` distinct iterations in [0, iterations], log-spaced, always including 0 and `iterations`. */
export function logSchedule(iterations: number, points: number): number[] {
  const ks = new Set<number>([0, iterations]);
  for (let q = 0; q < points; q++) {
    const k = Math.round(Math.exp((Math.log(iterations) * q) / Math.max(1, points - 1)));
    if (k <= iterations) ks.add(k);
  }
  return [...ks].sort((a, b) => a - b);
}
