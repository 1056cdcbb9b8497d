/**
 * `sgd check` refuses what `sgd run` would refuse from the file alone (g2 without iteration
 * tracking, a step that is 0 or infinite at k = 0), the run summary shows SID's error, and a
 * divergence is named by one iteration.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {type RunDocument } from '@sgdiff/cli';
import { sgd } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sgd-check-run-'));

/** A ridge problem with an upper objective; `solve` is the body of its solve block. */
function ridge(solve: string): string {
  const path = join(mkdtempSync(join(dir, 'p-')), 'ridge.sgd');
  writeFileSync(
    path,
    `dim n = 20
dim d = 4
data A : R[n, d] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param lam : R = 1
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, lam; i) = 0.5 * (A[i] . x - b[i])^2 + 0.5 * lam * norm2(x)
outer E(x, lam) = 0.5 * norm2(x)
solve sgd {
${solve}
}
`,
  );
  return path;
}

describe('sgd check refuses what sgd run would', () => {
  it("estimator = automatic without track = forward | reverse: the same positioned error from check and run", async () => {
    const path = ridge('  iterations = 100\n  estimator = automatic, implicit');
    const expected = `${path}:12:15: error: estimator 'automatic' differentiates through the iterations: set track = forward or track = reverse (got track = none)`;
    const check = await sgd('check', path);
    const run = await sgd('run', path);
    expect(check.code).toBe(1);
    expect(run.code).toBe(1);
    expect(check.err.split('\n')[0]).toBe(expected);
    expect(run.err.split('\n')[0]).toBe(expected);
    expect((await sgd('check', ridge('  iterations = 100\n  track = forward\n  estimator = automatic'))).code).toBe(0);
  });

  it.each([
    ['step = 0', "'step' is 0 at the first iteration (k = 0): the solver would not move"],
    ['step = 0.5 * k / (k + 1)', "'step' is 0 at the first iteration (k = 0)"],
    ['step = 1 / (mu * k)', "'step' is not finite at the first iteration (k = 0)"],
    ['sid_step = 0 * kappa', "'sid_step' is 0 at the first iteration (k = 0)"],
  ])('%s is an error at its value', async (option, message) => {
    const path = ridge(`  iterations = 100\n  ${option}`);
    const r = await sgd('check', path);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${path}:12:${option.indexOf('=') + 5}: error: ${message}`);
  });

  it('a step that is 0 from k = 1 on, or positive at k = 0, is accepted', async () => {
    expect((await sgd('check', ridge('  step = 1 / (k + 1)'))).code).toBe(0);
    expect((await sgd('check', ridge('  step = 1 / L * exp(-k)'))).code).toBe(0);
  });

  it('--set solve.step=0 is reported against the flag', async () => {
    const run = await sgd('run', ridge('  iterations = 100'), '--set', 'solve.step=0');
    expect(run.code).toBe(1);
    expect(run.err).toContain("--set solve.step=0: error: 'step' is 0 at the first iteration (k = 0)");
  });
});

describe('the run summary', () => {
  it("shows SID's error, the value result.json holds", async () => {
    const path = ridge('  iterations = 500\n  step = 1 / (L + mu * k)\n  estimator = implicit, sid\n  sid_iterations = 300');
    const text = await sgd('run', path);
    const json = await sgd('run', path, '--json');
    const document = JSON.parse(json.out) as RunDocument;
    const sidError = (document.final as Record<string, number>).hypergradient_error_sid;
    expect(sidError).toBeGreaterThan(0);
    expect(text.out).toMatch(new RegExp(`\\n  hypergradient_error_sid +${sidError.toExponential(3).replace('.', '\\.').replace('+', '\\+')}  \\(after 300 SID iterations\\)`));
  });

  it('says where the plot is with --out, creating missing parent directories', async () => {
    const out = join(dir, 'not', 'yet', 'run');
    const r = await sgd('run', 'examples/least-squares.sgd', '--set', 'solve.iterations=100', '--out', out);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').at(-1)).toBe(`plot: ${join(out, 'plot.svg')} (with instance.json, trace.csv, result.json)`);
    expect(readFileSync(join(out, 'plot.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('names a divergence by the iteration the error names', async () => {
    const r = await sgd('run', 'examples/least-squares.sgd', '--set', 'solve.step=3/L', '--set', 'solve.iterations=2000');
    expect(r.code).toBe(2);
    const iteration = /diverged at iteration (\d+)/.exec(r.err)![1];
    expect(r.out).toContain(`diverged at iteration ${iteration}; the last values recorded before it, at k = `);
  });
});
