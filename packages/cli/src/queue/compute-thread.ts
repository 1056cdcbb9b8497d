/**
 * A queue worker's compute thread: runs one run of a job at a time, off the worker's main
 * thread, so the main thread keeps renewing BullMQ's job locks while a run computes (a run
 * holding the main thread past the lock duration would be taken for a dead worker's).
 * Sessions are cached by spec hash: a cell's runs rebuild its session once per thread.
 */
import { parentPort } from 'node:worker_threads';
import { ImplicitSolveError } from '@sgdiff/core';
import { UserError } from '../errors.ts';
import { executeRuns, sessionOfJob } from '../run/job.ts';
import type { RunSession } from '../run/session.ts';
import { decode, encode } from './codec.ts';
import type { JobSpec, ProblemFailure } from './protocol.ts';

/** A run to execute: the spec (its text, decoded once per hash), its data files, the run index. */
export interface ComputeRequest {
  /** The spec's hash (the session cache's key). */
  readonly specHash: string;
  /** The spec's encoded text. */
  readonly specText: string;
  /** Local files of the spec's data paths. */
  readonly dataFiles: Readonly<Record<string, string>>;
  /** The run index. */
  readonly run: number;
}

/** What the thread answers: the run's encoded result, a failure of the problem, or a fault. */
export type ComputeReply =
  | { readonly type: 'done'; readonly result: string }
  | { readonly type: 'problem'; readonly failure: ProblemFailure }
  | { readonly type: 'fault'; readonly message: string };

/** A decoded spec and its session. */
interface Built {
  readonly spec: JobSpec;
  readonly session: RunSession;
}

const sessions = new Map<string, Promise<Built>>();

/** The session of a spec, built once per thread while it stays among the last few used. */
function sessionOf(request: ComputeRequest): Promise<Built> {
  let session = sessions.get(request.specHash);
  if (!session) {
    const spec = decode<JobSpec>(request.specText);
    session = sessionOfJob(spec, request.dataFiles).then((built) => ({ spec, session: built }));
    if (sessions.size >= 4) sessions.delete(sessions.keys().next().value as string);
    sessions.set(request.specHash, session);
    // A session that failed to build is not kept: the next job builds it again and reports why.
    session.catch(() => sessions.delete(request.specHash));
  }
  return session;
}

/** Runs a request; never throws. */
async function compute(request: ComputeRequest): Promise<ComputeReply> {
  try {
    const { spec, session } = await sessionOf(request);
    const [result] = executeRuns(session, spec, [request.run]);
    return { type: 'done', result: encode(result) };
  } catch (error) {
    if (error instanceof UserError) return { type: 'problem', failure: { kind: 'user', message: error.message, exitCode: error.exitCode } };
    if (error instanceof ImplicitSolveError) return { type: 'problem', failure: { kind: 'implicit', message: error.message, exitCode: 1 } };
    return { type: 'fault', message: (error as Error).stack ?? String(error) };
  }
}

parentPort?.on('message', (request: ComputeRequest) => {
  void compute(request).then((reply) => parentPort?.postMessage(reply));
});
