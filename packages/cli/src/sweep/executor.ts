/**
 * Runs the cells of a sweep on W threads with the run executor's jobs ({@link executeRuns}):
 * cell c goes to thread c mod W, each cell's runs use the streams of their run index, and
 * results are handed back per cell, so every cell's bits are the same for any W.
 */
import { Worker } from 'node:worker_threads';
import { executeRuns, type JobRunResult, type RunJob } from '../run/job.ts';
import type { RunSession } from '../run/session.ts';

/** A cell to run: its index, its job and session (the main thread's), and its run indices. */
export interface CellTask {
  /** The cell's index in the grid. */
  readonly cell: number;
  /** Its job (checked source with the cell's values, seed, reference). */
  readonly job: RunJob;
  /** Its session, for the single-thread path. */
  readonly session: RunSession;
  /** Run indices. */
  readonly runs: readonly number[];
}

/** Runs `tasks` on min(W, tasks) threads (this one when W ≤ 1); `onCell` receives each cell as it finishes. */
export async function runCells(tasks: readonly CellTask[], workers: number, onCell: (cell: number, results: JobRunResult[]) => void): Promise<void> {
  if (workers <= 1 || tasks.length <= 1) {
    for (const task of tasks) onCell(task.cell, executeRuns(task.session, task.job, task.runs));
    return;
  }
  const count = Math.min(workers, tasks.length);
  const shares = Array.from({ length: count }, (_, w) => tasks.filter((_, i) => i % count === w).map(({ cell, job, runs }) => ({ cell, job, runs })));
  const threads = shares.map((share) => new Worker(new URL('./sweep-worker-entry.mjs', import.meta.url), { workerData: { tasks: share } }));
  try {
    await Promise.all(
      threads.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (m: { type: 'cell'; cell: number; results: JobRunResult[] }) => onCell(m.cell, m.results));
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a sweep worker exited with code ${code}`))));
          }),
      ),
    );
  } catch (error) {
    await Promise.all(threads.map((worker) => worker.terminate()));
    throw error;
  }
}
