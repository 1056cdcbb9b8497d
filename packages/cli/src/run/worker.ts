/** A Monte Carlo worker thread: rebuilds the session, runs its share of the runs, posts the results. */
import { parentPort, workerData } from 'node:worker_threads';
import { executeRuns, sessionOfJob, type RunJob } from './job.ts';

const { job, runs } = workerData as { job: RunJob; runs: number[] };
const session = await sessionOfJob(job);
const results = executeRuns(session, job, runs, (run, k) => parentPort?.postMessage({ type: 'progress', run, k }));
parentPort?.postMessage({ type: 'done', results });
