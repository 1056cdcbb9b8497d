/**
 * Monte Carlo over R runs, spread over W worker threads. Run r always uses the streams of run r,
 * whichever thread executes it, and results are gathered by run index, so the output is
 * bit-identical for any W.
 */
import { Worker } from 'node:worker_threads';
import { ImplicitSolveError } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { forEachRun, type JobRunResult, type MidRunCheckpoints, type RunJob } from './job.ts';
import type { RunSession } from './session.ts';

/**
 * Progress callback: run index and iterations done in it.
 * @category CLI
 */
export type ProgressListener = (run: number, k: number) => void;

/** What a worker posts: progress, one run's result, or a failure of the problem (not a bug) with its kind. */
type WorkerMessage =
  | { readonly type: 'progress'; readonly run: number; readonly k: number }
  | { readonly type: 'result'; readonly run: number; readonly result: JobRunResult }
  | { readonly type: 'failed'; readonly kind: 'user' | 'implicit'; readonly message: string; readonly exitCode: number };

/**
 * Executes runs `from`..R−1, in this thread when W ≤ 1 or R = 1, else in min(W, R) workers, and hands
 * each result to `onResult` in run order. Worker results that arrive early wait only until the
 * runs before them do (the workers take runs r ≡ w mod W, so they stay close); nothing else is kept.
 * @category CLI
 */
export async function monteCarlo(
  session: RunSession,
  job: RunJob,
  runs: number,
  workers: number,
  onResult: (result: JobRunResult, run: number) => void,
  onProgress?: ProgressListener,
  from = 0,
  midRun?: MidRunCheckpoints,
): Promise<void> {
  // Runs before `from` are already done (a resumed checkpoint); a run resumed mid-way runs here first.
  if (midRun?.resume?.run === from && runs > from) forEachRun(session, job, [from++], onResult, onProgress, midRun);
  const all = Array.from({ length: runs - from }, (_, r) => from + r);
  if (all.length === 0) return;
  // Runs in this thread checkpoint mid-way; runs in workers only at their end.
  if (workers <= 1 || all.length === 1) return forEachRun(session, job, all, onResult, onProgress, midRun);
  const count = Math.min(workers, all.length);
  const shares = Array.from({ length: count }, (_, w) => all.filter((_r, j) => j % count === w));
  const waiting = new Map<number, JobRunResult>();
  let next = from;
  const arrived = (run: number, result: JobRunResult): void => {
    waiting.set(run, result);
    for (let ready = waiting.get(next); ready !== undefined; ready = waiting.get(next)) {
      waiting.delete(next);
      onResult(ready, next++);
    }
  };
  const threads = shares.map((share) => new Worker(new URL('./worker-entry.mjs', import.meta.url), { workerData: { job, runs: share } }));
  try {
    await Promise.all(
      threads.map(
        (worker) =>
          new Promise<void>((resolve, reject) => {
            worker.on('message', (message: WorkerMessage) => {
              if (message.type === 'progress') onProgress?.(message.run, message.k);
              else if (message.type === 'result') arrived(message.run, message.result);
              else reject(message.kind === 'user' ? new UserError(message.message, message.exitCode) : new ImplicitSolveError(message.message));
            });
            worker.on('error', reject);
            worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`a worker exited with code ${code}`))));
          }),
      ),
    );
  } catch (error) {
    // The first failure decides: the other workers' runs are no longer wanted.
    await Promise.all(threads.map((worker) => worker.terminate()));
    throw error;
  }
}
