/**
 * Monte Carlo over R runs, spread over W worker threads. Run r always uses the streams of run r,
 * whichever thread executes it, and results are gathered by run index, so the output is
 * bit-identical for any W.
 */
import { Worker } from 'node:worker_threads';
import { ImplicitSolveError } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { executeRuns, type JobRunResult, type RunJob } from './job.ts';
import type { RunSession } from './session.ts';

/**
 * Progress callback: run index and iterations done in it.
 * @category CLI
 */
export type ProgressListener = (run: number, k: number) => void;

/** What a worker posts: progress, its results, or a failure of the problem (not a bug) with its kind. */
type WorkerMessage =
  | { readonly type: 'progress'; readonly run: number; readonly k: number }
  | { readonly type: 'done'; readonly results: JobRunResult[] }
  | { readonly type: 'failed'; readonly kind: 'user' | 'implicit'; readonly message: string; readonly exitCode: number };

/**
 * Executes runs 0..R−1, in this thread when W ≤ 1 or R = 1, else in min(W, R) workers.
 * @category CLI
 */
export async function monteCarlo(session: RunSession, job: RunJob, runs: number, workers: number, onProgress?: ProgressListener): Promise<JobRunResult[]> {
  const all = Array.from({ length: runs }, (_, r) => r);
  if (workers <= 1 || runs === 1) return executeRuns(session, job, all, onProgress);
  const count = Math.min(workers, runs);
  const shares = Array.from({ length: count }, (_, w) => all.filter((r) => r % count === w));
  const results = new Array<JobRunResult>(runs);
  const threads = shares.map((share) => ({ share, worker: new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { job, runs: share } }) }));
  try {
    await Promise.all(
      threads.map(
        ({ share, worker }) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'progress') onProgress?.(message.run, message.k);
              else if (message.type === 'done') message.results.forEach((result, j) => (results[share[j]] = result));
              else reject(message.kind === 'user' ? new UserError(message.message, message.exitCode) : new ImplicitSolveError(message.message));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a worker exited with code ${code}`))));
          }),
      ),
    );
  } catch (error) {
    // The first failure decides: the other workers' runs are no longer wanted.
    await Promise.all(threads.map(({ worker }) => worker.terminate()));
    throw error;
  }
  return results;
}
