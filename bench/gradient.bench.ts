/**
 * The generated least-squares gradient kernel against hand-written loops of the same per-sample
 * gradient ∇ₓf(x, θ; i) = A[i] (A[i]·x − θ[i]), as ratios in one run: on the JavaScript backend
 * against a Float64Array loop, on the WebAssembly backend against a hand-written WebAssembly SIMD
 * loop (`hand-wasm-gradient.ts`). The WebAssembly kernel is called the way a run's stepper calls
 * it (`CompiledKernel.direct`, byte offsets into the run's memory), and also through the
 * `Kernel` signature with ordinary arrays (staged: x copied in, the gradient copied out).
 */
import { buildDerivativeGraphs, drawInstance, ProblemKernels, setKernelBackend, type Instance, type Problem } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { handWasmGradient } from './hand-wasm-gradient.ts';
import { leastSquaresProblem } from './least-squares.ts';
import { compare } from './timing.ts';
import { maxRelativeError } from '../test/support/compare.ts';

/** Handwritten per-sample gradient: the JavaScript baseline. */
function handGradient(A: Float64Array, d: number, x: Float64Array, theta: Float64Array, i: number, out: Float64Array): void {
  const base = i * d;
  let r = 0;
  for (let j = 0; j < d; j++) r += A[base + j] * x[j];
  r -= theta[i];
  for (let j = 0; j < d; j++) out[j] = A[base + j] * r;
}


/** The gradX kernel compiled for `backend` the way a run compiles it (on wasm: in a run memory). */
function gradientKernel(problem: Problem, instance: Instance, backend: 'js' | 'wasm') {
  const registry = defaultRegistry();
  setKernelBackend(backend);
  const kernel = new ProblemKernels(problem, buildDerivativeGraphs(problem, registry.rules), instance, registry.functions).kernel('gradX');
  setKernelBackend(undefined); // later benchmarks compile with compileKernel's default (js)
  return kernel;
}

/** Runs the benchmark and returns printable rows (Binaryen must be loaded). */
export function gradientBenchmark(): string[] {
  const registry = defaultRegistry();
  const rows: string[] = [];
  for (const [n, d] of [
    [100, 50],
    [1000, 200],
  ]) {
    const problem = leastSquaresProblem(n, d, registry);
    const instance = drawInstance(problem, 1);
    const A = instance.values.get('A') as Float64Array;
    const { x0: x, theta } = instance;
    const none = new Float64Array(0);
    const batch = new Int32Array(1);
    const out = new Float64Array(d);
    const js = gradientKernel(problem, instance, 'js').run;

    const wasm = gradientKernel(problem, instance, 'wasm');
    if (!wasm.memory || !wasm.direct) throw new Error('the WebAssembly gradient kernel was not compiled in a run memory');
    const direct = wasm.direct;
    const wx = wasm.memory.float64(d);
    const wth = wasm.memory.float64(n);
    const wout = wasm.memory.float64(d);
    const widx = wasm.memory.int32(1);
    wx.set(x);
    wth.set(theta);
    const [ox, oth, oout, oidx] = [wx.byteOffset, wth.byteOffset, wout.byteOffset, widx.byteOffset];
    const staged = wasm.run;
    const stagedOut = new Float64Array(d);
    const handWasm = handWasmGradient(A, theta, x, n, d);

    // Every sample, before timing: each candidate against the hand JavaScript loop.
    const expected = new Float64Array(d);
    let worst = 0;
    let bitsMatch = true;
    for (let i = 0; i < n; i++) {
      handGradient(A, d, x, theta, i, expected);
      batch[0] = i;
      js(x, theta, none, none, batch, 1, out, none);
      widx[0] = i;
      direct(ox, oth, 0, 0, oidx, 1, oout, 0);
      staged(x, theta, none, none, batch, 1, stagedOut, none);
      handWasm.gradient(i);
      worst = Math.max(worst, maxRelativeError(out, expected), maxRelativeError(wout, expected), maxRelativeError(stagedOut, expected), maxRelativeError(handWasm.out, expected));
      bitsMatch &&= wout.every((v, j) => v === handWasm.out[j]);
    }
    if (!(worst <= 1e-12)) throw new Error(`gradient bench n=${n} d=${d}: a kernel and the hand loop disagree (${worst})`);

    const calls = Math.max(20_000, Math.round(2e7 / (2 * d)));
    const t = compare(
      {
        hand: (k) => handGradient(A, d, x, theta, k % n, out),
        generated: (k) => {
          batch[0] = k % n;
          js(x, theta, none, none, batch, 1, out, none);
        },
        handWasm: (k) => handWasm.gradient(k % n),
        wasm: (k) => {
          widx[0] = k % n;
          direct(ox, oth, 0, 0, oidx, 1, oout, 0);
        },
        staged: (k) => {
          batch[0] = k % n;
          staged(x, theta, none, none, batch, 1, stagedOut, none);
        },
      },
      calls,
    );
    rows.push(
      `per-sample gradient, least squares n=${n} d=${d}: generated ${t.generated.toFixed(1)} ns/call, hand loop ${t.hand.toFixed(1)} ns/call, ratio ${(t.generated / t.hand).toFixed(2)}x (target ≤ 1.30x)`,
    );
    rows.push(
      `per-sample gradient, n=${n} d=${d}, wasm: generated ${t.wasm.toFixed(1)} ns/call, hand WebAssembly SIMD loop ${t.handWasm.toFixed(1)} ns/call, ` +
        `ratio ${(t.wasm / t.handWasm).toFixed(2)}x (target ≤ 1.20x); with ordinary arrays (staged) ${t.staged.toFixed(1)} ns/call; ` +
        `generated wasm ${(t.wasm / t.generated).toFixed(2)}x generated js; all agree with the hand loop to ${worst.toExponential(1)} on every sample` +
        `${bitsMatch ? ' (wasm kernel and hand WebAssembly loop bit for bit)' : ''}`,
    );
  }
  return rows;
}
