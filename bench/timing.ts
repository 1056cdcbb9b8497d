/** Timing helpers for benchmarks: interleaved repetitions, median time per call. */

/** Median nanoseconds per call of each candidate, measured in interleaved rounds so both see the same machine state. */
export function compare(candidates: Record<string, (k: number) => void>, callsPerRound: number, rounds = 15): Record<string, number> {
  const names = Object.keys(candidates);
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  // Warm-up lets the JIT optimize every candidate before measuring.
  for (const name of names) for (let k = 0; k < callsPerRound; k++) candidates[name](k);
  for (let r = 0; r < rounds; r++) {
    for (const name of names) {
      const run = candidates[name];
      const start = process.hrtime.bigint();
      for (let k = 0; k < callsPerRound; k++) run(k);
      samples[name].push(Number(process.hrtime.bigint() - start) / callsPerRound);
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return Object.fromEntries(names.map((n) => [n, median(samples[n])]));
}
