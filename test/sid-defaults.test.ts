/**
 * SID's defaults derived from the problem (issue 15, item 5): a ridge problem with one penalty per
 * feature and a validation loss as outer E, where the old defaults (η = 1, 1000 steps) ended far
 * from g*; the derived step and iterations land within sid_tolerance of g*, and too few steps warn
 * with the residual.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sidIterations } from '@sgdiff/core';
import { runCli } from '@sgdiff/cli';

const RIDGE = `dim n = 200
dim m = 20
data D : R[n, m] ~ normal(0, 1)
data y : R[n] ~ normal(0, 1)
data V : R[n, m] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param lam : R[m] ~ uniform(-3, 0)
var z : R[m] = 0
sample i ~ uniform(n, batch = 10)
sample j ~ uniform(n)
minimize f(z, lam; i) = 0.5 * (D[i] . z - y[i])^2 + 0.5 * sum(exp(lam) * z * z)
outer E(z; j) = 0.5 * (V[j] . z - b[j])^2
solve gd { iterations = 3000 step = 1 / L estimator = sid, implicit }
`;

async function run(...set: string[]): Promise<{ json: { final: Record<string, number>; reference: { hypergradient: { lam: number[] } } }; err: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'sgd-sid-defaults-')), 'ridge.sgd');
  writeFileSync(path, RIDGE);
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['run', path, '--json', ...set.flatMap((s) => ['--set', s])], { out: (s) => out.push(s), err: (s) => err.push(s) });
  expect(code).toBe(0);
  return { json: JSON.parse(out.join('\n')), err: err.join('\n') };
}

describe('SID defaults', () => {
  it('derives its iterations from κ and the tolerance', () => {
    // κ = 3: q = 1/2, ln 0.1 / ln 0.5 = 3.32 → 4; on minibatches 20/(1 − 1/4)/0.01 = 2666.7 → 2667.
    expect(sidIterations(3, 0.1, true)).toBe(4);
    expect(sidIterations(3, 0.1, false)).toBe(2667);
    expect(sidIterations(Infinity, 0.1, false)).toBe(1_000_000);
  });

  it('lands within sid_tolerance of g* on the per-feature ridge, where η = 1 for 1000 steps did not', async () => {
    const derived = await run();
    const g = Math.hypot(...derived.json.reference.hypergradient.lam);
    // Measured (seed 0): |g*| ≈ 3.6e-3; the old defaults 1.4e-2 (≈ 4 |g*|), the derived ones ≈ 1e-4.
    expect(derived.json.final.hypergradient_error_sid).toBeLessThan(0.1 * g);
    const old = await run('solve.sid_step=1', 'solve.sid_iterations=1000');
    expect(old.json.final.hypergradient_error_sid).toBeGreaterThan(g);
    expect(old.err).toMatch(/warning: SID: its linear system .* has not converged after 1000 iterations: relative residual \d/);
  });
});
