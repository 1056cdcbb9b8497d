/**
 * The wall-clock cost of ONE outer gradient (a hypergradient estimate at θ, inner solve from
 * z₀ = 0 included) on ridge regression, for each estimator of Ablin, Peyré, Moreau (2020):
 *
 *   F(z, x) = mean_i ½ (D[i]·z − x[i])² + ½ λ ‖z‖²,  D ∈ R^{n×m}, n = 50, m = 100, λ = 1/n,
 *   `outer value`, GD with step 1/L for t iterations,
 *
 * - g1 analytic: plain GD, then ∇ₓF(z_t)                       (the baseline of the ratios)
 * - g2 forward:  GD with track = forward (P = n = 50 tangent columns), then ∇ₓF + J_tᵀ∇_zF
 * - g2 reverse:  GD with track = reverse, one pullback of ∇_zF (`HypergradientObserver.finish`),
 *                checkpoint = none (every iterate stored) and sqrt (⌈√t⌉ checkpoints, one replay)
 * - g3 implicit: plain GD, then one linear solve at z_t, direct (dense Cholesky) and CG
 *
 * Every variant is its own `.sgd` source compiled by `compileSgd` and turned into a session by
 * `createSession`, as `sgd run` does. Two figures per variant:
 *
 * - `lean`: the run loop of `runSolver` (Stepper, ForwardTracker / ReverseTape, same call order)
 *   with no record point, then ONE `HypergradientObserver.finish` — the intrinsic cost of one
 *   outer gradient as the paper counts it;
 * - `runSolver`: `runSolver` + `HypergradientObserver` with a single record point at t and the
 *   spec `sgd run` builds (`runSpec`: in reverse mode no full Jacobian, only the observer's one
 *   pullback), i.e. what one run of `sgd run` pays, metrics at the record point included.
 *
 * Both are checked against each other (same bits) and against g* before anything is timed.
 * Every figure is measured on each kernel backend (js, wasm); ratios are against g1 on the same
 * backend. The tape: ridge GD is affine in z with a fixed batch, so the lean tape keeps nothing
 * (its adjoint step reads no iterate, `prepare(k)` recomputes the step size); the general layout
 * (`contents = all`: every iterate, its inputs and batch) is measured too, in bytes per stored
 * state, and both backward sweeps are checked to allocate nothing per step.
 */
import {
  ForwardTracker,
  setKernelBackend,
  type Backend,
  HypergradientObserver,
  ReverseTape,
  runSolver,
  Stepper,
  type Checkpointing,
  type Estimator,
  type TapeContents,
  type LinearSolver,
  type Tracking,
} from '@sgdiff/core';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment, createSession, runSpec, type RunSession } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { GCProfiler } from 'node:v8';
import { bytesPerCall } from './allocation.ts';
import { compare } from './timing.ts';

const SEED = 1;
const N = 50;
const M = 100;
/** Inner iteration counts t, with the interleaved timing rounds of the lean and the `runSolver` figures (median per call). */
const SIZES: ReadonlyArray<{ t: number; rounds: number; pipelineRounds: number }> = [
  { t: 100, rounds: 21, pipelineRounds: 7 },
  { t: 1000, rounds: 5, pipelineRounds: 3 },
];

interface Variant {
  readonly name: string;
  readonly estimator: Exclude<Estimator, 'sid'>;
  readonly track: Tracking;
  readonly checkpoint: Checkpointing;
  readonly linearSolver: LinearSolver;
}

const VARIANTS: readonly Variant[] = [
  { name: 'g1 analytic', estimator: 'analytic', track: 'none', checkpoint: 'none', linearSolver: 'direct' },
  { name: 'g2 forward', estimator: 'automatic', track: 'forward', checkpoint: 'none', linearSolver: 'direct' },
  { name: 'g2 reverse', estimator: 'automatic', track: 'reverse', checkpoint: 'none', linearSolver: 'direct' },
  { name: 'g2 reverse sqrt', estimator: 'automatic', track: 'reverse', checkpoint: 'sqrt', linearSolver: 'direct' },
  { name: 'g3 direct', estimator: 'implicit', track: 'none', checkpoint: 'none', linearSolver: 'direct' },
  { name: 'g3 cg', estimator: 'implicit', track: 'none', checkpoint: 'none', linearSolver: 'cg' },
];

const BACKENDS: readonly Backend[] = ['js', 'wasm'];

function ridgeSource(t: number, v: Variant, backend: Backend): string {
  return [
    `dim n = ${N}`,
    `dim m = ${M}`,
    'const lambda = 1 / n',
    'data D : R[n, m] ~ normal(0, 1)',
    'param x : R[n] ~ normal(0, 1)',
    'var z : R[m] = 0',
    'sample i ~ uniform(n)',
    'minimize f(z, x; i) = 0.5 * (D[i] . z - x[i])^2 + 0.5 * lambda * norm2(z)',
    'outer value',
    `solve gd { iterations = ${t}  step = 1 / L  track = ${v.track}  checkpoint = ${v.checkpoint}  linear_solver = ${v.linearSolver}  estimator = ${v.estimator}  backend = ${backend} }`,
    '',
  ].join('\n');
}

function ridgeSession(t: number, v: Variant, backend: Backend): RunSession {
  const registry = defaultRegistry();
  const { problem, diagnostics } = compileSgd(ridgeSource(t, v, backend), 'hypergradient.sgd', checkEnvironment(registry));
  if (!problem) throw new Error(`hypergradient bench: the ridge problem failed to compile: ${diagnostics.map((d) => d.message).join('; ')}`);
  return createSession(problem, registry, SEED, 'hypergradient.sgd');
}

/** One outer gradient and what it cost in memory. */
interface Outcome {
  readonly g: Float64Array;
  readonly peakStoredStates?: number;
  /** Bytes of the tape's block (lean runs only: `runSolver` does not hand its tape out). */
  readonly tapeBytes?: number;
}

function observerOf(session: RunSession): { observer: HypergradientObserver; estimator: Exclude<Estimator, 'sid'> } {
  const hyper = session.hyper!;
  const estimator = hyper.chosen[0] as Exclude<Estimator, 'sid'>;
  return { observer: new HypergradientObserver(hyper.estimators, [estimator], hyper.reference), estimator };
}

/** The run loop of `runSolver` without record points, then one `finish`: one outer gradient. */
function leanGradient(session: RunSession): Outcome {
  const { program, kernels, reference, settings } = session;
  const { observer, estimator } = observerOf(session);
  const stepper = new Stepper(program, kernels, reference, SEED, 0, session.problem.builder.functions);
  const forward = settings.track === 'forward' ? new ForwardTracker(stepper) : undefined;
  const tape = settings.track === 'reverse' ? new ReverseTape(stepper, settings.iterations, settings.checkpointing) : undefined;
  for (let k = 0; k < settings.iterations; k++) {
    tape?.beforePrepare(k);
    stepper.prepare(k);
    tape?.afterPrepare();
    forward?.update();
    stepper.advance();
  }
  const x = Float64Array.from(stepper.x);
  observer.finish({ k: settings.iterations, x, forward, tape });
  tape?.release();
  return { g: observer.last.get(estimator)!, peakStoredStates: tape?.peakStoredStates, tapeBytes: tape?.bytes };
}

/** `runSolver` + `HypergradientObserver`, one record point at t: one run of `sgd run`. */
function pipelineGradient(session: RunSession): Outcome {
  const { program, kernels, reference, settings } = session;
  const { observer, estimator } = observerOf(session);
  const result = runSolver(program, kernels, reference, runSpec(session, SEED, 0, [settings.iterations], observer), session.problem.builder.functions);
  if (result.divergence) throw new Error('hypergradient bench: GD diverged');
  return { g: observer.last.get(estimator)!, peakStoredStates: result.peakStoredStates };
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let j = 0; j < a.length; j++) d = Math.max(d, Math.abs(a[j] - b[j]));
  return d;
}

function norm(a: Float64Array): number {
  return Math.sqrt(a.reduce((s, v) => s + v * v, 0));
}

function stepperOf(session: RunSession): Stepper {
  const { program, kernels, reference } = session;
  return new Stepper(program, kernels, reference, SEED, 0, session.problem.builder.functions);
}

/** A forward pass of `session` recorded on a new tape of `iterations` steps keeping `contents`. */
function recordTape(session: RunSession, contents: TapeContents, iterations = session.settings.iterations, stepper = stepperOf(session)): ReverseTape {
  const tape = new ReverseTape(stepper, iterations, 'none', contents);
  for (let k = 0; k < iterations; k++) {
    tape.beforePrepare(k);
    stepper.prepare(k);
    tape.afterPrepare();
    stepper.advance();
  }
  return tape;
}

/**
 * What a tape keeping every iterate with its inputs and batch (`contents = all`, checkpoint =
 * none) really takes per stored state: the block (8 bytes a double, 4 a batch entry: on wasm in
 * the run's memory, on js an ArrayBuffer) plus every byte the tape and the forward pass
 * allocate on the JS heap besides (GCProfiler, as `allocation.ts`; the stepper is made before).
 * Least of three passes.
 */
function measuredBytesPerStoredState(session: RunSession): { perState: number; heap: number } {
  let least = { perState: Infinity, heap: Infinity };
  for (let pass = 0; pass < 3; pass++) {
    const stepper = stepperOf(session);
    const profiler = new GCProfiler();
    profiler.start();
    const before = process.memoryUsage().heapUsed;
    const tape = recordTape(session, 'all', session.settings.iterations, stepper);
    const after = process.memoryUsage().heapUsed;
    const freed = profiler.stop().statistics.reduce((sum, gc) => sum + gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize, 0);
    const heap = after - before + freed;
    const perState = (heap + tape.bytes) / tape.peakStoredStates;
    tape.release();
    if (perState < least.perState) least = { perState, heap };
  }
  return least;
}

/**
 * Heap bytes the backward sweep allocates per step, for the lean tape and the `all` one: the
 * difference between pullbacks over t and over t/10 steps, per step (what a pullback allocates
 * once, its result and views, cancels). Throws above 1 byte a step.
 */
function sweepBytesPerStep(session: RunSession): Record<TapeContents, number> {
  const t = session.settings.iterations;
  const w = [new Float64Array(session.program.stateSize).fill(1)];
  const perStep = (contents: TapeContents): number => {
    const [short, long] = [Math.ceil(t / 10), t].map((n) => recordTape(session, contents, n));
    // Warm-up: a WebAssembly call from JavaScript allocates until its caller is optimized.
    for (let k = 0; k < 60; k++) [short, long].forEach((tape) => tape.pullback(w));
    const bytes = (bytesPerCall(() => long.pullback(w), 10) - bytesPerCall(() => short.pullback(w), 10)) / (t - Math.ceil(t / 10));
    [short, long].forEach((tape) => tape.release());
    if (bytes > 1) throw new Error(`hypergradient bench: the backward sweep (${contents}) allocates ${bytes.toFixed(1)} bytes per step`);
    return Math.max(0, bytes);
  };
  return { needed: perStep('needed'), all: perStep('all') };
}

/**
 * Where one outer gradient's time goes, per iteration (medians of interleaved rounds): the
 * forward pass (`prepare` + step kernel), `prepare` alone, and one backward step of the lean tape
 * (the fused adjoint kernel, `prepare(k)` recomputing the step size); and g2 reverse against g1
 * timed alone, in more rounds than the table (the headline ratio on a shared machine).
 */
function breakdown(session: RunSession, g1: RunSession, rounds: number): { forward: number; prepare: number; backward: number; ratio: number } {
  const t = session.settings.iterations;
  const stepper = stepperOf(session);
  const tape = recordTape(session, 'needed', t, stepper);
  const w = [new Float64Array(session.program.stateSize).fill(1e-3)];
  const times = compare(
    {
      forward: () => {
        for (let k = 0; k < t; k++) {
          stepper.prepare(k);
          stepper.advance();
        }
      },
      prepare: () => {
        for (let k = 0; k < t; k++) stepper.prepare(k);
      },
      backward: () => tape.pullback(w),
    },
    1,
    rounds,
  );
  tape.release();
  const outer = compare({ g1: () => leanGradient(g1), g2: () => leanGradient(session) }, 1, rounds);
  return { forward: times.forward / t, prepare: times.prepare / t, backward: times.backward / t, ratio: outer.g2 / outer.g1 };
}

const ms = (ns: number): string => (ns / 1e6 >= 100 ? (ns / 1e6).toFixed(0) : ns / 1e6 >= 10 ? (ns / 1e6).toFixed(1) : (ns / 1e6).toFixed(2));
const us = (ns: number): string => (ns / 1e3).toFixed(2);
const kib = (b: number): string => (b >= 1024 * 1024 ? `${(b / 1024 / 1024).toFixed(2)} MiB` : `${(b / 1024).toFixed(1)} KiB`);

/** Runs the benchmark and returns printable rows. */
export function hypergradientBenchmark(): string[] {
  const rows: string[] = [];
  for (const backend of BACKENDS) rows.push(...backendRows(backend));
  setKernelBackend(undefined);
  return rows;
}

/** The figures on one kernel backend. */
function backendRows(backend: Backend): string[] {
  const rows: string[] = [];
  const summary: Array<{ t: number; lean: Record<string, number>; pipe: Record<string, number>; peak: Record<string, number> }> = [];
  for (const { t, rounds, pipelineRounds } of SIZES) {
    const sessions = new Map(VARIANTS.map((v) => [v.name, ridgeSession(t, v, backend)]));
    const base = sessions.get('g1 analytic')!;
    const gStar = base.hyper!.reference!;
    const S = base.program.stateSize;

    // Checks: lean and runSolver give the same bits; g2 forward ≡ g2 reverse ≡ g2 sqrt up to rounding; g3 at rounding of g*.
    const lean = new Map<string, Outcome>();
    for (const v of VARIANTS) {
      const session = sessions.get(v.name)!;
      const a = leanGradient(session);
      const b = pipelineGradient(session);
      if (maxAbsDiff(a.g, b.g) !== 0) throw new Error(`hypergradient bench ${backend} t=${t} ${v.name}: lean and runSolver differ by ${maxAbsDiff(a.g, b.g)}`);
      if (a.peakStoredStates !== b.peakStoredStates) throw new Error(`hypergradient bench ${backend} t=${t} ${v.name}: peak stored states ${a.peakStoredStates} (lean) vs ${b.peakStoredStates} (runSolver)`);
      lean.set(v.name, a);
    }
    const g = (name: string): Float64Array => lean.get(name)!.g;
    const scale = norm(gStar);
    const fwdRev = maxAbsDiff(g('g2 forward'), g('g2 reverse')) / scale;
    const revSqrt = maxAbsDiff(g('g2 reverse'), g('g2 reverse sqrt'));
    const g3Error = Math.max(maxAbsDiff(g('g3 direct'), gStar), maxAbsDiff(g('g3 cg'), gStar)) / scale;
    if (!(fwdRev < 1e-10 && revSqrt === 0 && g3Error < 1e-8)) {
      throw new Error(`hypergradient bench ${backend} t=${t}: estimates disagree (g2 fwd/rev ${fwdRev}, rev/sqrt ${revSqrt}, g3 vs g* ${g3Error})`);
    }

    const leanTimes = compare(Object.fromEntries(VARIANTS.map((v) => [v.name, () => leanGradient(sessions.get(v.name)!)])), 1, rounds);
    const pipeTimes = compare(Object.fromEntries(VARIANTS.map((v) => [v.name, () => pipelineGradient(sessions.get(v.name)!)])), 1, pipelineRounds);
    const reverse = sessions.get('g2 reverse')!;
    const measured = measuredBytesPerStoredState(reverse);
    const sweep = sweepBytesPerStep(reverse);
    const profile = breakdown(reverse, base, 3 * rounds);
    const g1 = leanTimes['g1 analytic'];
    const g1Pipe = pipeTimes['g1 analytic'];
    summary.push({ t, lean: leanTimes, pipe: pipeTimes, peak: { none: lean.get('g2 reverse')!.peakStoredStates!, sqrt: lean.get('g2 reverse sqrt')!.peakStoredStates! } });

    rows.push(
      `hypergradient on ${backend}, ridge n=${N} m=${M} λ=1/n, GD step 1/L, t=${t} (state ${S} doubles; |g1−g*|/|g*| = ${(norm(g('g1 analytic').map((v, j) => v - gStar[j])) / scale).toExponential(1)}, ` +
        `|g2−g*|/|g*| = ${(norm(g('g2 forward').map((v, j) => v - gStar[j])) / scale).toExponential(1)}; g2 fwd≡rev to ${fwdRev.toExponential(1)}, sqrt≡none bitwise, g3 at g* to ${g3Error.toExponential(1)}):`,
    );
    for (const v of VARIANTS) {
      const outcome = lean.get(v.name)!;
      let memory = '';
      if (outcome.tapeBytes !== undefined) memory = `; tape ${outcome.peakStoredStates} states, ${outcome.tapeBytes} bytes (Φ affine in z, fixed batch: nothing kept)`;
      rows.push(
        `  ${v.name.padEnd(16)} ${ms(leanTimes[v.name]).padStart(7)} ms/outer gradient, ${(leanTimes[v.name] / g1).toFixed(2).padStart(6)}x g1` +
          ` | via runSolver ${ms(pipeTimes[v.name]).padStart(7)} ms, ${(pipeTimes[v.name] / g1Pipe).toFixed(2).padStart(6)}x${memory}`,
      );
    }
    const batch = base.kernels.outcomes;
    rows.push(
      `  tape keeping every iterate (contents = all): ${t} states × (${S} + ${base.program.hyperSize} doubles + ${batch} batch entries) = ${kib(measured.perState * t)} measured, ` +
        `${measured.perState.toFixed(1)} B/state = 8 B × ${S + base.program.hyperSize} doubles + 4 B × ${batch} entries + ${((measured.perState - 8 * (S + base.program.hyperSize) - 4 * batch) * t).toFixed(0)} B for the whole tape; ` +
        `backward sweep allocates ${sweep.needed.toFixed(2)} B/step (lean tape), ${sweep.all.toFixed(2)} B/step (every iterate kept)`,
      `  profile per iteration: forward ${us(profile.forward)} µs (prepare ${us(profile.prepare)} µs + step kernel), backward ${us(profile.backward)} µs ` +
        `(fused adjoint kernel + prepare(k)); g2 reverse / g1 timed alone (${3 * rounds} rounds): ${profile.ratio.toFixed(2)}x, ` +
        `the profile's (forward + backward) / forward: ${((profile.forward + profile.backward) / profile.forward).toFixed(2)}x`,
    );
  }
  const [a, b] = [summary[0], summary[summary.length - 1]];
  const ratio = (r: (typeof summary)[number], name: string): string => (r.lean[name] / r.lean['g1 analytic']).toFixed(2);
  const solveMs = (name: string): string => summary.map((r) => ms(r.lean[name] - r.lean['g1 analytic'])).join(' / ');
  rows.push(
    `  # ${backend} vs Ablin et al. Table 1: g1 Θ(mnt), Θ(m) memory: ${ms(a.lean['g1 analytic'])} → ${ms(b.lean['g1 analytic'])} ms for t = ${a.t} → ${b.t} ` +
      `(×${(b.lean['g1 analytic'] / a.lean['g1 analytic']).toFixed(1)}); g2 reverse Θ(c·mnt), c ∈ [2, 3] (3.5 in their A.3): c = ${ratio(a, 'g2 reverse')} / ${ratio(b, 'g2 reverse')}, ` +
      `memory Θ(mt) in general, O(1) here (Φ affine in z): ${a.peak.none} → ${b.peak.none} states, with sqrt checkpointing: ${a.peak.sqrt} → ${b.peak.sqrt} states at c = ${ratio(a, 'g2 reverse sqrt')} / ${ratio(b, 'g2 reverse sqrt')}; ` +
      `g3 Θ(mnt + m³ + m²n): the solve adds ${solveMs('g3 direct')} ms direct, ${solveMs('g3 cg')} ms CG, independent of t; ` +
      `g2 forward (not in the table) Θ(P·mnt), P = n = ${N}: ×${ratio(a, 'g2 forward')} / ×${ratio(b, 'g2 forward')}. ` +
      `Through runSolver (\`sgd run\`, metrics at t included), track = reverse costs ×${(a.pipe['g2 reverse'] / a.pipe['g1 analytic']).toFixed(2)} / ×${(b.pipe['g2 reverse'] / b.pipe['g1 analytic']).toFixed(2)} g1.`,
  );
  return rows;
}
