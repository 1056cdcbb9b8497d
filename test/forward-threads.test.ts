/**
 * Forward tracking on two threads (`forward-threads.ts`, `forward-worker.mjs`): the Jacobian's
 * columns of each step split between the main thread and a worker sharing the run's WebAssembly
 * memory give J bit for bit the same as one thread, after many steps, on least squares and on a
 * nonlinear problem with a minibatch, native functions and `pow`; the worker stays out where it
 * cannot help (a plugin's JavaScript function in the kernel, small work per step with `threads = 0`),
 * and a run that ends stops it while its trackers go on alone.
 */
import { ContainerModule } from 'inversify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  FUNCTIONS,
  FORWARD_THREADS_THRESHOLD,
  ForwardSplit,
  ForwardTracker,
  forwardKernelWork,
  type ForwardThread,
  loadBinaryen,
  setKernelBackend,
  Stepper,
  type ElementwiseFunction,
  type ForwardThreads,
  type PluginRegistry,
} from '@sgdiff/core';
import { checkEnvironment, createSession, type RunSession } from '@sgdiff/cli';
import { compileSgd } from '@sgdiff/dsl';
import { defaultRegistry } from '@sgdiff/plugins';

const SEED = 3;

function session(lines: string[], registry: PluginRegistry = defaultRegistry()): RunSession {
  const { problem, diagnostics } = compileSgd([...lines, ''].join('\n'), 'threads.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(diagnostics.map((d) => d.message).join('; '));
  return createSession(problem, registry, SEED, 'threads.sgd');
}

const leastSquares = (n: number, d: number): string[] => [
  `dim n = ${n}`,
  `dim d = ${d}`,
  'data A : R[n, d] ~ normal(0, 1)',
  'param theta : R[n] ~ normal(0, 1)',
  'var x : R[d] ~ normal(0, 1)',
  'sample i ~ uniform(n)',
  'minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2',
  `solve sgd { step = ${0.4 / d}  track = forward  backend = wasm }`,
];

/** Weighted logistic loss with a smooth non-quadratic term (its derivative calls `pow`), minibatches of 3. */
const nonlinear = [
  'dim n = 30',
  'dim d = 11',
  'data X : R[n, d] ~ normal(0, 0.5)',
  'data y : R[n] ~ normal(0, 1)',
  'param a : R[n] ~ uniform(0.5, 1.5)',
  'var w : R[d] ~ normal(0, 0.1)',
  'sample i ~ uniform(n, batch = 3)',
  'minimize f(w, a; i) = a[i] * softplus(-y[i] * (X[i] . w)) + 0.01 * (1 + norm2(w))^1.5 + 0.05 * sigmoid(X[i] . w)',
  'solve sgd { step = 0.3  track = forward  backend = wasm }',
];

/** One trajectory: its stepper and tracker (on `threads`), stepped as `runSolver` steps it. */
function trajectory(s: RunSession, threads: ForwardThreads) {
  const stepper = new Stepper(s.program, s.kernels, s.reference, SEED, 0, s.problem.builder.functions);
  const tracker = new ForwardTracker(stepper, threads);
  let k = 0;
  return {
    stepper,
    tracker,
    steps(count: number): void {
      for (let end = k + count; k < end; k++) {
        stepper.prepare(k);
        tracker.update();
        stepper.advance();
      }
    },
  };
}

/** Resolves once the tracker's worker has started (it starts without blocking the run). */
async function workerReady(tracker: ForwardTracker): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!tracker.split!.ready) {
    if (Date.now() > deadline) throw new Error('the forward-tracking worker did not start within 20 s');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The doubles' bit patterns, so that equality is bit for bit (NaN and −0 included). */
const bits = (a: Float64Array): BigUint64Array => new BigUint64Array(Float64Array.from(a).buffer);

/**
 * Runs `steps` on one thread and on two, in the same run memory, and returns both. The first half
 * of the steps waits for the worker's whole range (`stealing` off: the worker computes columns
 * [⌈P/2⌉, P) of every one of those steps), the second half runs as a run does.
 */
async function oneAndTwo(s: RunSession, steps: number) {
  const one = trajectory(s, 1);
  const two = trajectory(s, 2);
  expect(one.tracker.split).toBeUndefined();
  const split = two.tracker.split!;
  expect(split).toBeDefined();
  expect(split.timed).toBe(false);
  await workerReady(two.tracker);
  one.steps(steps);
  split.stealing = false;
  two.steps(steps / 2);
  expect(split.sharedSteps).toBe(steps / 2);
  split.stealing = true;
  two.steps(steps / 2);
  return { one, two };
}

beforeAll(loadBinaryen);
afterAll(() => setKernelBackend(undefined));

describe('forward tracking on two threads', () => {
  it('gives the bits of one thread on least squares after 400 steps, the worker computing half the columns of 200', async () => {
    const s = session(leastSquares(64, 12));
    const { one, two } = await oneAndTwo(s, 400);
    expect(bits(two.tracker.stateJacobian())).toEqual(bits(one.tracker.stateJacobian()));
    expect(bits(two.stepper.s)).toEqual(bits(one.stepper.s));
    // Not a trivially equal pair: J moved away from zero in every column.
    const J = one.tracker.jacobian();
    for (let p = 0; p < 64; p++) expect(Math.max(...J.subarray(p * 12, (p + 1) * 12).map(Math.abs))).toBeGreaterThan(1e-6);
  });

  it('gives the bits of one thread on a nonlinear problem with minibatches, native functions and pow', async () => {
    const s = session(nonlinear);
    // The forward kernel imports Math.pow from JavaScript, which the worker rebuilds.
    expect(s.program.forward.source).toMatch(/\(import "env" "pow"/);
    const { one, two } = await oneAndTwo(s, 300);
    expect(bits(two.tracker.stateJacobian())).toEqual(bits(one.tracker.stateJacobian()));
    expect(bits(two.stepper.s)).toEqual(bits(one.stepper.s));
    expect(Math.max(...one.tracker.jacobian().map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('goes on alone, with the same bits, once the run has ended and stopped its worker', async () => {
    const s = session(leastSquares(20, 6));
    const { one, two } = await oneAndTwo(s, 50);
    setKernelBackend(undefined);
    expect(two.tracker.split!.ready).toBe(false);
    const shared = two.tracker.split!.sharedSteps;
    one.steps(50);
    two.steps(50);
    expect(two.tracker.split!.sharedSteps).toBe(shared);
    expect(bits(two.tracker.stateJacobian())).toEqual(bits(one.tracker.stateJacobian()));
  });

  it('stays on one thread when the forward kernel calls a JavaScript function (a plugin’s), with threads = 2', () => {
    const cube: ElementwiseFunction = { name: 'cube', doc: 'z³.', evaluate: (z) => z * z * z, derivative: (b, z) => b.mul(b.const(3), b.mul(z, z)) };
    const registry = defaultRegistry([new ContainerModule(({ bind }) => void bind(FUNCTIONS).toConstantValue(cube))]);
    const s = session(
      ['dim n = 8', 'data A : R[n, 3] ~ normal(0, 1)', 'param theta : R[n] ~ normal(0, 1)', 'var x : R[3] = 0', 'sample i ~ uniform(n)', 'minimize f(x, theta; i) = 0.25 * cube(A[i] . x - theta[i]) ^ 2', 'solve sgd { step = 0.01  track = forward  backend = wasm }'],
      registry,
    );
    expect(s.program.forward.source).toMatch(/\(import "env" "f\d+"/);
    const two = trajectory(s, 2);
    expect(two.tracker.split).toBeUndefined();
    two.steps(20);
    expect(Number.isFinite(two.tracker.jacobian()[0])).toBe(true);
  });

  it('on auto (threads = 0), splits by the work per step: not at n = 100, d = 50, from n = 1000, d = 200', () => {
    const small = session(leastSquares(100, 50));
    // Least squares' forward column: t copied to out, the dot product a·t and the update of out (d each), plus a few scalars.
    const work = forwardKernelWork(small.program.forward.loops, 1);
    expect(work).toBeGreaterThanOrEqual(3 * 50);
    expect(work).toBeLessThan(3 * 50 + 10);
    expect(100 * work).toBeLessThan(FORWARD_THREADS_THRESHOLD);
    expect(trajectory(small, 0).tracker.split).toBeUndefined();
    const large = session(leastSquares(1000, 200));
    expect(1000 * forwardKernelWork(large.program.forward.loops, 1)).toBeGreaterThanOrEqual(FORWARD_THREADS_THRESHOLD);
    expect(trajectory(large, 0).tracker.split?.timed).toBe(true);
  });
});

describe('auto times two threads against one', () => {
  /** A thread stand-in that is always ready and counts the steps posted to it. */
  const thread = (): ForwardThread & { posted: number } => {
    const stub = { half: 1, ready: true, posted: 0, post: () => void stub.posted++, complete: () => true, stop: () => undefined };
    return stub as unknown as ForwardThread & { posted: number };
  };
  /** Steps `split` through `steps` steps with a clock that advances `two` or `one` ms per step, by whether the step was split. */
  function run(split: ForwardSplit, steps: number, two: number, one: number): void {
    let clock = 0;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      for (let k = 0; k < steps; k++) {
        const shared = split.begin(0, 0, 0, 1, 0, 0, 0);
        if (shared) split.finish(() => undefined);
        clock += shared ? two : one;
      }
    } finally {
      now.mockRestore();
    }
  }

  // A cycle: a window of 32 steps on two threads, one of 32 on one, then 32 windows (1024 steps) on the faster.
  it('runs on two threads when a window of them took less than 0.95 of a window on one', () => {
    const t = thread();
    const split = new ForwardSplit(t, true);
    run(split, 32 + 32 + 1024, 0.9, 1);
    expect(t.posted).toBe(32 + 1024);
    expect(split.sharedSteps).toBe(t.posted);
  });

  it('runs on one thread otherwise, and times both again after 32 windows', () => {
    const t = thread();
    const split = new ForwardSplit(t, true);
    run(split, 32 + 32 + 1024 + 32 + 1, 0.96, 1);
    // The two windows on two threads (the second cycle's), then its first step on one.
    expect(t.posted).toBe(32 + 32);
  });

  it('with threads = 2 splits every step', () => {
    const t = thread();
    run(new ForwardSplit(t, false), 500, 2, 1);
    expect(t.posted).toBe(500);
  });
});
