/** A Monte Carlo worker thread: rebuilds the session, runs its share of the runs, posts the results. */
import { parentPort, workerData } from 'node:worker_threads';
import { ImplicitSolveError } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { forEachRun, sessionOfJob, type RunJob } from './job.ts';

const { job, runs } = workerData as { job: RunJob; runs: number[] };
try {
  const session = await sessionOfJob(job);
  // Each result leaves as soon as it is complete: the worker keeps none.
  forEachRun(
    session,
    job,
    runs,
    (result, run) => parentPort?.postMessage({ type: 'result', run, result }),
    (run, k) => parentPort?.postMessage({ type: 'progress', run, k }),
  );
} catch (error) {
  // Errors cross threads as plain objects: the problem's own failures are posted with their kind,
  // so the main thread reports them as it would have in a single thread; anything else is a bug.
  if (error instanceof UserError) parentPort?.postMessage({ type: 'failed', kind: 'user', message: error.message, exitCode: error.exitCode });
  else if (error instanceof ImplicitSolveError) parentPort?.postMessage({ type: 'failed', kind: 'implicit', message: error.message, exitCode: 1 });
  else throw error;
}
