/** `sgd run FILE`: runs the file's solver with derivative tracking, over Monte Carlo runs, against the exact reference. */
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { Option, type Command } from 'commander';
import { compileSchedule, errorMetric, prepareKernelBackend, type BackendChoice, type FunctionTable, ImplicitSolveError, OuterSolverInitError, SolverInputError, type OuterSolverPlugin, type RunReference } from '@sgdiff/core';
import { DEFAULT_LOG_POINTS } from '@sgdiff/dsl';
import { parseByteSize } from '../byte-size.ts';
import { UserError } from '../errors.ts';
import { formatSolverInputError } from '../solver-input.ts';
import { collect, parsePositiveInteger, parseSeed } from '../flags.ts';
import { byName } from '../json.ts';
import { instanceJsonPieces } from './instance-file.ts';
import { loadProblem } from '../load.ts';
import { registryWith } from '../plugins.ts';
import { withSourceLimitOptions, type SourceLimits } from '../source-limits.ts';
import type { Output } from '../program.ts';
import type { Aggregate } from './aggregate.ts';
import { MonteCarloFold } from './run-fold.ts';
import type { JobRunResult, MidRunCheckpoints, RunJob } from './job.ts';
import { CheckpointLog, DEFAULT_CHECKPOINT_SECONDS, isCompleteOutDir, parseCheckpointSeconds, removeCheckpoint } from './checkpoint.ts';
import { monteCarlo } from './monte-carlo.ts';
import { checkRunLimits, DEFAULT_MAX_OUTPUT, DEFAULT_MAX_STEPS, DEFAULT_MEMORY_LIMIT, parseStepCount } from './limits.ts';
import { checkOutDir, writeOutDir } from './out-dir.ts';
import { parseSetFlags } from './overrides.ts';
import { outerCsv, runOuter } from './outer.ts';
import type { GuideContext } from './guides.ts';
import { plotTraces } from './plot.ts';
import { runDocument, traceCsv } from './result.ts';
import { createSession, type RunSession } from './session.ts';
import { addQueueOptions } from '../queue/flags.ts';
import { monteCarloOnQueue } from '../queue/submit.ts';
import type { QueueAddress } from '../queue/url.ts';
import { diagnoseDivergence, StartPointFaultError } from './fault.ts';

/** Options of `sgd run`, as commander parses them. */
interface RunFlags extends SourceLimits {
  seed: number;
  set: string[];
  runs: number;
  workers: number;
  out?: string;
  plugin: string[];
  json?: boolean;
  backend?: string;
  queue?: QueueAddress;
  maxPayload: number;
  resume?: boolean;
  memoryLimit: number;
  maxSteps: number;
  maxOutput: number;
  guides?: boolean;
  checkpoint: number;
}

/**
 * Adds the `run` command to the program.
 * @category CLI
 */
export function registerRun(program: Command, io: Output): void {
  const command = withSourceLimitOptions(program.command('run'))
    .description('run the solver of a .sgd file with derivative tracking, against the exact x*(θ) and ∂θx*(θ)')
    .argument('<file>', 'the .sgd file')
    .option('--seed <n>', 'seed of the instance and of the runs', parseSeed, 0)
    .option('--set <solve.KEY=VALUE>', 'override a solve option, or a value with const.NAME=VALUE, dim.NAME=VALUE, param.NAME=VALUE, param.NAME[i]=VALUE (0-based; repeatable)', collect, [])
    .option('--runs <R>', 'Monte Carlo runs', parsePositiveInteger, 1)
    .addOption(new Option('--workers <W>', 'worker threads for the runs (results do not depend on it)').argParser(parsePositiveInteger).default(1))
    .option('--out <dir>', 'write instance.json, trace.csv, result.json, plot.svg (and sid.csv or outer.csv) into this new directory')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .option('--json', 'print result.json on stdout instead of the summary')
    .addOption(new Option('--backend <name>', 'kernel code: wasm (WebAssembly SIMD), js, or auto (the default: wasm where the runtime has WebAssembly SIMD, else js); the same as --set solve.backend=NAME').choices(['js', 'wasm', 'auto']))
    .option('--memory-limit <size>', 'refuse before any work a run estimated to need more memory (e.g. 8GiB)', parseByteSize, DEFAULT_MEMORY_LIMIT)
    .option('--max-steps <n>', 'refuse before any work more solver steps than this over all runs (runs × iterations)', parseStepCount, DEFAULT_MAX_STEPS)
    .option('--max-output <size>', 'refuse before any work a run estimated to write more than this (--out files, --json)', parseByteSize, DEFAULT_MAX_OUTPUT)
    .option('--guides', "draw the source papers' rates in plot.svg as dashed guide lines with their slopes (linear rate, O(1/k), noise floor ∝ step)")
    .option('--checkpoint <seconds>', 'with --out: seconds between two checkpoints of the completed runs', parseCheckpointSeconds, DEFAULT_CHECKPOINT_SECONDS);
  addQueueOptions(command)
    .option('--resume', 'continue an interrupted run: from the last checkpoint in --out DIR (same outputs as an uninterrupted run), or with --queue by re-attaching to its jobs left on the queue')
    .action(async (file: string, flags: RunFlags) => {
      try {
        await runCommand(file, flags, io);
      } catch (error) {
        // A singular or indefinite Hessian met during the run is a property of the file's problem.
        if (error instanceof ImplicitSolveError || error instanceof OuterSolverInitError) throw new UserError(`${file}: error: ${error.message}`);
        if (error instanceof SolverInputError) throw new UserError(error.messages.map((m) => `${file}: error: ${m}`).join('\n'));
        throw error;
      }
    });
}

/** `make()`, with a solver's input problems reported at their declarations in `source`. */
function withSolverInputPositions<T>(file: string, source: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof SolverInputError) throw new UserError(formatSolverInputError(file, source, error));
    throw error;
  }
}

/** The body of `sgd run FILE`. */
async function runCommand(file: string, flags: RunFlags, io: Output): Promise<void> {
  const overrides = parseSetFlags([...flags.set, ...(flags.backend ? [`solve.backend=${flags.backend}`] : [])]);
  const registry = await registryWith(flags.plugin);
  const loaded = loadProblem(file, registry, overrides.text, flags);
  if (loaded.warnings) io.err(loaded.warnings);
  const logPoints = loaded.problem.report?.logPoints ?? DEFAULT_LOG_POINTS;
  // Before anything is drawn or allocated: the instance alone can be gigabytes.
  const workers = Math.min(flags.workers, availableParallelism() * 4);
  const shape = { runs: flags.runs, workers, logPoints, metrics: loaded.problem.report?.metrics.length || registry.metrics.size };
  checkRunLimits(file, loaded.problem, shape, { out: flags.out !== undefined, json: flags.json === true }, { memory: flags.memoryLimit, steps: flags.maxSteps, output: flags.maxOutput });
  // --resume: with --queue, re-attach to the jobs left on the queue; without, continue from the checkpoints in --out.
  if (flags.resume && !flags.queue && !flags.out) throw new UserError('--resume: error: needs --out DIR (the directory of the run to continue) or --queue URL (the jobs to re-attach to)');
  const resumeCheckpoints = flags.resume === true && !flags.queue;
  if (flags.out && resumeCheckpoints && isCompleteOutDir(flags.out)) {
    // Killed after DIR was renamed into place but before its checkpoint was removed: nothing is left to run.
    removeCheckpoint(flags.out);
    return io.out(`${flags.out}: complete already; nothing to resume`);
  }
  await prepareKernelBackend(loaded.problem.solve?.options.backend as BackendChoice | undefined);
  if (flags.out) checkOutDir(flags.out);
  let session: RunSession;
  try {
    session = withSolverInputPositions(file, loaded.source, () => createSession(loaded.problem, registry, flags.seed, file, undefined, overrides.entries));
  } catch (error) {
    if (error instanceof StartPointFaultError && flags.out) {
      writeOutDir(flags.out, { 'instance.json': instanceJsonPieces(loaded.problem, error.kernels.instance), 'result.json': JSON.stringify(error.document, null, 2) });
    }
    throw error;
  }
  for (const warning of sessionWarnings(session)) io.err(`${file}: warning: ${warning}`);
  const job: RunJob = { file, source: loaded.source, seed: flags.seed, plugins: flags.plugin, logPoints, reference: session.reference, paramEntries: overrides.entries };
  if (session.problem.outerSolve) {
    if (flags.queue) throw new UserError(`--queue: error: ${file} has an outer_solve, whose outer loop is one sequence of runs: it runs here, without --queue`);
    return io.out(runOuterCommand(session, job, flags, registry.outerSolvers));
  }
  // Each run is folded into the outputs' statistics as it completes, in run order, and dropped
  // (after its line in the checkpoint log, with --out and no queue).
  const fold = new MonteCarloFold(flags.runs);
  let sidWarning: string | undefined;
  let checkpoint: CheckpointLog | undefined;
  let partial: MidRunCheckpoints['resume'];
  const onResult = (result: JobRunResult, run: number): void => {
    checkpoint?.add(run, result);
    fold.add(result);
    // SID's linear system checked on every outcome: the first run that missed sid_tolerance, once.
    sidWarning ??= result.sid?.warning;
  };
  const { queue } = flags;
  if (queue) {
    const results = await monteCarloOnQueue({ job, session }, flags.runs, { address: queue, resume: flags.resume ?? false, maxPayload: flags.maxPayload, plugins: flags.plugin, io, command: 'run' });
    results.forEach(onResult);
  } else {
    if (flags.out && resumeCheckpoints) {
      const resumed = CheckpointLog.resume(flags.out, job, flags.runs, flags.checkpoint);
      checkpoint = resumed.log;
      partial = resumed.partial;
      for (const result of resumed.results) fold.add(result);
    } else if (flags.out) checkpoint = CheckpointLog.start(flags.out, job, flags.runs, flags.checkpoint);
    const midRun = checkpoint?.midRun(Math.max(1, Math.floor(session.settings.iterations / 1000)), partial);
    const from = fold.folded;
    await withProgress(session, flags.runs, (onProgress) => monteCarlo(session, job, flags.runs, workers, onResult, onProgress, from, midRun));
    checkpoint?.flush();
  }
  const metrics = session.metrics.columns;
  const stats = fold.trace.result();
  if (fold.firstDivergence) {
    const { run, result: diverged } = fold.firstDivergence;
    const diagnosis = diagnoseDivergence(session, job, run, diverged);
    if (flags.out) {
      writeOutDir(flags.out, {
        'instance.json': instanceJsonPieces(session.problem, session.kernels.instance),
        'trace.csv': traceCsv(stats, metrics),
        'result.json': JSON.stringify(diagnosis.document, null, 2),
      });
      checkpoint?.remove();
    }
    // With --json stdout holds JSON or nothing: the diagnosis goes to stderr.
    const divergence = diverged.divergence as NonNullable<typeof diverged.divergence>;
    if (!flags.json) io.out(summary(file, session, stats, metrics, flags, undefined, divergence.iteration));
    const twoOverL = 2 / session.reference.L;
    throw new UserError(
      `${file}: error: run ${run} diverged at iteration ${divergence.iteration}: step ${divergence.step.toPrecision(4)}, 2/L = ${twoOverL.toPrecision(4)}` +
        (flags.out ? ` (partial trace in ${flags.out}/trace.csv)` : '') +
        `: ${diagnosis.text}`,
      2,
    );
  }
  const document = runDocument(session, fold.summary(), stats, metrics);
  if (sidWarning) io.err(`${file}: warning: ${sidWarning}`);
  const sid = fold.sidAggregate(errorMetric('sid'));
  if (flags.out) {
    writeOutDir(flags.out, {
      'instance.json': instanceJsonPieces(session.problem, session.kernels.instance),
      'trace.csv': traceCsv(stats, metrics),
      'result.json': JSON.stringify(document, null, 2),
      'plot.svg': await plotTraces(
        stats,
        metrics.filter((m) => m !== 'step'),
        `${file} — ${session.program.solver.name}, track = ${session.settings.track}`,
        flags.guides ? guideContext(session, registry.functions) : undefined,
      ),
      ...(sid ? { 'sid.csv': traceCsv(sid, [errorMetric('sid')]) } : {}),
    });
    checkpoint?.remove();
  }
  io.out(flags.json ? JSON.stringify(document) : summary(file, session, stats, metrics, flags, sid));
  // Where the plot is, for the reader of the summary.
  if (flags.out && !flags.json) io.out(`plot: ${join(flags.out, 'plot.svg')} (with instance.json, trace.csv, result.json${sid ? ', sid.csv' : ''})`);
}

/** What `--guides` derives its lines from: the solver's sampling, declared linear rate and step at the reference's μ, L, κ. */
function guideContext(session: RunSession, functions: FunctionTable): GuideContext {
  const solver = session.program.solver;
  const sample = session.problem.sample;
  const rate = solver.conformance?.rate;
  const stepExpression = session.problem.solve?.expressions.step;
  const { mu, L, kappa } = session.reference;
  const step = stepExpression && compileSchedule(stepExpression, functions);
  return {
    stochastic: solver.sampling === 'stochastic' && sample !== undefined && sample.batch < sample.size,
    ...(rate ? { rate: { factor: rate.factor(session.reference), text: rate.text } } : {}),
    ...(step ? { step: (k: number) => step(k, mu, L, kappa) } : {}),
  };
}

/** The warnings of a session, once each: the reference's, g*'s, and the metrics left out. */
function sessionWarnings(session: RunSession): string[] {
  const { reference, hyper, metrics } = session;
  const warnings: string[] = [];
  if (reference.warning) warnings.push(reference.mode !== 'none' && !reference.certified ? `reference not certified: ${reference.warning}` : `reference: ${reference.warning}`);
  if (hyper?.warning) warnings.push(hyper.warning);
  if (metrics.warning) warnings.push(metrics.warning);
  return warnings;
}

/** The outer loop: hyperparameter optimization; writes outer.csv and result.json with the final θ. */
function runOuterCommand(session: RunSession, job: RunJob, flags: RunFlags, outerSolvers: ReadonlyMap<string, OuterSolverPlugin>): string {
  const run = runOuter(session, job, outerSolvers);
  const { paramLayout } = session.kernels.instance;
  const last = run.steps[run.steps.length - 1];
  const document = { outer: { estimator: run.estimator, iterations: run.steps.length, theta: byName(run.theta, paramLayout), objective: last.objective, exactObjective: last.exactObjective } };
  if (flags.out) {
    writeOutDir(flags.out, {
      'instance.json': instanceJsonPieces(session.problem, session.kernels.instance),
      'outer.csv': outerCsv(run),
      'result.json': JSON.stringify(document, null, 2),
    });
  }
  if (flags.json) return JSON.stringify(document);
  const first = run.steps[0];
  return [
    `${job.file}: outer ${session.problem.outerSolve?.solver} on θ, ${run.steps.length} steps, estimator ${run.estimator}, inner ${session.program.solver.name} × ${session.settings.iterations}`,
    `  exact objective   ${first.exactObjective.toPrecision(6)} → ${last.exactObjective.toPrecision(6)}`,
    `  hypergradient     |g| ${first.gradientNorm.toExponential(3)} → ${last.gradientNorm.toExponential(3)}, last error ${last.error.toExponential(3)}`,
  ].join('\n');
}

/** Shows a progress bar on a terminal (hidden otherwise) while `work` runs. */
async function withProgress(session: RunSession, runs: number, work: (onProgress?: (run: number, k: number) => void) => Promise<void>): Promise<void> {
  if (!process.stderr.isTTY) return work();
  const total = runs * session.settings.iterations;
  const done = new Array<number>(runs).fill(0);
  let sum = 0;
  const bar = new SingleBar({ stream: process.stderr, format: 'sgd run [{bar}] {percentage}% | {value}/{total} steps | eta {eta}s', hideCursor: true }, Presets.shades_classic);
  bar.start(total, 0);
  try {
    return await work((run, k) => {
      sum += k - done[run];
      done[run] = k;
      bar.update(sum);
    });
  } finally {
    bar.stop();
  }
}

function summary(file: string, session: RunSession, stats: Aggregate, metrics: readonly string[], flags: RunFlags, sid?: Aggregate, divergedAt?: number): string {
  const { reference, settings } = session;
  const fmt = (v: number): string => (Number.isFinite(v) ? v.toExponential(3) : '—');
  const last = stats.k.length - 1;
  const sidMetric = errorMetric('sid');
  const width = Math.max(...metrics.map((m) => m.length), sid ? sidMetric.length : 0);
  const rows = metrics.map((m) => {
    const band = stats.metrics[m];
    const spread = stats.runs > 1 ? `  [10%: ${fmt(band.q10[last])}, 90%: ${fmt(band.q90[last])}]` : '';
    return `  ${m.padEnd(width)}  ${fmt(band.mean[last])}${spread}`;
  });
  return [
    `${file}: ${session.program.solver.name}, ${settings.iterations} iterations, track = ${settings.track}, ${stats.runs} run${stats.runs > 1 ? 's' : ''}, seed ${flags.seed}`,
    referenceLine(reference),
    divergedAt !== undefined ? `diverged at iteration ${divergedAt}; the last values recorded before it, at k = ${stats.k[last]}:` : `at k = ${stats.k[last]}${stats.runs > 1 ? ' (mean over runs)' : ''}:`,
    ...rows,
    // SID runs its own iterations after the solver's: its error at its last one.
    ...(sid ? [`  ${sidMetric.padEnd(width)}  ${fmt(sid.metrics[sidMetric].mean[sid.k.length - 1])}  (after ${sid.k[sid.k.length - 1]} SID iterations)`] : []),
  ].join('\n');
}

/** The summary's reference line. */
function referenceLine(reference: RunReference): string {
  const constants = `mu = ${reference.mu.toPrecision(4)}, L = ${reference.L.toPrecision(4)}, kappa = ${reference.kappa.toPrecision(4)}`;
  if (reference.mode === 'none') return `reference: none; ${constants} (Lanczos at x0)`;
  const certified = reference.certified ? ', certified' : ', NOT certified';
  const objective = `F* = ${reference.objective.toPrecision(8)}`;
  if (reference.mode === 'solver') {
    const details = Object.entries(reference.certificate).map(([name, value]) => `${name} ${Number.isInteger(value) ? value : value.toExponential(2)}`);
    return `reference: ${reference.solver} (${details.join(', ')})${certified}; ${constants} (Lanczos at x0), ${objective}`;
  }
  if (reference.mode === 'iterative') {
    const { lanczos } = reference;
    return (
      `reference: iterative, Newton-CG ${reference.newtonSteps} steps (${reference.cgProducts} Hessian-vector products), Lanczos ${lanczos.start.iterations} + ${lanczos.solution.iterations} products${certified}; ` +
      `${constants}, ${objective}`
    );
  }
  return `reference: ${reference.quadratic ? 'exact linear solve (F is quadratic in x)' : `Newton, ${reference.newtonSteps} steps`}${certified}; ${constants}, ${objective}`;
}
