/**
 * ∂w_T/∂α and ∂w_T/∂γ of a diagonal network tracked forward through GD (α and γ as params, as in
 * examples/diagonal-networks/sensitivity.sgd) against central finite differences of whole runs,
 * and against the plain-const file: the param form runs the same iterates.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSession, executeRuns, loadProblem, type RunJob } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { prepareKernelBackend } from '@sgdiff/core';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const registry = defaultRegistry();
const dir = mkdtempSync(join(tmpdir(), 'diagnet-derivatives-'));
const T = 1500;
const head = `dim N = 20
dim d = 40
dim r = 3
data X : R[N, d] ~ normal(0, 1)
data w_star : R[d] ~ sparse_normal(r, 1)
data y : R[N] = X @ w_star
sample i ~ uniform(N)
`;
const withParams = (alpha: number, gamma: number, track: string): string => `${head}param alpha : R = ${alpha}
param gamma : R = ${gamma}
var a : R[d] = 0
var v : R[d] = 0
minimize L(a, v, alpha, gamma; i) = gamma * (X[i] . ((alpha + a) * v) - y[i])^2
solve gd { iterations = ${T} step = 1 track = ${track} reference = none }
report every log 5 { gradient_norm }
`;
const withConsts = `${head}const alpha = 0.1
var u : R[d] = alpha
var v : R[d] = 0
minimize L(u, v; i) = (X[i] . (u * v) - y[i])^2
solve gd { iterations = ${T} step = 0.05 reference = none }
report every log 5 { gradient_norm }
`;

let count = 0;
function finalRun(text: string): { x: Float64Array; jacobian?: Float64Array } {
  const file = join(dir, `p${count++}.sgd`);
  writeFileSync(file, text);
  const loaded = loadProblem(file, registry);
  const session = createSession(loaded.problem, registry, 1, file);
  const job: RunJob = { file, source: loaded.source, seed: 1, plugins: [], logPoints: 5, reference: session.reference };
  return executeRuns(session, job, [0])[0];
}

/** w = (α + a) ⊙ v from x = (a, v). */
const weights = (x: Float64Array, alpha: number): Float64Array => Float64Array.from({ length: 40 }, (_, j) => (alpha + x[j]) * x[40 + j]);

describe('sensitivity of the recovered w to α and γ', () => {
  it('the param form runs the same iterates as u(0) = α, step γ', () => {
    const a = weights(finalRun(withParams(0.1, 0.05, 'none')).x, 0.1);
    const c = finalRun(withConsts).x;
    a.forEach((w, j) => expect(w).toBeCloseTo(c[j] * c[40 + j], 12));
  });

  it('forward ∂w_T/∂α and ∂w_T/∂γ match central differences to 1e-5 relative', () => {
    const alpha = 0.1;
    const gamma = 0.05;
    const tracked = finalRun(withParams(alpha, gamma, 'forward'));
    const J = tracked.jacobian as Float64Array; // tangent-major: column p has D = 80 entries
    const x = tracked.x;
    // ∂w/∂θ_p = (1{p = α} + ∂a/∂θ_p) ⊙ v + (α + a) ⊙ ∂v/∂θ_p
    const dw = (p: number): Float64Array => Float64Array.from({ length: 40 }, (_, j) => ((p === 0 ? 1 : 0) + J[p * 80 + j]) * x[40 + j] + (alpha + x[j]) * J[p * 80 + 40 + j]);
    const h = 1e-6;
    const fd = (p: number): Float64Array => {
      const plus = p === 0 ? weights(finalRun(withParams(alpha + h, gamma, 'none')).x, alpha + h) : weights(finalRun(withParams(alpha, gamma + h, 'none')).x, alpha);
      const minus = p === 0 ? weights(finalRun(withParams(alpha - h, gamma, 'none')).x, alpha - h) : weights(finalRun(withParams(alpha, gamma - h, 'none')).x, alpha);
      return plus.map((w, j) => (w - minus[j]) / (2 * h));
    };
    for (const p of [0, 1]) {
      const exact = dw(p);
      const approx = fd(p);
      const scale = Math.hypot(...exact);
      expect(scale).toBeGreaterThan(1e-3);
      expect(Math.hypot(...exact.map((e, j) => e - approx[j])) / scale).toBeLessThan(1e-5);
    }
  });
});
