/**
 * The queue executor: the same seam as the local threads ({@link runCells}), one BullMQ job per
 * (cell, run). Results come back per cell in run order, and the caller merges them with the
 * same code as a local run, so the files are the same bytes. Finished jobs stay in Redis until
 * the whole submission is merged: an interrupted submitter re-attaches with `--resume`.
 */
import type { Job, Queue, QueueEvents } from 'bullmq';
import { ImplicitSolveError } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { registryWith } from '../plugins.ts';
import type { Output } from '../program.ts';
import type { JobRunResult } from '../run/job.ts';
import type { CellTask } from '../sweep/executor.ts';
import { decode } from './codec.ts';
import { openRedis } from './connection.ts';
import { uploadSpec } from './payload.ts';
import { QueueProgress } from './progress.ts';
import { jobId, portableFileName, QUEUE_NAME, QUEUE_PREFIX, SGD_VERSION, type ProblemFailure, type QueueJobData } from './protocol.ts';
import type { QueueAddress } from './url.ts';

/** How the submitter uses the queue. */
export interface QueueOptions {
  /** The Redis server. */
  readonly address: QueueAddress;
  /** Re-attach to jobs an interrupted submission left (else such jobs are an error). */
  readonly resume: boolean;
  /** The largest blob (spec or data file) uploaded, in bytes. */
  readonly maxPayload: number;
  /** Plugin modules (loaded here to find the data files; the workers load them by the same specifier). */
  readonly plugins: readonly string[];
  /** Where the progress and the closing line go. */
  readonly io: Output;
  /** `run` or `sweep`, for messages. */
  readonly command: string;
}

/** Attempts of a job that fails for a reason other than its problem (a worker's fault). */
const ATTEMPTS = 3;

/** How often the submitter checks its jobs' states besides the queue's events, in ms. */
const RECONCILE_MS = 1000;

/** One job of the submission. */
interface Slot {
  readonly id: string;
  readonly cell: number;
  readonly run: number;
  state: 'waiting' | 'active' | 'done';
}

/** The error a job's final failure maps to: the problem's own, as a local run reports it, or a worker's fault. */
function failureError(slot: Slot, reason: string): Error {
  let failure: ProblemFailure | undefined;
  try {
    failure = JSON.parse(reason) as ProblemFailure;
  } catch {
    failure = undefined;
  }
  if (failure?.kind === 'implicit') return new ImplicitSolveError(failure.message);
  if (failure?.kind === 'user') return new UserError(failure.message, failure.exitCode);
  return new UserError(`sgd: error: run ${slot.run} of cell ${slot.cell} failed on the workers (${ATTEMPTS} attempts): ${reason}`, 70);
}

/** Runs the tasks' runs on the queue; `onCell` receives each cell's results, in run order, as it completes. */
export async function runCellsOnQueue(tasks: readonly CellTask[], options: QueueOptions, onCell: (cell: number, results: JobRunResult[]) => void): Promise<void> {
  const { address } = options;
  const redis = await openRedis(address);
  const bullmq = await import('bullmq');
  let queue: Queue<QueueJobData, string> | undefined;
  let events: QueueEvents | undefined;
  // The events' reader blocks on its connection: it gets its own.
  const eventsRedis = redis.duplicate();
  try {
    const registry = await registryWith(options.plugins);
    const slots = new Map<string, Slot>();
    const jobs: Array<{ name: string; data: QueueJobData; opts: { jobId: string } }> = [];
    for (const task of tasks) {
      const spec = await uploadSpec(redis, task.job, registry, options.maxPayload);
      for (const run of task.runs) {
        const id = jobId(spec, run);
        slots.set(id, { id, cell: task.cell, run, state: 'waiting' });
        jobs.push({ name: 'run', data: { version: SGD_VERSION, spec, cell: task.cell, run, file: portableFileName(task.job.file) }, opts: { jobId: id } });
      }
    }
    queue = new bullmq.Queue<QueueJobData, string>(QUEUE_NAME, { connection: redis, prefix: QUEUE_PREFIX, defaultJobOptions: { attempts: ATTEMPTS, removeOnComplete: false, removeOnFail: false } });
    events = new bullmq.QueueEvents(QUEUE_NAME, { connection: eventsRedis, prefix: QUEUE_PREFIX }) as QueueEvents;
    await events.waitUntilReady();
    const existing = await Promise.all(jobs.map((j) => queue?.getJob(j.opts.jobId)));
    const left = existing.filter((j): j is Job<QueueJobData, string> => j !== undefined);
    if (left.length > 0 && !options.resume) {
      throw new UserError(
        `--queue ${address.shown}: error: ${left.length} of the ${jobs.length} jobs of this ${options.command} are already on the queue (left by an interrupted submission, or being run by another): add --resume to re-attach to them`,
      );
    }
    try {
      await collect(queue, events, slots, jobs, left, options, onCell);
    } finally {
      // Merged, or failed (the first failure decides, as with threads): the submission's jobs are
      // no longer wanted. A job running on a worker is locked and stays until it ends.
      await Promise.all([...slots.keys()].map((id) => queue?.remove(id).catch(() => 0)));
    }
  } finally {
    await events?.close();
    await queue?.close();
    eventsRedis.disconnect();
    redis.disconnect();
  }
}

/** Adds the missing jobs, then waits for every slot's result and hands each finished cell to `onCell`. */
async function collect(
  queue: Queue<QueueJobData, string>,
  events: QueueEvents,
  slots: Map<string, Slot>,
  jobs: ReadonlyArray<{ name: string; data: QueueJobData; opts: { jobId: string } }>,
  left: ReadonlyArray<Job<QueueJobData, string>>,
  options: QueueOptions,
  onCell: (cell: number, results: JobRunResult[]) => void,
): Promise<void> {
  const results = new Map<number, Array<JobRunResult | undefined>>();
  const pendingRuns = new Map<number, number>();
  for (const slot of slots.values()) pendingRuns.set(slot.cell, (pendingRuns.get(slot.cell) ?? 0) + 1);
  const progress = new QueueProgress(slots.size, options.io);
  let stalled = 0;
  let settle: { resolve: () => void; reject: (error: Error) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  let remaining = slots.size;
  let failed = false;
  let resuming = false;

  const complete = (slot: Slot, returnvalue: string): void => {
    if (slot.state === 'done' || failed) return;
    slot.state = 'done';
    const cellResults = results.get(slot.cell) ?? [];
    cellResults[slot.run] = decode<JobRunResult>(returnvalue);
    results.set(slot.cell, cellResults);
    progress.done(slot.id, !resuming);
    const pending = (pendingRuns.get(slot.cell) ?? 1) - 1;
    pendingRuns.set(slot.cell, pending);
    try {
      if (pending === 0) onCell(slot.cell, cellResults.filter((r): r is JobRunResult => r !== undefined));
    } catch (error) {
      fail(error as Error);
      return;
    }
    remaining--;
    if (remaining === 0) settle?.resolve();
  };
  const fail = (error: Error): void => {
    if (failed) return;
    failed = true;
    progress.failed();
    settle?.reject(error);
  };
  /** Reads a job's outcome from Redis: its result, its final failure, or nothing yet. */
  const check = async (slot: Slot): Promise<void> => {
    // The state first: once 'completed' or 'failed' the job's result is in place (a job read
    // first could be read before its result was written, and its state after).
    const state = await queue.getJobState(slot.id);
    if (state === 'unknown') return fail(new UserError(`--queue ${options.address.shown}: error: job ${slot.id} vanished from the queue (deleted by another client?)`));
    if (state === 'completed' || state === 'failed') {
      const job = await queue.getJob(slot.id);
      if (!job) return fail(new UserError(`--queue ${options.address.shown}: error: job ${slot.id} vanished from the queue (deleted by another client?)`));
      if (state === 'completed') complete(slot, job.returnvalue);
      else fail(failureError(slot, job.failedReason));
    } else if (state === 'active' && slot.state === 'waiting') {
      slot.state = 'active';
      progress.active(slot.id);
    }
  };

  events.on('active', ({ jobId }) => {
    const slot = slots.get(jobId);
    if (slot && slot.state === 'waiting') {
      slot.state = 'active';
      progress.active(jobId);
    }
  });
  events.on('completed', ({ jobId }) => {
    const slot = slots.get(jobId);
    if (slot) void check(slot).catch(fail);
  });
  events.on('failed', ({ jobId }) => {
    const slot = slots.get(jobId);
    if (slot) void check(slot).catch(fail);
  });
  events.on('stalled', ({ jobId }) => {
    const slot = slots.get(jobId);
    if (!slot) return;
    stalled++;
    slot.state = 'waiting';
    progress.waiting(jobId);
  });
  events.on('progress', ({ jobId, data }) => {
    const refusal = (data as { refused?: string } | undefined)?.refused;
    if (slots.has(jobId) && refusal) progress.note(`queue: a worker ${refusal}`);
  });

  // Re-attaching: finished jobs count, failed ones are tried again.
  let resumed = 0;
  resuming = true;
  for (const job of left) {
    const slot = slots.get(job.id ?? '');
    if (!slot) continue;
    const state = await job.getState();
    if (state === 'completed') {
      await check(slot);
      resumed++;
    } else if (state === 'failed') await job.retry('failed');
  }
  resuming = false;
  const present = new Set(left.map((j) => j.id));
  await queue.addBulk(jobs.filter((j) => !present.has(j.opts.jobId)));
  if (remaining === 0) settle?.resolve();
  const timer = setInterval(() => {
    for (const slot of slots.values()) if (slot.state !== 'done') void check(slot).catch(fail);
  }, RECONCILE_MS);
  const interrupted = (): void => {
    progress.stop();
    options.io.err(`sgd ${options.command}: interrupted; ${progress.doneCount} of ${slots.size} jobs done, the others stay on the queue: rerun the same command with --resume to re-attach`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    await finished;
  } finally {
    clearInterval(timer);
    process.off('SIGINT', interrupted);
    progress.stop();
  }
  options.io.err(
    `queue: ${slots.size} job${slots.size > 1 ? 's' : ''} on ${options.address.shown}` +
      (resumed > 0 ? `, ${resumed} already done before --resume` : '') +
      (stalled > 0 ? `, ${stalled} restarted after a worker stopped` : ''),
  );
}

/** `sgd run`'s runs 0..R−1 of one job on the queue, in run order (the local {@link monteCarlo}'s counterpart). */
export async function monteCarloOnQueue(task: Omit<CellTask, 'cell' | 'runs'>, runs: number, options: QueueOptions): Promise<JobRunResult[]> {
  let results: JobRunResult[] = [];
  await runCellsOnQueue([{ ...task, cell: 0, runs: Array.from({ length: runs }, (_, r) => r) }], options, (_, cell) => (results = cell));
  return results;
}
