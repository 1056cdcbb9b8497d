/**
 * The limits `sgd run` checks before any work: the memory the run will hold, the steps it will
 * take over all runs, and the size of what it writes. Each has a default and a flag that
 * raises it, and a refusal names the limit, the estimate and the flag (docs/cli.md, "Limits
 * and guarantees").
 */
import { InvalidArgumentError } from 'commander';
import { sizeOf, type Problem } from '@sgdiff/core';
import { formatByteSize, sizeFlagAbove } from '../byte-size.ts';
import { UserError } from '../errors.ts';
import { estimateRunMemory, type RunShape } from './memory-estimate.ts';

/** Default of `--memory-limit`: the estimated memory of the whole run. */
export const DEFAULT_MEMORY_LIMIT = 4 * 2 ** 30;

/** Default of `--max-steps`: solver steps over all runs (runs × iterations). */
export const DEFAULT_MAX_STEPS = 1e9;

/** Default of `--max-output`: the estimated bytes of the files written (`--out`) or printed (`--json`). */
export const DEFAULT_MAX_OUTPUT = 4 * 2 ** 30;

/** Characters a number takes in JSON or CSV, with its separator (`-1.2345678901234567e-10,`). */
const NUMBER_BYTES = 24;

/** The limits of one run, in bytes and steps. */
export interface RunLimits {
  /** `--memory-limit`. */
  readonly memory: number;
  /** `--max-steps`. */
  readonly steps: number;
  /** `--max-output`. */
  readonly output: number;
}

/** What the run writes: the files of `--out`, and `result.json` on stdout with `--json`. */
export interface RunWrites {
  /** `--out DIR` was given. */
  readonly out: boolean;
  /** `--json` was given. */
  readonly json: boolean;
}

/** The bytes of each output, estimated from the numbers it holds. */
function outputSizes(problem: Problem, shape: RunShape, writes: RunWrites): Array<{ file: string; bytes: number; what: string }> {
  const options = problem.solve?.options ?? {};
  const iterations = Number(options.iterations ?? 0);
  const D = problem.tensors.filter((t) => t.kind === 'var').reduce((total, t) => total + sizeOf(t.shape), 0);
  const P = problem.tensors.filter((t) => t.kind === 'param').reduce((total, t) => total + sizeOf(t.shape), 0);
  const entries = problem.tensors.reduce((total, t) => total + sizeOf(t.shape), 0);
  const rows = Math.min(shape.logPoints, iterations + 1);
  // x, x*, the run's Jacobian and the reference's: the numbers result.json holds.
  const jacobians = options.track === 'none' ? 1 : 2;
  const files = [
    { file: 'instance.json', bytes: writes.out ? NUMBER_BYTES * entries : 0, what: `${entries} data, param and var entries` },
    { file: 'trace.csv', bytes: writes.out ? NUMBER_BYTES * rows * (1 + 3 * shape.metrics) : 0, what: `${rows} rows × ${shape.metrics} metrics` },
    { file: 'result.json', bytes: writes.out || writes.json ? NUMBER_BYTES * (2 * D + P + jacobians * D * P) : 0, what: `up to ${jacobians} Jacobians of ${D}×${P} entries` },
  ];
  return files.filter((f) => f.bytes > 0);
}

/**
 * Throws a {@link UserError} when the run of `problem` with `shape` would exceed a limit:
 * memory, steps or output, checked in that order; each message names the estimate, the limit
 * and the flag that raises it.
 */
export function checkRunLimits(file: string, problem: Problem, shape: RunShape, writes: RunWrites, limits: RunLimits): void {
  const memory = estimateRunMemory(problem, shape);
  if (memory.total > limits.memory) {
    // The parts that matter: 1% of the total or more.
    const parts = memory.parts.filter((p) => p.bytes >= memory.total / 100).map((p) => `${p.what}: ${formatByteSize(p.bytes)}`).join('; ');
    throw new UserError(
      `${file}: error: the run needs an estimated ${formatByteSize(memory.total)} of memory, over the limit of ${formatByteSize(limits.memory)} (${parts}); ` +
        `raise the limit with --memory-limit ${sizeFlagAbove(memory.total)} if the machine has it, or make the problem smaller`,
    );
  }
  const iterations = Number(problem.solve?.options.iterations ?? 0);
  checkSteps(file, `${shape.runs} runs × ${iterations} iterations`, shape.runs * iterations, limits.steps);
  const outputs = outputSizes(problem, shape, writes);
  const total = outputs.reduce((sum, f) => sum + f.bytes, 0);
  if (total > limits.output) {
    const parts = outputs.filter((f) => f.bytes >= total / 100).map((f) => `${f.file}: ${formatByteSize(f.bytes)} (${f.what})`).join('; ');
    throw new UserError(
      `${file}: error: the run would write an estimated ${formatByteSize(total)}, over the output limit of ${formatByteSize(limits.output)} (${parts}); ` +
        `raise it with --max-output ${sizeFlagAbove(total)}`,
    );
  }
}

/** Throws a {@link UserError} when `steps` (worded as `how`) exceed `limit`, naming `--max-steps`. */
function checkSteps(file: string, how: string, steps: number, limit: number): void {
  if (steps <= limit) return;
  // The flag value to quote: the step count rounded up to one significant digit.
  const magnitude = 10 ** Math.floor(Math.log10(steps));
  const suggested = `${Math.ceil(steps / magnitude)}e${Math.log10(magnitude)}`;
  throw new UserError(
    `${file}: error: ${how} = ${steps.toExponential(2)} solver steps, over the limit of ${limit.toExponential(2)}; raise it with --max-steps ${suggested}, or lower --runs or iterations`,
  );
}

/**
 * Throws a {@link UserError} when a sweep over `problems` (one per cell, each run `shape.runs`
 * times) would exceed the memory or steps limit. Every cell's session is built before the first
 * run, so all the instances and references are alive together; the runs' own memory is that of
 * the largest cell, times the cells running at once (`shape.workers`).
 */
export function checkSweepLimits(file: string, problems: readonly Problem[], shape: RunShape, limits: Pick<RunLimits, 'memory' | 'steps'>): void {
  const estimates = problems.map((problem) => estimateRunMemory(problem, { ...shape, workers: 1 }));
  const sessions = estimates.reduce((total, e) => total + e.parts.filter((p) => p.session).reduce((sum, p) => sum + p.bytes, 0), 0);
  const largestRuns = Math.max(0, ...estimates.map((e) => e.parts.filter((p) => !p.session).reduce((sum, p) => sum + p.bytes, 0)));
  const concurrent = Math.min(Math.max(1, shape.workers), problems.length);
  const total = sessions + concurrent * largestRuns;
  if (total > limits.memory) {
    throw new UserError(
      `${file}: error: the sweep needs an estimated ${formatByteSize(total)} of memory, over the limit of ${formatByteSize(limits.memory)} ` +
        `(the ${problems.length} cells' instances and references: ${formatByteSize(sessions)}; the runs of ${concurrent} cell${concurrent > 1 ? 's' : ''} at once: ${formatByteSize(concurrent * largestRuns)}); ` +
        `raise the limit with --memory-limit ${sizeFlagAbove(total)} if the machine has it, or sweep fewer cells`,
    );
  }
  const steps = problems.reduce((total, p) => total + shape.runs * Number(p.solve?.options.iterations ?? 0), 0);
  checkSteps(file, `${problems.length} cells × ${shape.runs} runs × their iterations`, steps, limits.steps);
}

/** Parses a step count: a positive integer, in digits or as `1e10`. */
export function parseStepCount(value: string): number {
  const count = /^\s*\d+(\.\d+)?(e\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidArgumentError('expected a positive integer such as 1000000 or 1e10');
  return count;
}
