/**
 * `sgd worker --queue URL [--concurrency C]`: takes runs off the queue that `sgd run --queue` and
 * `sgd sweep --queue` fill, on any machine that reaches the Redis server, until stopped (SIGINT
 * or SIGTERM: the runs in progress finish first). Each run computes on one of C threads.
 */
import type { Command } from 'commander';
import type { Job } from 'bullmq';
import { parsePositiveInteger } from '../flags.ts';
import type { Output } from '../program.ts';
import { MissingBlobError, SpecCache, localDataFiles } from './blobs.ts';
import { decode } from './codec.ts';
import { ComputePool } from './compute-pool.ts';
import { openRedis } from './connection.ts';
import { QUEUE_NAME, QUEUE_PREFIX, SGD_VERSION, type JobSpec, type QueueJobData } from './protocol.ts';
import { parseQueueUrl, type QueueAddress } from './url.ts';

/** Options of `sgd worker`, as commander parses them. */
interface WorkerFlags {
  queue: QueueAddress;
  concurrency: number;
  lockDuration: number;
  stalledInterval: number;
}

/** How long a refused job (another sgdiff version) waits before a worker looks at it again, in ms. */
const REFUSED_DELAY_MS = 5000;

/** Adds the `worker` command to the program. */
export function registerWorker(program: Command, io: Output): void {
  program
    .command('worker')
    .description('run the jobs that sgd run --queue and sgd sweep --queue put on a Redis queue, until stopped')
    .requiredOption('--queue <url>', 'the queue: redis://HOST:PORT[/DB] (rediss:// for TLS, redis://:PASSWORD@HOST:PORT with a password)', parseQueueUrl)
    .option('--concurrency <C>', 'runs at once, each on its own thread', parsePositiveInteger, 1)
    .option('--lock-duration <ms>', "how long a job's lock lasts without renewal: after it, a silent worker's job is given to another", parsePositiveInteger, 30000)
    .option('--stalled-interval <ms>', 'how often this worker looks for jobs whose worker stopped renewing their lock', parsePositiveInteger, 30000)
    .action((flags: WorkerFlags) => runWorker(flags, io));
}

/** The body of `sgd worker`: returns when stopped by a signal. */
async function runWorker(flags: WorkerFlags, io: Output): Promise<void> {
  const redis = await openRedis(flags.queue);
  const { Worker, UnrecoverableError, DelayedError } = await import('bullmq');
  const pool = new ComputePool(flags.concurrency);
  const specs = new SpecCache(redis);
  const refused = new Set<string>();
  const name = (job: Job<QueueJobData>): string => `job ${job.id} (${job.data.file}, cell ${job.data.cell}, run ${job.data.run})`;

  const runJob = async (job: Job<QueueJobData, string>, token?: string): Promise<string> => {
    if (job.data.version !== SGD_VERSION) {
      const message = `sgd worker: refused ${name(job)}: it was submitted by sgdiff ${job.data.version}, this worker is sgdiff ${SGD_VERSION}; it stays on the queue for a worker of that version`;
      if (!refused.has(job.id ?? '')) io.err(message);
      refused.add(job.id ?? '');
      // The submitter shows the refusal; the job is put back (not failed): nothing is lost.
      await job.updateProgress({ refused: message.replace(/^sgd worker: /, '') });
      await job.moveToDelayed(Date.now() + REFUSED_DELAY_MS, token);
      throw new DelayedError();
    }
    let specText: string;
    let dataFiles: Record<string, string>;
    try {
      specText = await specs.get(job.data.spec);
      dataFiles = await localDataFiles(redis, decode<JobSpec>(specText).data);
    } catch (error) {
      if (error instanceof MissingBlobError) throw new UnrecoverableError(`${job.data.file}: error: ${error.message}`);
      throw error;
    }
    const started = performance.now();
    const reply = await pool.run({ specHash: job.data.spec, specText, dataFiles, run: job.data.run });
    if (reply.type === 'done') {
      io.err(`sgd worker: ${name(job)} done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
      return reply.result;
    }
    if (reply.type === 'problem') {
      io.err(`sgd worker: ${name(job)} failed (not retried): ${reply.failure.message}`);
      throw new UnrecoverableError(JSON.stringify(reply.failure));
    }
    io.err(`sgd worker: ${name(job)} failed: ${reply.message}`);
    throw new Error(reply.message);
  };

  const worker = new Worker<QueueJobData, string>(QUEUE_NAME, runJob, {
    connection: redis,
    prefix: QUEUE_PREFIX,
    concurrency: flags.concurrency,
    lockDuration: flags.lockDuration,
    stalledInterval: flags.stalledInterval,
    // A job whose worker died twice is failed rather than handed out forever.
    maxStalledCount: 2,
  });
  worker.on('error', (error) => io.err(`sgd worker: ${error.message}`));
  await worker.waitUntilReady();
  io.err(`sgd worker: sgdiff ${SGD_VERSION}, ${flags.concurrency} thread${flags.concurrency > 1 ? 's' : ''}, waiting for jobs on ${flags.queue.shown}`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.err('sgd worker: stopping after the runs in progress');
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await worker.close();
  await pool.close();
  await redis.quit();
}
