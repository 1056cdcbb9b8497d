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
  const steps = shape.runs * iterations;
  if (steps > limits.steps) {
    throw new UserError(
      `${file}: error: ${shape.runs} runs × ${iterations} iterations = ${steps.toExponential(2)} solver steps, over the limit of ${limits.steps.toExponential(2)}; ` +
        `raise it with --max-steps ${steps.toExponential(0).replace('e+', 'e')}, or lower --runs or iterations`,
    );
  }
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

/** Parses a step count: a positive integer, in digits or as `1e10`. */
export function parseStepCount(value: string): number {
  const count = /^\s*\d+(\.\d+)?(e\d+)?\s*$/i.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(count) || count < 1) throw new InvalidArgumentError('expected a positive integer such as 1000000 or 1e10');
  return count;
}
