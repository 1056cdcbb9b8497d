/**
 * Heap bytes a function allocates per call, measured without `--expose-gc`.
 *
 * Why this method: a plain `heapUsed` delta undercounts as soon as a collection runs inside the
 * window (a scavenge frees the very garbage we want to count), and forcing a GC beforehand
 * needs `--expose-gc`. `v8.GCProfiler` (Node ≥ 19.6) records every collection in the window
 * with the used heap size before and after it, synchronously, so
 *
 *   allocated = (heapUsed_end − heapUsed_start) + Σ_gc (used_before − used_after)
 *
 * counts every byte allocated in the window whether or not it was collected. Only the JS heap
 * is seen (typed-array backing stores above V8's on-heap limit are external memory); that is
 * where per-step garbage would come from (boxed doubles, closures, subarrays, small arrays).
 * The JIT also allocates on the heap (optimized code, feedback) when it recompiles, a one-off
 * that would be spread over the window; the minimum over several windows keeps only what is
 * allocated steadily. {@link calibrateAllocation} checks the method against a known allocation.
 */
import { GCProfiler } from 'node:v8';

/** Bytes allocated on the JS heap per call of `run(k)`: the least average over `windows` windows of `calls` calls. */
export function bytesPerCall(run: (k: number) => void, calls: number, windows = 3): number {
  let least = Infinity;
  for (let w = 0; w < windows; w++) least = Math.min(least, bytesInWindow(run, calls));
  return least;
}

function bytesInWindow(run: (k: number) => void, calls: number): number {
  const profiler = new GCProfiler();
  profiler.start();
  const start = process.memoryUsage().heapUsed;
  for (let k = 0; k < calls; k++) run(k);
  const end = process.memoryUsage().heapUsed;
  const { statistics } = profiler.stop();
  const freed = statistics.reduce((sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize, 0);
  return (end - start + freed) / calls;
}

let sink: unknown;

/**
 * Sanity check of {@link bytesPerCall}: a loop that allocates one small object per call must
 * show at least that object's size, and an empty loop must show (almost) nothing. Throws if the
 * method cannot see allocations on this Node version.
 */
export function calibrateAllocation(): void {
  const calls = 200_000;
  const allocating = (k: number): void => {
    sink = { k, next: sink === undefined ? null : k };
  };
  const idle = (k: number): void => {
    if (k < 0) sink = k;
  };
  for (const run of [allocating, idle]) bytesPerCall(run, calls); // warm-up (JIT)
  const seen = bytesPerCall(allocating, calls);
  const quiet = bytesPerCall(idle, calls);
  // A two-field object is at least 16 bytes on a 64-bit heap, even with pointer compression.
  if (!(seen >= 16 && quiet < 1)) throw new Error(`allocation measurement is unreliable here: ${seen.toFixed(1)} B/call for an allocating loop, ${quiet.toFixed(2)} for an empty one`);
}
