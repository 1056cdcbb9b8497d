/**
 * One SGD′ step on least squares, f(x, θ; i) = ½ (A[i]·x − θ[i])², track = forward: the
 * framework's step (prepare, `ForwardTracker.update()`, `Stepper.advance()`, built the way
 * `sgd run` builds it) on each kernel backend (js, wasm) against a hand-written Float64Array
 * loop of the same recursion with the same tangent-major layout (double-buffered, and in place),
 * a hand-written WebAssembly SIMD loop (`hand-wasm.ts`) and a NumPy loop run by `python3`
 * (`numpy_sgd_prime.py`; skipped with a notice where NumPy is missing), as ratios in one run,
 * plus the bytes each step allocates. On wasm also with both cores (`forward-threads.ts`):
 * `threads = 0` (auto, as `sgd run` has it: two threads at n = 1000, d = 200, one at n = 100,
 * d = 50, by the work per step) and 2 forced, their J checked bit for bit against one thread's.
 *
 * Both draw their samples from the same `RandomStream` key, so they see the same i_k and pay
 * the same cost for drawing it; the difference is the framework's own overhead. That draw
 * (seedrandom's ARC4 `double()`) returns boxed doubles whenever V8 does not inline it into the
 * caller, about 32 B per draw: the kernels-only figure separates it from the framework's own.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FORWARD_THREADS_THRESHOLD, ForwardTracker, forwardKernelWork, RandomStream, setKernelBackend, Stepper, type ForwardThreads } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { createSession, type RunSession } from '@sgdiff/cli';
import { leastSquaresProblem } from './least-squares.ts';
import { bytesPerCall, calibrateAllocation } from './allocation.ts';
import { compare } from './timing.ts';
import { handWasmSgdPrime } from './hand-wasm.ts';
import { maxRelativeError } from '../test/support/compare.ts';

const SEED = 1;
/** A constant step, small enough that every per-sample step contracts (η‖A[i]‖² ≈ η d < 2). */
const STEP = 0.002;
/** Steps both implementations run before their Jacobians are compared. */
const CHECK_STEPS = 300;

/** The framework's run of one trajectory, stepped the way `runSolver` steps it with forward tracking. */
interface FrameworkRun {
  /** One iteration: prepare(k), ForwardTracker.update(), Stepper.advance(). */
  step(k: number): void;
  /** The same without `prepare` (no sample draw): the kernels and the tracker alone. */
  kernelsOnly(): void;
  /** The iterate and its streams. */
  readonly stepper: Stepper;
  /** J_k, tangent-major. */
  readonly tracker: ForwardTracker;
}

/** `threads`: the tracker's (1, 2, or 0 for auto by the work per step; only wasm has a second thread). */
function frameworkRun(session: RunSession, threads: ForwardThreads = 1): FrameworkRun {
  const { program, kernels, reference, problem } = session;
  const stepper = new Stepper(program, kernels, reference, SEED, 0, problem.builder.functions);
  const tracker = new ForwardTracker(stepper, threads);
  return {
    stepper,
    tracker,
    step(k) {
      stepper.prepare(k);
      tracker.update();
      stepper.advance();
    },
    kernelsOnly() {
      tracker.update();
      stepper.advance();
    },
  };
}

/**
 * The baseline: SGD and SGD′ written by hand. J is tangent-major (column p = ∂x/∂θ_p,
 * contiguous), x and J are double-buffered. For sample i, with r = A[i]·J_p − δ_ip:
 * J'_p = J_p − η A[i] r, and x' = x − η A[i] (A[i]·x − θ_i).
 */
class HandSgdPrime {
  x: Float64Array;
  private xNext: Float64Array;
  J: Float64Array;
  private JNext: Float64Array;
  /** The key `Stepper` gives run 0's sample stream; should it change, the J check below fails loudly. */
  private readonly samples = new RandomStream(`${SEED}/sample/i/run/0`);

  constructor(
    private readonly A: Float64Array,
    private readonly theta: Float64Array,
    x0: Float64Array,
    private readonly n: number,
    private readonly d: number,
  ) {
    this.x = Float64Array.from(x0);
    this.xNext = new Float64Array(d);
    this.J = new Float64Array(n * d);
    this.JNext = new Float64Array(n * d);
  }

  step(): void {
    const { A, theta, n, d, x, xNext, J, JNext } = this;
    const i = this.samples.index(n);
    const a = i * d;
    // Same association as the generated kernels (t − η (A r)), so the bits can match exactly.
    for (let p = 0; p < n; p++) {
      const col = p * d;
      let s = 0;
      for (let j = 0; j < d; j++) s += A[a + j] * J[col + j];
      const r = s - (p === i ? 1 : 0);
      for (let j = 0; j < d; j++) JNext[col + j] = J[col + j] - STEP * (A[a + j] * r);
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += x[j] * A[a + j];
    const r = s - theta[i];
    for (let j = 0; j < d; j++) xNext[j] = x[j] - A[a + j] * r * STEP;
    [this.x, this.xNext, this.J, this.JNext] = [xNext, x, JNext, J];
  }
}

/** The fastest plain JavaScript loop: the same recursion updating J and x in place (each column only reads itself). */
class InPlaceSgdPrime {
  readonly x: Float64Array;
  readonly J: Float64Array;
  private readonly samples = new RandomStream(`${SEED}/sample/i/run/0`);

  constructor(
    private readonly A: Float64Array,
    private readonly theta: Float64Array,
    x0: Float64Array,
    private readonly n: number,
    private readonly d: number,
  ) {
    this.x = Float64Array.from(x0);
    this.J = new Float64Array(n * d);
  }

  /** One step; `i` given (the hand WebAssembly loop's driver) or drawn. */
  step(i = this.samples.index(this.n)): void {
    const { A, theta, n, d, x, J } = this;
    const a = i * d;
    for (let p = 0, col = 0; p < n; p++, col += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s += A[a + j] * J[col + j];
      const r = STEP * (s - (p === i ? 1 : 0));
      for (let j = 0; j < d; j++) J[col + j] -= A[a + j] * r;
    }
    let s = 0;
    for (let j = 0; j < d; j++) s += x[j] * A[a + j];
    const r = STEP * (s - theta[i]);
    for (let j = 0; j < d; j++) x[j] -= A[a + j] * r;
  }
}

/** Blocks until the tracker's worker has started (it starts without blocking a run; the timed rounds must see it). */
function waitForWorker(tracker: ForwardTracker): void {
  const nap = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + 20_000;
  while (!tracker.split?.ready) {
    if (Date.now() > deadline) throw new Error('SGD′ bench: the forward-tracking worker did not start within 20 s');
    Atomics.wait(nap, 0, 0, 2);
  }
}

/** NumPy's ns per step for the same recursion, or `null` with the reason when python3 or NumPy is missing. */
function numpyNsPerStep(n: number, d: number, steps: number): number | string {
  const script = fileURLToPath(new URL('numpy_sgd_prime.py', import.meta.url));
  const r = spawnSync('python3', [script, String(n), String(d), String(steps)], { encoding: 'utf8' });
  const match = /ns_per_step ([\d.]+)/.exec(r.stdout ?? '');
  if (r.status !== 0 || !match) return `NumPy loop skipped: ${(r.stderr || r.error?.message || 'python3 failed').trim().split('\n').pop()}`;
  return Number(match[1]);
}


/** Runs the benchmark and returns printable rows. */
export function sgdPrimeBenchmark(): string[] {
  calibrateAllocation();
  const registry = defaultRegistry();
  const rows: string[] = [];
  for (const [n, d] of [
    [100, 50],
    [1000, 200],
  ]) {
    const problem = leastSquaresProblem(n, d, registry, `solve sgd { iterations = 1  step = ${STEP}  track = forward  backend = js }`);
    const session = createSession(problem, registry, SEED, 'bench.sgd');
    const { instance } = session.kernels;
    const framework = frameworkRun(session);
    const wasmProblem = leastSquaresProblem(n, d, registry, `solve sgd { iterations = 1  step = ${STEP}  track = forward  backend = wasm }`);
    const wasmSession = createSession(wasmProblem, registry, SEED, 'bench.sgd');
    const wasm = frameworkRun(wasmSession);
    // Both cores: `threads = 0` (auto) as a run has it, and 2 forced (at n = 100, what the threshold spares).
    const wasmAuto = frameworkRun(wasmSession, 0);
    const wasmTwo = frameworkRun(wasmSession, 2);
    const work = n * forwardKernelWork(wasmSession.program.forward.loops, 1);
    waitForWorker(wasmTwo.tracker);
    const A = instance.values.get('A') as Float64Array;
    const hand = new HandSgdPrime(A, instance.theta, instance.x0, n, d);
    const inPlace = new InPlaceSgdPrime(A, instance.theta, instance.x0, n, d);
    const handWasm = handWasmSgdPrime(A, instance.theta, instance.x0, n, d, STEP);
    const handWasmSamples = new RandomStream(`${SEED}/sample/i/run/0`);

    for (let k = 0; k < CHECK_STEPS; k++) {
      framework.step(k);
      wasm.step(k);
      wasmAuto.step(k);
      wasmTwo.step(k);
      hand.step();
      inPlace.step();
      handWasm.step(handWasmSamples.index(n));
    }
    const jError = maxRelativeError(framework.tracker.jacobian(), hand.J);
    const xError = maxRelativeError(framework.stepper.x, hand.x);
    if (!(jError <= 1e-12 && xError <= 1e-12)) throw new Error(`SGD′ bench n=${n} d=${d}: framework and hand loop disagree (J: ${jError}, x: ${xError})`);
    for (const [name, run] of Object.entries({ 'framework on wasm, auto': wasmAuto, 'framework on wasm, 2 threads': wasmTwo })) {
      const same = Buffer.from(run.tracker.stateJacobian().buffer).equals(Buffer.from(wasm.tracker.stateJacobian().buffer));
      if (!same) throw new Error(`SGD′ bench n=${n} d=${d}: ${name} and one thread differ in J's bits after ${CHECK_STEPS} steps`);
    }
    const others = { 'framework on wasm': [wasm.tracker.jacobian(), wasm.stepper.x], 'in-place JS loop': [inPlace.J, inPlace.x], 'hand WebAssembly loop': [handWasm.J, handWasm.x] };
    for (const [name, [J, x]] of Object.entries(others)) {
      const e = Math.max(maxRelativeError(J!, hand.J), maxRelativeError(x!, hand.x));
      if (!(e <= 1e-12)) throw new Error(`SGD′ bench n=${n} d=${d}: ${name} and the hand loop disagree (${e})`);
    }

    // The step count keeps going across rounds, so the framework's k (schedule input) keeps growing.
    let k = CHECK_STEPS;
    let kw = CHECK_STEPS;
    let ka = CHECK_STEPS;
    let k2 = CHECK_STEPS;
    const calls = Math.max(50, Math.round(4e7 / (2 * n * d)));
    const t = compare(
      {
        hand: () => hand.step(),
        framework: () => framework.step(k++),
        wasm: () => wasm.step(kw++),
        wasmAuto: () => wasmAuto.step(ka++),
        wasmTwo: () => wasmTwo.step(k2++),
        inPlace: () => inPlace.step(),
        handWasm: () => handWasm.step(handWasmSamples.index(n)),
      },
      calls,
    );
    const numpy = numpyNsPerStep(n, d, Math.max(200, Math.min(5000, calls)));
    const wasmBytes = bytesPerCall(() => wasm.step(kw++), 5 * calls);
    const bytes = bytesPerCall(() => framework.step(k++), 5 * calls);
    const handBytes = bytesPerCall(() => hand.step(), 5 * calls);
    const kernelBytes = bytesPerCall(() => framework.kernelsOnly(), 5 * calls);
    const wasmKernelBytes = bytesPerCall(() => wasm.kernelsOnly(), 5 * calls);
    const twoBytes = bytesPerCall(() => wasmTwo.step(k2++), 5 * calls);
    const shared = wasmTwo.tracker.split?.sharedSteps ?? 0;
    rows.push(
      `SGD′ step (forward), least squares n=${n} d=${d}: framework ${t.framework.toFixed(0)} ns/step, hand loop ${t.hand.toFixed(0)} ns/step, ` +
        `ratio ${(t.framework / t.hand).toFixed(2)}x (target ≤ 1.30x); allocated ${bytes.toFixed(1)} B/step (target 0; hand loop ${handBytes.toFixed(1)}, ` +
        `framework without the sample draw ${kernelBytes.toFixed(1)}); ` +
        `J agrees to ${jError.toExponential(1)} after ${CHECK_STEPS} steps`,
    );
    const vs = (ns: number, base: number): string => `${(ns / base).toFixed(2)}x`;
    const numpyText = typeof numpy === 'number' ? `NumPy loop ${numpy.toFixed(0)} ns/step; framework on wasm ${vs(t.wasm, numpy)} NumPy (target ${n === 100 ? '≤ 0.35x' : '≤ 0.75x'}), hand WebAssembly ${vs(t.handWasm, numpy)} NumPy` : numpy;
    rows.push(
      `SGD′ step (forward), n=${n} d=${d}, backends: framework js ${t.framework.toFixed(0)} ns/step, framework wasm ${t.wasm.toFixed(0)} ns/step, ` +
        `in-place JS loop ${t.inPlace.toFixed(0)} ns/step, hand WebAssembly SIMD loop ${t.handWasm.toFixed(0)} ns/step; ` +
        `framework wasm ${vs(t.wasm, t.inPlace)} the fastest JS loop${n === 100 ? ' (target ≤ 0.30x)' : ''}, ${vs(t.wasm, t.handWasm)} the hand WebAssembly loop, ${vs(t.wasm, t.framework)} framework js; ` +
        `${numpyText}; framework wasm allocated ${wasmBytes.toFixed(1)} B/step (without the sample draw ${wasmKernelBytes.toFixed(1)}); all agree with the hand loop to 1e-12 after ${CHECK_STEPS} steps`,
    );
    const auto = wasmAuto.tracker.split ? `may split (timed against one thread; the worker in ${wasmAuto.tracker.split.sharedSteps} steps)` : 'runs on one thread';
    const numpyRatio = (ns: number): string => (typeof numpy === 'number' ? `, ${vs(ns, numpy)} NumPy` : '');
    rows.push(
      `SGD′ step (forward), n=${n} d=${d}, both cores (wasm): threads = 0 (auto) ${auto} ` +
        `(work per step ${work} ${work >= FORWARD_THREADS_THRESHOLD ? '≥' : '<'} threshold ${FORWARD_THREADS_THRESHOLD}): ${t.wasmAuto.toFixed(0)} ns/step${numpyRatio(t.wasmAuto)}` +
        `${n === 1000 ? ' (target ≤ 0.45x)' : ''}, ${vs(t.wasmAuto, t.wasm)} one thread; threads = 2 forced ${t.wasmTwo.toFixed(0)} ns/step${numpyRatio(t.wasmTwo)}, ` +
        `${vs(t.wasmTwo, t.wasm)} one thread, ${vs(t.wasmTwo, t.inPlace)} the fastest JS loop, the worker in ${shared} steps; ` +
        `allocated ${twoBytes.toFixed(1)} B/step; J bit-identical to one thread after ${CHECK_STEPS} steps`,
    );
    setKernelBackend(undefined); // the run ends (its worker threads stop); later benchmarks compile with compileKernel's default (js)
  }
  return rows;
}
