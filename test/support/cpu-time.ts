/**
 * CPU time of this process spent in `work`, in ms. Time bounds in tests are on CPU time, not wall
 * time: on a shared machine (load 20 on 2 cores) the wall time of the same work grows fivefold.
 */
export function cpuMs<T>(work: () => T): { result: T; ms: number } {
  const started = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(started);
  return { result, ms: (used.user + used.system) / 1000 };
}
