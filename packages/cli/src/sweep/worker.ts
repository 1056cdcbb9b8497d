/** A sweep worker thread: runs its cells one after another (each rebuilt from its job) and posts each cell's results. */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRuns, sessionOfJob, type RunJob } from '../run/job.ts';

const { tasks } = workerData as { tasks: Array<{ cell: number; job: RunJob; runs: number[] }> };
for (const { cell, job, runs } of tasks) {
  const session = await sessionOfJob(job);
  parentPort?.postMessage({ type: 'cell', cell, results: executeRuns(session, job, runs) });
}
