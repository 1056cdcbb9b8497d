/**
 * The sweep's summary: one row per cell and run, with the grid values, the run index, the status,
 * the iteration it stopped at and every final metric. Rewritten (atomically) after every cell, so
 * an interrupted sweep leaves a summary of its finished cells that parses.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JobRunResult } from '../run/job.ts';
import { UserError } from '../errors.ts';
import type { GridAxis, GridCell } from './grid.ts';

/** One row of the summary. */
export interface SummaryRow {
  /** The cell's index in the grid. */
  readonly cell: number;
  /** The grid values by key. */
  readonly grid: Readonly<Record<string, number>>;
  /** The run index. */
  readonly run: number;
  /** `complete`, or `diverged` when an iterate stopped being finite. */
  readonly status: 'complete' | 'diverged';
  /** Where the run stopped: the iterations done, or the iteration it diverged at. */
  readonly iteration: number;
  /** The last recorded value of each metric (null when not finite, not recorded, or the run diverged). */
  readonly final: Readonly<Record<string, number | null>>;
}

/** The whole summary (summary.json). */
export interface SweepSummary {
  /** The file swept. */
  readonly file: string;
  /** The seed of the instance. */
  readonly seed: number;
  /** Runs per cell. */
  readonly runs: number;
  /** The grid's axes. */
  readonly grid: ReadonlyArray<{ readonly key: string; readonly values: readonly number[] }>;
  /** The final metrics' names, in column order. */
  readonly metrics: readonly string[];
  /** Rows of the finished cells, by cell then run. */
  readonly rows: readonly SummaryRow[];
}

/** The rows of one finished cell. */
export function cellRows(axes: readonly GridAxis[], cell: number, values: GridCell, results: readonly JobRunResult[]): SummaryRow[] {
  const grid = Object.fromEntries(axes.map((a, i) => [a.key, values[i]]));
  return results.map((result, run) => {
    const final: Record<string, number | null> = {};
    for (const [metric, series] of Object.entries(result.trace.metrics)) {
      const last = series.length > 0 ? series[series.length - 1] : NaN;
      // A diverged run has no final value: its last record is a blow-up in progress.
      final[metric] = Number.isFinite(last) && !result.divergence ? last : null;
    }
    return result.divergence
      ? { cell, grid, run, status: 'diverged', iteration: result.divergence.iteration, final }
      : { cell, grid, run, status: 'complete', iteration: result.iterations, final };
  });
}

/** summary.csv: grid keys, `run`, `status`, `iteration`, then the final metrics; empty cells for missing values. */
export function summaryCsv(summary: SweepSummary): string {
  const header = [...summary.grid.map((a) => a.key), 'run', 'status', 'iteration', ...summary.metrics];
  const lines = summary.rows.map((row) =>
    [...summary.grid.map((a) => String(row.grid[a.key])), String(row.run), row.status, String(row.iteration), ...summary.metrics.map((m) => (row.final[m] ?? '') + '')].join(','),
  );
  return [header.join(','), ...lines].join('\n') + '\n';
}

function writeAtomically(path: string, text: string): void {
  writeFileSync(`${path}.tmp`, text);
  renameSync(`${path}.tmp`, path);
}

/** Writes summary.json and summary.csv into `dir`, each replaced in one rename. */
export function writeSummary(dir: string, summary: SweepSummary): void {
  // summary.json is what --resume reads, so it is written last: a sweep killed between the two
  // files leaves a CSV one cell ahead, and that cell is run again.
  writeAtomically(join(dir, 'summary.csv'), summaryCsv(summary));
  writeAtomically(join(dir, 'summary.json'), JSON.stringify(summary, null, 1));
}

/** The summary an earlier, interrupted sweep left in `dir`, checked against this sweep's grid, file, seed and runs. */
export function readSummaryToResume(dir: string, expected: Omit<SweepSummary, 'rows' | 'metrics'>): SweepSummary {
  const path = join(dir, 'summary.json');
  if (!existsSync(path)) throw new UserError(`--resume: error: ${dir} has no summary.json to resume`);
  let summary: SweepSummary;
  try {
    summary = JSON.parse(readFileSync(path, 'utf8')) as SweepSummary;
  } catch (error) {
    throw new UserError(`--resume: error: ${path} does not parse: ${(error as Error).message}`);
  }
  const same = summary.file === expected.file && summary.seed === expected.seed && summary.runs === expected.runs && JSON.stringify(summary.grid) === JSON.stringify(expected.grid);
  if (!same) throw new UserError(`--resume: error: ${dir} holds a sweep of another file, seed, run count or grid`);
  return summary;
}
