/**
 * What a run will hold in memory, estimated from the lowered problem and the flags before
 * anything is drawn or allocated: the data, params and iterate of every session (the main
 * thread's and each worker's), the tracked Jacobian, reverse mode's stored iterates or
 * checkpoints, implicit mode's dense Hessian, the reference, and every run's trace values (kept
 * for the exact quantiles; the runs themselves are folded as they complete). Each part counts the arrays the run loop
 * allocates for it (8 bytes a double, 4 an index), so the total is a lower bound of what the
 * process needs, not a bound of it; what it refuses certainly does not fit.
 */
import { denseReferenceBytes, resolveReferenceMode, sizeOf, type Problem, type ReferenceOption } from '@sgdiff/core';

/** One part of the estimate. */
export interface MemoryPart {
  /** What it is, for messages (`data`, `reverse-mode tape`, ...). */
  readonly what: string;
  /** Its bytes. */
  readonly bytes: number;
  /** Whether it lives as long as the session (the instance and the reference) rather than while the runs execute. */
  readonly session: boolean;
}

/** The estimate: its parts, largest first, and their sum. */
export interface MemoryEstimate {
  /** Parts with a nonzero size, largest first. */
  readonly parts: readonly MemoryPart[];
  /** Their sum in bytes. */
  readonly total: number;
}

/** What the run was asked for on the command line. */
export interface RunShape {
  /** Monte Carlo runs. */
  readonly runs: number;
  /** Worker threads asked for. */
  readonly workers: number;
  /** Metric columns of the trace (an upper bound is fine). */
  readonly metrics: number;
  /** Log-spaced record points asked for (`report every log N`, or the default). */
  readonly logPoints: number;
}

/** Bytes of a stored iterate besides its doubles: the typed arrays' headers (state, batch, step-size inputs). */
const ITERATE_OVERHEAD = 256;

/** The estimate of a run of `problem` (which must have a solve block) with `shape`. */
export function estimateRunMemory(problem: Problem, shape: RunShape): MemoryEstimate {
  const options = problem.solve?.options ?? {};
  const iterations = Number(options.iterations ?? 0);
  const track = String(options.track ?? 'none');
  const vars = problem.tensors.filter((t) => t.kind === 'var');
  const D = vars.reduce((total, t) => total + sizeOf(t.shape), 0);
  const P = problem.tensors.filter((t) => t.kind === 'param').reduce((total, t) => total + sizeOf(t.shape), 0);
  const entries = problem.tensors.reduce((total, t) => total + sizeOf(t.shape), 0);
  const batch = problem.sample?.batch ?? 0;
  // Every worker draws its own instance; with one worker (or one run) the main thread runs alone.
  const sessions = shape.workers > 1 && shape.runs > 1 ? 1 + Math.min(shape.workers, shape.runs) : 1;
  const concurrent = sessions > 1 ? sessions - 1 : 1;
  const jacobian = 8 * D * P;
  const perIterate = 8 * D + 4 * batch + ITERATE_OVERHEAD;
  const reference = resolveReferenceMode(String(options.reference ?? 'automatic') as ReferenceOption, D, Number(options.reference_budget ?? Infinity));
  // The record schedule has at most this many distinct iterations (logSchedule).
  const records = Math.min(shape.logPoints, iterations + 1);
  const parts: MemoryPart[] = [
    { what: `data, params and iterate (${entries} doubles × ${sessions} session${sessions > 1 ? 's' : ''})`, bytes: 8 * entries * sessions, session: true },
    { what: 'tracked Jacobian ∂θx_k (D×P, with its update)', bytes: track === 'none' ? 0 : 2 * jacobian * concurrent, session: false },
    {
      what: options.checkpoint === 'sqrt' ? 'reverse-mode checkpoints (2⌈√t⌉ iterates)' : 'reverse-mode tape (every iterate)',
      bytes: track !== 'reverse' ? 0 : (options.checkpoint === 'sqrt' ? 2 * Math.ceil(Math.sqrt(iterations)) : iterations + 1) * perIterate * concurrent,
      session: false,
    },
    { what: 'implicit-mode dense Hessian and factor (2·D²)', bytes: track === 'implicit' && options.linear_solver !== 'cg' ? 16 * D * D * concurrent : 0, session: false },
    { what: 'exact reference (dense Hessian and factorization, 32·D², and ∂θx*)', bytes: reference === 'exact' ? denseReferenceBytes(D) + jacobian : 0, session: true },
    {
      // Runs are folded as they complete (run-fold.ts), but exact quantiles keep every run's value.
      what: `trace values kept for the quantiles (${shape.runs} runs × ${records} records × ${shape.metrics} metrics)`,
      bytes: 8 * (shape.runs + 1) * records * (shape.metrics + 1),
      session: false,
    },
    { what: 'mean of the runs’ ∂θx_t (D×P)', bytes: track === 'none' ? 0 : jacobian, session: false },
  ];
  const nonzero = parts.filter((p) => p.bytes > 0).sort((a, b) => b.bytes - a.bytes);
  return { parts: nonzero, total: nonzero.reduce((total, p) => total + p.bytes, 0) };
}
