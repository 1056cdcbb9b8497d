/**
 * The generated least-squares gradient kernel against a hand-written Float64Array loop of the
 * same per-sample gradient ∇ₓf(x, θ; i) = A[i] (A[i]·x − θ[i]), as a ratio in one run.
 */
import { buildDerivativeGraphs, drawInstance, ProblemKernels } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { leastSquaresProblem } from './least-squares.ts';
import { compare } from './timing.ts';

/** Handwritten per-sample gradient: the baseline. */
function handGradient(A: Float64Array, d: number, x: Float64Array, theta: Float64Array, i: number, out: Float64Array): void {
  const base = i * d;
  let r = 0;
  for (let j = 0; j < d; j++) r += A[base + j] * x[j];
  r -= theta[i];
  for (let j = 0; j < d; j++) out[j] = A[base + j] * r;
}

/** Runs the benchmark and returns printable rows. */
export function gradientBenchmark(): string[] {
  const registry = defaultRegistry();
  const rows: string[] = [];
  for (const [n, d] of [
    [100, 50],
    [1000, 200],
  ]) {
    const problem = leastSquaresProblem(n, d, registry);
    const instance = drawInstance(problem, 1);
    const kernels = new ProblemKernels(problem, buildDerivativeGraphs(problem, registry.rules), instance, registry.functions);
    const kernel = kernels.kernel('gradX').run;
    const A = instance.values.get('A') as Float64Array;
    const { x0: x, theta } = instance;
    const out = new Float64Array(d);
    const none = new Float64Array(0);
    const batch = new Int32Array(1);
    const calls = Math.max(20_000, Math.round(2e7 / (2 * d)));
    const t = compare(
      {
        hand: (k) => handGradient(A, d, x, theta, k % n, out),
        generated: (k) => {
          batch[0] = k % n;
          kernel(x, theta, none, none, batch, 1, out, none);
        },
      },
      calls,
    );
    rows.push(
      `per-sample gradient, least squares n=${n} d=${d}: generated ${t.generated.toFixed(1)} ns/call, hand loop ${t.hand.toFixed(1)} ns/call, ratio ${(t.generated / t.hand).toFixed(2)}x (target ≤ 1.30x)`,
    );
  }
  return rows;
}
