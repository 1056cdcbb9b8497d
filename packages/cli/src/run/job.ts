/**
 * A run job: what a worker needs to rebuild the session by itself (the checked source, the
 * seed, the plugins) and which runs of the Monte Carlo batch it owns.
 */
import { HypergradientObserver, logSchedule, prepareKernelBackend, runSolver, sidFixedPoint, stochasticImplicitDifferentiation, type BackendChoice, type Estimator, type RunReference, type RunCheckpoint, type RunResult, type RunSpec, type SidResult } from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment } from '../load.ts';
import { registryWith } from '../plugins.ts';
import type { ParamEntryOverride } from './param-entries.ts';
import { createSession, tracksJacobian, type RunSession } from './session.ts';

/**
 * A serializable description of runs to execute.
 * @category CLI
 */
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
  /** The reference computed by the main thread for this instance, so workers do not recompute it. */
  readonly reference?: RunReference;
  /** `--set param.NAME[i]=VALUE` entries set on the drawn instance. */
  readonly paramEntries?: readonly ParamEntryOverride[];
}

/**
 * The iterations at which a session's runs record metrics.
 * @category CLI
 */
export function recordPoints(session: RunSession, logPoints: number): number[] {
  return logSchedule(session.settings.iterations, logPoints);
}

/**
 * A run's outcome with its hypergradient estimates (plain objects, so workers can post them).
 * @category CLI
 */
export interface JobRunResult extends RunResult {
  /** The estimates at the last iterate, by estimator (absent without `outer`). */
  readonly hypergradients?: Partial<Record<Estimator, Float64Array>>;
  /** SID's estimate and error trace, when `sid` is chosen. */
  readonly sid?: SidResult;
}

/**
 * The run loop's spec for run `run` of a session: its metrics, and the hypergradient observer if there is one.
 * @category CLI
 */
export function runSpec(session: RunSession, seed: number, run: number, recordAt: readonly number[], observer?: HypergradientObserver): RunSpec {
  const { metrics } = session;
  return {
    ...session.settings,
    seed,
    run,
    recordAt,
    metrics: metrics.plugins,
    metricInfo: metrics.info,
    ...(observer ? { observers: [observer], hypergradients: observer.hypergradients } : {}),
    jacobian: tracksJacobian(session),
  };
}

/**
 * The hypergradient observer of a session's run, with every chosen estimator but SID.
 * @category CLI
 */
export function hypergradientObserver(session: RunSession): HypergradientObserver | undefined {
  const { hyper } = session;
  return hyper && new HypergradientObserver(hyper.estimators, hyper.chosen.filter((e): e is Exclude<Estimator, 'sid'> => e !== 'sid'), hyper.reference);
}

/**
 * g* for SID's error trace: NaN entries (empty cells in sid.csv) without a reference.
 * @category CLI
 */
export function sidReference(session: RunSession): Float64Array {
  return session.hyper?.reference ?? new Float64Array(session.kernels.parameters).fill(NaN);
}

/**
 * Runs `runs` (indices into the Monte Carlo batch) of a session, in order, and returns every result.
 * @category CLI
 */
export function executeRuns(session: RunSession, job: RunJob, runs: readonly number[], onProgress?: (run: number, k: number) => void): JobRunResult[] {
  const results: JobRunResult[] = [];
  forEachRun(session, job, runs, (result) => results.push(result), onProgress);
  return results;
}

/**
 * Mid-run checkpoints of the runs executed in this thread: where states go, and the one to resume from.
 * @category CLI
 */
export interface MidRunCheckpoints {
  /** Iterations between two calls of `save`. */
  readonly every: number;
  /** Receives run `run`'s state (a capture function: call it to keep one). */
  save(run: number, capture: () => RunCheckpoint): void;
  /** The state to resume run `run` from. */
  readonly resume?: { readonly run: number; readonly state: RunCheckpoint };
}

/**
 * Runs `runs` of a session, in order, handing each result to `onResult` as soon as it is complete (nothing is kept).
 * @category CLI
 */
export function forEachRun(
  session: RunSession,
  job: RunJob,
  runs: readonly number[],
  onResult: (result: JobRunResult, run: number) => void,
  onProgress?: (run: number, k: number) => void,
  midRun?: MidRunCheckpoints,
): void {
  const recordAt = recordPoints(session, job.logPoints);
  const registryFunctions = session.problem.builder.functions;
  const { hyper } = session;
  for (const run of runs) onResult(executeRun(run), run);

  function executeRun(run: number): JobRunResult {
    const observer = hypergradientObserver(session);
    const spec = {
      ...runSpec(session, job.seed, run, recordAt, observer),
      ...(midRun ? { checkpoint: { every: midRun.every, save: (capture: () => RunCheckpoint) => midRun.save(run, capture) } } : {}),
      ...(midRun?.resume?.run === run ? { resume: midRun.resume.state } : {}),
    };
    const result = runSolver(session.program, session.kernels, session.reference, spec, registryFunctions, onProgress && ((k) => onProgress(run, k)));
    if (!hyper || !observer || result.divergence) return result;
    const hypergradients: Partial<Record<Estimator, Float64Array>> = Object.fromEntries(observer.last);
    let sid: SidResult | undefined;
    if (hyper.sid) {
      const sidSpec = { ...hyper.sid, seed: job.seed, run, recordAt: logSchedule(hyper.sid.iterations, job.logPoints), fixedPoint: sidFixedPoint(session.program, result) };
      sid = stochasticImplicitDifferentiation(hyper.estimators, result.x, session.reference, sidSpec, sidReference(session));
      hypergradients.sid = sid.gradient;
    }
    return { ...result, hypergradients, sid };
  }
}

/**
 * Rebuilds the session of a job (in a worker); `dataFiles` maps the data paths the source writes
 * to local files (a queue worker's copies), else they are resolved against the job's file.
 * @category CLI
 */
export async function sessionOfJob(job: RunJob, dataFiles?: Readonly<Record<string, string>>): Promise<RunSession> {
  const registry = await registryWith(job.plugins);
  const environment = checkEnvironment(registry, job.file);
  const resolvePath = dataFiles && ((path: string): string => dataFiles[path] ?? path);
  const { problem } = compileSgd(job.source, job.file, resolvePath ? { ...environment, resolvePath } : environment);
  if (!problem) throw new Error('the job source no longer checks');
  await prepareKernelBackend(problem.solve?.options.backend as BackendChoice | undefined);
  return createSession(problem, registry, job.seed, job.file, job.reference, job.paramEntries);
}
