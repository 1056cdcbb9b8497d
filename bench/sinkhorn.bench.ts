/**
 * Sinkhorn iterations per second at n = m = 1000 (ε = 0.05 on a grid of [0, 1]): the framework's
 * step (`Stepper.prepare` + `advance` with the compiled `sinkhorn` step map, built the way
 * `sgd run` builds it) against a hand-written log-domain loop of the same two block updates and
 * balanced gauge on Float64Arrays, as a ratio in one run, plus the bytes each step allocates.
 * The iterates are checked to agree before timing.
 */
import { runSolver, Stepper, type PluginRegistry, type Problem } from '@sgdiff/core';
import { createSession, hypergradientObserver, runSpec } from '@sgdiff/cli';
import { compileBenchProblem } from './compile-problem.ts';
import { defaultRegistry } from '@sgdiff/plugins';
import { bytesPerCall, calibrateAllocation } from './allocation.ts';
import { compare } from './timing.ts';

const SEED = 1;
const EPSILON = 0.05;
/** Steps both implementations run before their iterates are compared. */
const CHECK_STEPS = 20;

/** The entropic dual on two grids of [0, 1], `reference = none` (the bench times steps only). */
export function otProblem(n: number, m: number, registry: PluginRegistry, solve: string): Problem {
  return compileBenchProblem(
    [
      `dim n = ${n}`,
      `dim m = ${m}`,
      `const eps = ${EPSILON}`,
      'data X : R[n, 1] from grid(lo = 0, hi = 1)',
      'data Y : R[m, 1] from grid(lo = 0, hi = 1)',
      'data C : R[n, m] = sqdist(X, Y)',
      'data ahat : R[n] ~ uniform(0, 1)',
      'data bhat : R[m] ~ uniform(0, 1)',
      'param a : R[n] = ahat / sum(ahat)',
      'data b : R[m] = bhat / sum(bhat)',
      'var f : R[n] = 0',
      'var g : R[m] = 0',
      'minimize L(f, g, a) = f . a + g . b + eps * exp(logsumexp(-(f[:, None] + g[None, :] + C) / eps))',
      solve,
    ],
    registry,
  );
}

/** The baseline: log-domain Sinkhorn with the balanced gauge, written by hand. */
class HandSinkhorn {
  readonly f: Float64Array;
  readonly g: Float64Array;
  private readonly logA: Float64Array;
  private readonly logB: Float64Array;

  constructor(
    private readonly C: Float64Array,
    a: Float64Array,
    b: Float64Array,
  ) {
    this.f = new Float64Array(a.length);
    this.g = new Float64Array(b.length);
    this.logA = a.map(Math.log);
    this.logB = b.map(Math.log);
  }

  step(): void {
    const { C, f, g, logA, logB } = this;
    const n = f.length;
    const m = g.length;
    const e = EPSILON;
    for (let i = 0; i < n; i++) {
      const row = i * m;
      let top = -Infinity;
      for (let j = 0; j < m; j++) top = Math.max(top, -(g[j] + C[row + j]) / e);
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp(-(g[j] + C[row + j]) / e - top);
      f[i] = e * (top + Math.log(s)) - e * logA[i];
    }
    for (let j = 0; j < m; j++) {
      let top = -Infinity;
      for (let i = 0; i < n; i++) top = Math.max(top, -(f[i] + C[i * m + j]) / e);
      let s = 0;
      for (let i = 0; i < n; i++) s += Math.exp(-(f[i] + C[i * m + j]) / e - top);
      g[j] = e * (top + Math.log(s)) - e * logB[j];
    }
    let shift = 0;
    for (let j = 0; j < m; j++) shift += g[j];
    for (let i = 0; i < n; i++) shift -= f[i];
    shift /= n + m;
    for (let i = 0; i < n; i++) f[i] += shift;
    for (let j = 0; j < m; j++) g[j] -= shift;
  }
}

/** Runs the benchmark and returns printable rows. */
export function sinkhornBenchmark(): string[] {
  calibrateAllocation();
  const registry = defaultRegistry();
  const n = 1000;
  const m = 1000;
  const problem = otProblem(n, m, registry, 'solve sinkhorn { iterations = 1  reference = none }');
  const session = createSession(problem, registry, SEED, 'bench.sgd');
  const { instance } = session.kernels;
  const stepper = new Stepper(session.program, session.kernels, session.reference, SEED, 0, problem.builder.functions);
  const hand = new HandSinkhorn(instance.values.get('C') as Float64Array, instance.values.get('a') as Float64Array, instance.values.get('b') as Float64Array);
  let k = 0;
  const step = (): void => {
    stepper.prepare(k++);
    stepper.advance();
  };
  for (let t = 0; t < CHECK_STEPS; t++) {
    step();
    hand.step();
  }
  let gap = 0;
  const x = stepper.x;
  for (let i = 0; i < n; i++) gap = Math.max(gap, Math.abs(x[i] - hand.f[i]));
  for (let j = 0; j < m; j++) gap = Math.max(gap, Math.abs(x[n + j] - hand.g[j]));
  if (!(gap <= 1e-10)) throw new Error(`Sinkhorn bench: framework and hand loop disagree after ${CHECK_STEPS} steps (${gap})`);
  const t = compare({ hand: () => hand.step(), framework: step }, 5, 9);
  const bytes = allocationPerStep(registry);
  return [
    `Sinkhorn step, n=m=${n}, eps=${EPSILON}: framework ${(1e9 / t.framework).toFixed(1)} it/s, hand loop ${(1e9 / t.hand).toFixed(1)} it/s, ` +
      `ratio ${(t.framework / t.hand).toFixed(2)}x (target ≤ 1.30x); allocated ${bytes.toFixed(2)} B/step at n=m=${ALLOCATION_SIZE} (target 0); iterates agree to ${gap.toExponential(1)} after ${CHECK_STEPS} steps`,
  ];
}

/**
 * The allocation measurement needs thousands of steps to average out the profiler's own few KB
 * per window (at 10 steps of n = m = 1000 they read as ~230 B/step even for an empty loop's
 * window), so it runs the same step program at a size where 2000 steps take seconds.
 */
const ALLOCATION_SIZE = 200;

/** Bytes per framework step (prepare + advance) at n = m = {@link ALLOCATION_SIZE}. */
function allocationPerStep(registry: PluginRegistry): number {
  const problem = otProblem(ALLOCATION_SIZE, ALLOCATION_SIZE, registry, 'solve sinkhorn { iterations = 1  reference = none }');
  const session = createSession(problem, registry, SEED, 'bench.sgd');
  const stepper = new Stepper(session.program, session.kernels, session.reference, SEED, 0, problem.builder.functions);
  let k = 0;
  const step = (): void => {
    stepper.prepare(k++);
    stepper.advance();
  };
  for (let t = 0; t < 200; t++) step();
  return bytesPerCall(step, 2000);
}

/** The barycenter problem of examples/optimal-transport/barycenter.sgd at the given sizes and estimator. */
function barycenterSource(N: number, n: number, t: number, estimator: 'analytic' | 'automatic', outerSteps: number): string {
  return [
    `dim N = ${N}`,
    `dim n = ${n}`,
    `dim m = ${n}`,
    `const eps = ${EPSILON}`,
    'data X : R[n, 1] from grid(lo = 0, hi = 1)',
    'data Y : R[m, 1] from grid(lo = 0, hi = 1)',
    'data C : R[n, m] = sqdist(X, Y)',
    'data bhat : R[N, m] ~ uniform(0, 1)',
    'data b : R[N, m] = bhat / (sum(bhat, axis = 1)[:, None])',
    'param a : R[n] = 1 / n',
    'var f : R[N, n] = 0',
    'var g : R[N, m] = 0',
    'sample k ~ uniform(N)',
    'minimize L(f, g, a; k) = f[k] . a + g[k] . b[k] + eps * exp(logsumexp(-(f[k][:, None] + g[k][None, :] + C) / eps))',
    'outer value',
    `solve sinkhorn { iterations = ${t}  estimator = ${estimator}  track = ${estimator === 'analytic' ? 'none' : 'reverse'}  reference = none }`,
    `outer_solve mirror_ascent { iterations = ${outerSteps}  step = 2 }`,
    '',
  ].join('\n');
}

/**
 * Milliseconds per gradient of the barycenter's ℓ with the estimator of `source`, each entry of
 * `sources` timed in turn, `repeats` times (median): the inner run of t Sinkhorn steps as the
 * outer loop makes it (`runSolver` with the session's hypergradient observer: g1 reads the
 * potentials at the end, g2 pulls ∇ₓE back through the t recorded steps). The outer loop's
 * reference work (μ and L of the lower problem at every outer step, by Lanczos) is left out: it
 * is not part of either gradient, and its cost depends on the start the previous step left.
 */
function gradientTimes(registry: PluginRegistry, sources: readonly string[], repeats: number): number[] {
  const sessions = sources.map((source) => createSession(compileBenchProblem([source], registry), registry, SEED, 'barycenter.sgd'));
  const times = sources.map(() => [] as number[]);
  for (let r = 0; r < repeats; r++) {
    sessions.forEach((session, j) => {
      const observer = hypergradientObserver(session)!;
      const spec = { ...runSpec(session, SEED, 0, [session.settings.iterations], observer), metrics: [] };
      const start = process.hrtime.bigint();
      runSolver(session.program, session.kernels, session.reference, spec, session.problem.builder.functions);
      times[j].push(Number(process.hrtime.bigint() - start) / 1e6);
      if (!observer.last.get(session.hyper!.chosen[0] as 'analytic' | 'automatic')) throw new Error('barycenter bench: no gradient at the end of the inner run');
    });
  }
  return times.map((t) => t.sort((x, y) => x - y)[Math.floor(t.length / 2)]);
}

/**
 * The cost of g2 (automatic, reverse through the t Sinkhorn steps) over g1 (analytic) per
 * gradient of the barycenter, the paper's factor c (≈ 3.5 in its Fig. A.3): the slope of the time
 * per gradient against t, g2's over g1's, from t = 5 and t = 45 (the slope leaves out the
 * evaluations at the end, which do not grow with t, as the paper's fit does).
 */
export function barycenterGradientBenchmark(): string[] {
  const registry = defaultRegistry();
  const [N, n, repeats] = [8, 200, 5];
  const [short, long] = [5, 45];
  const sources = [short, long].flatMap((t) => (['analytic', 'automatic'] as const).map((estimator) => barycenterSource(N, n, t, estimator, 1)));
  const [g1Short, g2Short, g1Long, g2Long] = gradientTimes(registry, sources, repeats);
  const g1 = (g1Long - g1Short) / (long - short);
  const g2 = (g2Long - g2Short) / (long - short);
  return [
    `barycenter gradient, N=${N} n=m=${n}: per Sinkhorn step g1 (analytic) ${g1.toFixed(2)} ms, g2 (automatic, track = reverse) ${g2.toFixed(2)} ms, ` +
      `c = ${(g2 / g1).toFixed(2)} (paper ≈ 3.5); whole gradient at t = ${long}: g1 ${g1Long.toFixed(0)} ms, g2 ${g2Long.toFixed(0)} ms`,
  ];
}
