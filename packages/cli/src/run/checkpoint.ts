/**
 * Checkpoints of `sgd run --out DIR`, for `--resume`: the results of the Monte Carlo runs
 * completed so far, in run order, one JSON line each in `.DIR.checkpoint/runs.jsonl` next to DIR
 * (beside the staging directories of out-dir.ts), flushed at most every few seconds, with
 * `header.json` naming the run they belong to. A resumed run folds the logged results exactly as
 * it folded them the first time (number arrays as the base64 of their float64 bytes, so exactly) and
 * runs the rest, so its outputs are the same bytes as an uninterrupted run's. A killed write
 * leaves at most one incomplete last line, which is dropped and its run done again.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { UserError } from '../errors.ts';
import type { RunCheckpoint } from '@sgdiff/core';
import type { JobRunResult, MidRunCheckpoints, RunJob } from './job.ts';
import { MANIFEST } from './out-dir.ts';

/**
 * Default seconds between two flushes of the completed runs (`--checkpoint`).
 * @category CLI
 */
export const DEFAULT_CHECKPOINT_SECONDS = 10;

/**
 * `--checkpoint SECONDS`: a positive finite number.
 * @category CLI
 */
export function parseCheckpointSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('expected a positive number of seconds');
  return seconds;
}

/**
 * The sibling directory holding DIR's checkpoint.
 * @category CLI
 */
export function checkpointDir(out: string): string {
  const target = resolve(out);
  return join(dirname(target), `.${basename(target)}.checkpoint`);
}

/**
 * Whether DIR is a complete `--out` directory (it has its manifest, written last).
 * @category CLI
 */
export function isCompleteOutDir(out: string): boolean {
  return existsSync(join(resolve(out), MANIFEST));
}

/**
 * Removes DIR's checkpoint, if any.
 * @category CLI
 */
export function removeCheckpoint(out: string): void {
  rmSync(checkpointDir(out), { recursive: true, force: true });
}

/** What a checkpoint belongs to: the checked source (with `--set`), seed, runs, plugins, record points and `--set param` entries. */
function identity(job: RunJob, runs: number): string {
  const key = JSON.stringify({ source: job.source, seed: job.seed, runs, plugins: job.plugins, logPoints: job.logPoints, paramEntries: job.paramEntries ?? [] });
  return createHash('sha256').update(key).digest('hex');
}

/** Float64 values as base64 of their bytes: exact (NaN, ±∞ and −0 included) and about half the size of decimal text. */
function bytesOf(values: ArrayLike<number>): string {
  return Buffer.from(Float64Array.from(values).buffer).toString('base64');
}

function valuesOf(base64: string): Float64Array {
  const bytes = Buffer.from(base64, 'base64');
  // Copied to an aligned buffer: Node's pooled Buffers may start at any byte offset.
  return new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Float64Arrays and arrays of numbers in a result, as JSON holds them exactly; other numbers are finite here (counts, iterations) or encoded by name. */
function encode(_key: string, value: unknown): unknown {
  if (value instanceof Float64Array) return { f64: bytesOf(value) };
  if (Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'number')) return { numbers: bytesOf(value as number[]) };
  if (typeof value === 'number' && !Number.isFinite(value)) return { number: String(value) };
  return value;
}

function decode(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  if (keys.length !== 1) return value;
  const v = value as { f64?: unknown; numbers?: unknown; number?: unknown };
  if (typeof v.f64 === 'string') return valuesOf(v.f64);
  if (typeof v.numbers === 'string') return Array.from(valuesOf(v.numbers));
  if (typeof v.number === 'string') return Number(v.number);
  return value;
}

/**
 * The checkpoint log of one `sgd run --out DIR`: results are appended as the fold takes them
 * and flushed every `seconds` (and at the end), so a kill loses at most those seconds of runs.
  * @category CLI
 */
export class CheckpointLog {
  private readonly path: string;
  private pending: string[] = [];
  private lastFlush = performance.now();
  private lastPartial = performance.now();

  private constructor(
    private readonly dir: string,
    private readonly seconds: number,
  ) {
    this.path = join(dir, 'runs.jsonl');
  }

  /** A fresh checkpoint for `job` (any older one of DIR is removed). */
  static start(out: string, job: RunJob, runs: number, seconds: number): CheckpointLog {
    const dir = checkpointDir(out);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const header = join(dir, 'header.json');
    writeFileSync(`${header}.tmp`, `${JSON.stringify({ identity: identity(job, runs), file: job.file, seed: job.seed, runs })}\n`);
    renameSync(`${header}.tmp`, header);
    writeFileSync(join(dir, 'runs.jsonl'), '');
    return new CheckpointLog(dir, seconds);
  }

  /**
   * Opens DIR's checkpoint to continue it: the results it holds, in run order (an incomplete
   * last line, from a kill during a flush, is cut off), and the mid-run state of the next run
   * when one was saved. Refused when there is none or it is of
   * another file, seed, run count or `--set`.
   */
  static resume(out: string, job: RunJob, runs: number, seconds: number): { log: CheckpointLog; results: JobRunResult[]; partial?: { run: number; state: RunCheckpoint } } {
    const dir = checkpointDir(out);
    const header = join(dir, 'header.json');
    if (!existsSync(header)) throw new UserError(`--resume: error: ${out} has no checkpoint to resume (${dir} is missing; run without --resume)`);
    let saved: { identity?: string };
    try {
      saved = JSON.parse(readFileSync(header, 'utf8')) as { identity?: string };
    } catch (error) {
      throw new UserError(`--resume: error: ${header} does not parse: ${(error as Error).message}`);
    }
    if (saved.identity !== identity(job, runs)) throw new UserError(`--resume: error: ${out}'s checkpoint is of another file, seed, run count or --set`);
    const path = join(dir, 'runs.jsonl');
    const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
    const results: JobRunResult[] = [];
    let kept = 0;
    for (const line of text.split('\n')) {
      // Only complete lines (newline-terminated) of the next run count.
      if (kept + line.length + 1 > text.length) break;
      let entry: { run: number; result: JobRunResult };
      try {
        entry = JSON.parse(line, decode) as { run: number; result: JobRunResult };
      } catch {
        break;
      }
      if (entry.run !== results.length) break;
      results.push(entry.result);
      kept += line.length + 1;
    }
    if (existsSync(path)) truncateSync(path, Buffer.byteLength(text.slice(0, kept)));
    return { log: new CheckpointLog(dir, seconds), results, partial: partialRun(dir, results.length) };
  }

  /**
   * Mid-run checkpoints for the runs executed in the main thread: a capture every `every`
   * iterations is offered, and taken (with the completed runs flushed first, so the log holds
   * every run before it) when `seconds` have passed since the last; `partial.json` is replaced
   * atomically.
   */
  midRun(every: number, resume?: MidRunCheckpoints['resume']): MidRunCheckpoints {
    return {
      every,
      ...(resume ? { resume } : {}),
      save: (run, capture) => {
        if (performance.now() - this.lastPartial < this.seconds * 1000) return;
        this.flush();
        const path = join(this.dir, 'partial.json');
        writeFileSync(`${path}.tmp`, JSON.stringify({ run, state: capture() }, encode));
        renameSync(`${path}.tmp`, path);
        this.lastPartial = performance.now();
      },
    };
  }

  /** Logs run `run`'s result; flushes when `seconds` have passed since the last flush. */
  add(run: number, result: JobRunResult): void {
    // The fixed point is only read by SID inside the run; the rest is what the fold takes.
    const { fixedPoint: _fixedPoint, ...kept } = result;
    this.pending.push(`${JSON.stringify({ run, result: kept }, encode)}\n`);
    if (performance.now() - this.lastFlush >= this.seconds * 1000) this.flush();
  }

  /** Appends the pending lines. */
  flush(): void {
    if (this.pending.length > 0) appendFileSync(this.path, this.pending.join(''));
    this.pending = [];
    this.lastFlush = performance.now();
  }

  /** Removes the checkpoint once DIR is complete. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The mid-run state of run `next` in `partial.json`, if that is the run it holds. */
function partialRun(dir: string, next: number): { run: number; state: RunCheckpoint } | undefined {
  const path = join(dir, 'partial.json');
  if (!existsSync(path)) return undefined;
  try {
    const partial = JSON.parse(readFileSync(path, 'utf8'), decode) as { run: number; state: RunCheckpoint };
    return partial.run === next ? partial : undefined;
  } catch {
    // Written under a temporary name and renamed: it parses unless damaged by something else; the run then starts again.
    return undefined;
  }
}
