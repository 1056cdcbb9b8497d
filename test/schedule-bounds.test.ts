/** `report every log N`: the record schedule costs time bounded by the iterations, whatever N is. */
import { describe, expect, it } from 'vitest';
import { logSchedule } from '@sgdiff/core';

/** The definition, point by point (what the schedule computed before it was bounded). */
function byDefinition(iterations: number, points: number): number[] {
  const ks = new Set<number>([0, iterations]);
  for (let q = 0; q < points; q++) {
    const k = Math.round(Math.exp((Math.log(iterations) * q) / Math.max(1, points - 1)));
    if (k <= iterations) ks.add(k);
  }
  return [...ks].sort((a, b) => a - b);
}

describe('logSchedule', () => {
  it('equals the point-by-point definition wherever that is affordable', () => {
    for (const iterations of [1, 2, 3, 10, 37, 100, 1000, 12345]) {
      for (const points of [1, 2, 5, 11, 12, 50, 200, 1000, 5000, 100_000]) {
        expect(logSchedule(iterations, points), `${iterations} iterations, ${points} points`).toEqual(byDefinition(iterations, points));
      }
    }
  });

  it('returns every iteration at once for log 1e15 with 10 iterations (the probe ran past 200 s)', () => {
    const started = performance.now();
    expect(logSchedule(10, 1e15)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(logSchedule(1e6, 1e15)).toHaveLength(1e6 + 1);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
