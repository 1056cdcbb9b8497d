/**
 * What submitters and workers agree on: the queue's name, the Redis keys of the blobs, the
 * version check, and a job's payload. A job names its spec (the checked source, seed, plugins,
 * reference, data files) by content hash, so a cell's runs share one copy in Redis and a worker
 * rebuilds the cell's session once for all of them.
 */
import { basename, isAbsolute } from 'node:path';
import type { RunJob } from '../run/job.ts';
import packageJson from '../../package.json' with { type: 'json' };

/** The sgdiff version of this build: a job records it, a worker of another version refuses the job. */
export const SGD_VERSION: string = packageJson.version;

/** The BullMQ queue every submitter and worker of a Redis database uses. */
export const QUEUE_NAME = 'sgd-runs';

/** BullMQ's key prefix for the queue (its keys are `sgd:sgd-runs:*`). */
export const QUEUE_PREFIX = 'sgd';

/** The Redis key of a content-addressed blob (a spec or a data file). */
export function blobKey(hash: string): string {
  return `${QUEUE_PREFIX}:blob:${hash}`;
}

/** How long blobs stay in Redis after their last submission, in seconds (a week: enough to --resume). */
export const BLOB_TTL_SECONDS = 7 * 24 * 3600;

/** A data file a job reads: the path as the source writes it, and the file's SHA-256. */
export interface DataFileRef {
  /** The path as written in the source (the key the checker resolves). */
  readonly path: string;
  /** SHA-256 of the bytes, hex: the blob's name. */
  readonly hash: string;
  /** Size in bytes. */
  readonly bytes: number;
}

/** Everything a worker needs to rebuild a cell's session: the run job plus its data files and version. */
export interface JobSpec extends RunJob {
  /** The sgdiff version of the submitter. */
  readonly version: string;
  /** The data files the source names. */
  readonly data: readonly DataFileRef[];
}

/** The payload of one queue job: one run of one cell. */
export interface QueueJobData {
  /** The sgdiff version of the submitter (checked before anything else). */
  readonly version: string;
  /** SHA-256 of the encoded {@link JobSpec}: its blob. */
  readonly spec: string;
  /** The cell's index in the sweep (0 for `sgd run`). */
  readonly cell: number;
  /** The run index in the cell's Monte Carlo batch. */
  readonly run: number;
  /** The file name, for the worker's messages. */
  readonly file: string;
}

/** A job's id: the same for the same spec and run, so a resubmission finds the jobs already there. */
export function jobId(spec: string, run: number): string {
  return `${spec.slice(0, 40)}-${run}`;
}

/** The file name a job carries: the path as typed when relative, the base name when absolute (no absolute path leaves the submitting machine). */
export function portableFileName(file: string): string {
  return isAbsolute(file) ? basename(file) : file;
}

/** How a worker reports a failure of the problem (not a fault of the worker): the job's failed reason, as JSON. */
export interface ProblemFailure {
  /** `user`: a mistake in the file or its data; `implicit`: a singular or indefinite Hessian met during the run. */
  readonly kind: 'user' | 'implicit';
  /** The message, as `sgd run` would print it. */
  readonly message: string;
  /** The exit code it maps to. */
  readonly exitCode: number;
}
