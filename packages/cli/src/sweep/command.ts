/** `sgd sweep FILE --grid KEY=VALUES ... --out DIR`: the cartesian grid of runs of one file. */
import { mkdirSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import { prepareKernelBackend, type BackendChoice } from '@sgdiff/core';
import { DEFAULT_LOG_POINTS } from '@sgdiff/dsl';
import { parseByteSize } from '../byte-size.ts';
import { UserError } from '../errors.ts';
import { collect, parsePositiveInteger, parseSeed } from '../flags.ts';
import { loadProblem } from '../load.ts';
import { registryWith } from '../plugins.ts';
import { withSourceLimitOptions, type SourceLimits } from '../source-limits.ts';
import type { Output } from '../program.ts';
import { aggregate } from '../run/aggregate.ts';
import { instanceJsonPieces } from '../run/instance-file.ts';
import { checkSweepLimits, DEFAULT_MAX_STEPS, DEFAULT_MEMORY_LIMIT, parseStepCount } from '../run/limits.ts';
import { checkOutDir, writeOutDir } from '../run/out-dir.ts';
import { runDocument } from '../run/result.ts';
import type { JobRunResult } from '../run/job.ts';
import { foldRuns } from '../run/run-fold.ts';
import { createSession } from '../run/session.ts';
import { cellSource, checkAxesAgainstFile } from './cell-source.ts';
import { runCells, type CellTask } from './executor.ts';
import { checkAxes, gridCells, parseGridFlag } from './grid.ts';
import { sweepHeatMap, sweepLines } from './plot.ts';
import { addQueueOptions } from '../queue/flags.ts';
import { runCellsOnQueue } from '../queue/submit.ts';
import type { QueueAddress } from '../queue/url.ts';
import { cellRows, readSummaryToResume, writeSummary, type SummaryRow, type SweepSummary } from './summary.ts';

/** Options of `sgd sweep`, as commander parses them. */
interface SweepFlags extends SourceLimits {
  grid: string[];
  seed: number;
  runs: number;
  workers: number;
  out: string;
  plot?: string;
  resume?: boolean;
  plugin: string[];
  queue?: QueueAddress;
  maxPayload: number;
  memoryLimit: number;
  maxSteps: number;
}

/** Adds the `sweep` command to the program. */
export function registerSweep(program: Command, io: Output): void {
  const command = withSourceLimitOptions(program.command('sweep'))
    .description('run a .sgd file over the cartesian grid of --grid values, writing a summary, each cell and plots')
    .argument('<file>', 'the .sgd file')
    .option('--grid <KEY=VALUES>', 'an axis: solve.OPTION, const.NAME or sample.batch = v1,v2,... | logspace(a, b, n) | linspace(a, b, n) (repeatable)', collect, [])
    .option('--seed <n>', 'seed of the instance and of the runs', parseSeed, 0)
    .option('--runs <R>', 'Monte Carlo runs per cell', parsePositiveInteger, 1)
    .addOption(new Option('--workers <W>', 'worker threads (results do not depend on it)').argParser(parsePositiveInteger).default(1))
    .requiredOption('--out <dir>', 'the new directory of summary.csv, summary.json, cells/ and plots')
    .option('--plot <metric>', 'plot this final metric against the grid')
    .option('--resume', 'continue an interrupted sweep in --out, skipping its finished cells (with --queue: re-attaching to its jobs left on the queue)')
    .option('--plugin <module>', 'load a plugin module (path or package; repeatable)', collect, [])
    .option('--memory-limit <size>', 'refuse before any work a sweep estimated to need more memory (e.g. 8GiB)', parseByteSize, DEFAULT_MEMORY_LIMIT)
    .option('--max-steps <n>', 'refuse before any work more solver steps than this over all cells and runs', parseStepCount, DEFAULT_MAX_STEPS);
  addQueueOptions(command).action((file: string, flags: SweepFlags) => sweepCommand(file, flags, io));
}

/** Zero-padded cell directory name. */
function cellName(cell: number, total: number): string {
  return String(cell).padStart(String(total - 1).length, '0');
}

/** The body of `sgd sweep`. */
async function sweepCommand(file: string, flags: SweepFlags, io: Output): Promise<void> {
  const started = performance.now();
  const axes = flags.grid.map(parseGridFlag);
  checkAxes(axes);
  const registry = await registryWith(flags.plugin);
  const base = loadProblem(file, registry, [], flags);
  checkAxesAgainstFile(file, base.source, axes);
  const cells = gridCells(axes);
  // Every cell is checked before any runs, so a bad value fails the sweep at once.
  const sources = cells.map((cell) => cellSource(file, base.source, axes, cell, registry));
  // Before any session is built: each draws its cell's instance.
  const logPoints = base.problem.report?.logPoints ?? DEFAULT_LOG_POINTS;
  const workers = Math.min(flags.workers, availableParallelism() * 4);
  const shape = { runs: flags.runs, workers, logPoints, metrics: base.problem.report?.metrics.length || registry.metrics.size };
  checkSweepLimits(file, sources.map((s) => s.problem), shape, { memory: flags.memoryLimit, steps: flags.maxSteps });
  const header = { file, seed: flags.seed, runs: flags.runs, grid: axes.map((a) => ({ key: a.key, values: a.values })) };
  let rows: SummaryRow[] = [];
  if (flags.resume) rows = [...readSummaryToResume(flags.out, header).rows];
  else {
    checkOutDir(flags.out);
    mkdirSync(join(flags.out, 'cells'), { recursive: true });
  }
  const done = new Set(rows.map((r) => r.cell));
  for (const { problem } of sources) await prepareKernelBackend(problem.solve?.options.backend as BackendChoice | undefined);
  const firstSession = createSession(sources[0].problem, registry, flags.seed, file);
  const metrics = firstSession.metrics.columns;
  if (flags.plot !== undefined && !metrics.includes(flags.plot)) throw new UserError(`--plot ${flags.plot}: error: not a metric of the runs; they record ${metrics.join(', ')}`);
  if (firstSession.metrics.warning) io.err(`${file}: warning: ${firstSession.metrics.warning}`);
  const runs = Array.from({ length: flags.runs }, (_, r) => r);
  const pending = cells.flatMap((_, c) => (done.has(c) ? [] : [c]));
  const tasks: CellTask[] = pending.map((c) => {
    const session = c === 0 ? firstSession : createSession(sources[c].problem, registry, flags.seed, file);
    return { cell: c, session, runs, job: { file, source: sources[c].source, seed: flags.seed, plugins: flags.plugin, logPoints, reference: session.reference } };
  });
  const sessions = new Map(tasks.map((t) => [t.cell, t.session]));
  const summary = (): SweepSummary => ({ ...header, metrics, rows: [...rows].sort((a, b) => a.cell - b.cell || a.run - b.run) });
  writeSummary(flags.out, summary());
  // With --queue, the queue's own bar (jobs done, running, failed) is drawn instead.
  const bar = process.stderr.isTTY && !flags.queue ? new SingleBar({ stream: process.stderr, format: 'sgd sweep [{bar}] {value}/{total} cells | eta {eta_formatted}', hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(cells.length, done.size);
  try {
    const { queue } = flags;
    const execute = (onCell: (cell: number, results: JobRunResult[]) => void): Promise<void> =>
      queue ? runCellsOnQueue(tasks, { address: queue, resume: flags.resume ?? false, maxPayload: flags.maxPayload, plugins: flags.plugin, io, command: 'sweep' }, onCell) : runCells(tasks, workers, onCell);
    await execute((cell, results) => {
      const session = sessions.get(cell);
      if (!session) throw new Error(`internal error: no session for cell ${cell}`);
      const cellDir = join(flags.out, 'cells', cellName(cell, cells.length));
      // A sweep stopped between writing a cell and its summary row left the cell: it is run again.
      rmSync(cellDir, { recursive: true, force: true });
      writeOutDir(cellDir, {
        'instance.json': instanceJsonPieces(session.problem, session.kernels.instance),
        'result.json': JSON.stringify({ grid: Object.fromEntries(axes.map((a, i) => [a.key, cells[cell][i]])), ...runDocument(session, foldRuns(results).summary(), aggregate(results), session.metrics.columns) }, null, 1),
      });
      rows.push(...cellRows(axes, cell, cells[cell], results));
      writeSummary(flags.out, summary());
      bar?.increment();
    });
  } finally {
    bar?.stop();
  }
  const final = summary();
  if (flags.plot !== undefined) {
    const plots: Record<string, string> = {};
    plots[`plot-${flags.plot}.svg`] = await sweepLines(final, flags.plot);
    if (axes.length >= 2) plots[`heatmap-${flags.plot}.svg`] = await sweepHeatMap(final, flags.plot);
    writeOutDir(join(flags.out, 'plots'), plots);
  }
  const seconds = (performance.now() - started) / 1000;
  const ran = tasks.length * flags.runs;
  const diverged = final.rows.filter((r) => r.status === 'diverged').length;
  io.out(
    `${file}: ${cells.length} cells × ${flags.runs} run${flags.runs > 1 ? 's' : ''} (${ran} run now, ${done.size} cells resumed), ${diverged} diverged; ` +
      `${seconds.toFixed(1)} s wall, ${ran > 0 ? ((seconds * 1000) / ran).toFixed(0) : '—'} ms per run, ${flags.queue ? `queue ${flags.queue.shown}` : `${workers} worker${workers > 1 ? 's' : ''}`}; summary in ${flags.out}/summary.csv`,
  );
}
