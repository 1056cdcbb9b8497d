/**
 * A run job: what a worker needs to rebuild the session by itself (the checked source, the
 * seed, the plugins) and which runs of the Monte Carlo batch it owns.
 */
import { logSchedule, runSolver, type RunResult } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment } from '../load.ts';
import { registryWith } from '../plugins.ts';
import { createSession, type RunSession } from './session.ts';

/** A serializable description of runs to execute. */
export interface RunJob {
  /** The file name, for messages. */
  readonly file: string;
  /** The source with `--set` overrides applied (already checked). */
  readonly source: string;
  /** The seed of the instance and of the runs' streams. */
  readonly seed: number;
  /** Plugin modules to load after the built-ins. */
  readonly plugins: readonly string[];
  /** Number of log-spaced record points. */
  readonly logPoints: number;
}

/** The iterations at which a session's runs record metrics. */
export function recordPoints(session: RunSession, logPoints: number): number[] {
  return logSchedule(session.settings.iterations, logPoints);
}

/** Runs `runs` (indices into the Monte Carlo batch) of a session, in order. */
export function executeRuns(session: RunSession, job: RunJob, runs: readonly number[], onProgress?: (run: number, k: number) => void): RunResult[] {
  const recordAt = recordPoints(session, job.logPoints);
  const registryFunctions = session.problem.builder.functions;
  return runs.map((run) =>
    runSolver(session.program, session.kernels, session.reference, { ...session.settings, seed: job.seed, run, recordAt }, registryFunctions, onProgress && ((k) => onProgress(run, k))),
  );
}

/** Rebuilds the session of a job (in a worker). */
export async function sessionOfJob(job: RunJob): Promise<RunSession> {
  const registry = await registryWith(job.plugins);
  const { problem } = compileSgd(job.source, job.file, checkEnvironment(registry), registry.functions);
  if (!problem) throw new Error('the job source no longer checks');
  return createSession(problem, registry, job.seed, job.file);
}
