/**
 * Limits `sgd run` checks before any work: the estimated memory of the whole run
 * (`--memory-limit`), the solver steps over all runs (`--max-steps`) and the estimated size of
 * what it writes (`--max-output`). The probe's runs that were killed at 4 GB after 26–85 s are
 * refused at once, with the estimate computed by hand here and the flag that raises the limit.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseByteSize, sizeFlagAbove } from '../packages/cli/src/byte-size.ts';
import { sgd, sgdFile } from './support/cli.ts';

/** Runs `sgd run` and how long it took in seconds. */
async function timedRun(...args: string[]): Promise<{ code: number; out: string; err: string; seconds: number }> {
  const started = performance.now();
  const outcome = await sgd('run', ...args);
  return { ...outcome, seconds: (performance.now() - started) / 1000 };
}

describe('memory limit', () => {
  it('three data R[16000, 16000]: refused in under a second with 5.72 GiB of data, naming --memory-limit 8GiB', async () => {
    const file = sgdFile(
      `${['A', 'B', 'C'].map((n) => `data ${n} : R[16000, 16000] ~ normal(0, 1)`).join('\n')}\nvar x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\n`,
      'sgd-limits-',
    );
    const { code, out, err, seconds } = await timedRun(file);
    expect(code).toBe(1);
    expect(out).toBe('');
    // 3 · 16000² + 1 doubles = 6,144,000,008 bytes = 5.72 GiB, over the default 4 GiB.
    expect(err).toContain('the run needs an estimated 5.72 GiB of memory, over the limit of 4.00 GiB');
    expect(err).toContain('data, params and iterate (768000001 doubles × 1 session): 5.72 GiB');
    expect(err).toContain('raise the limit with --memory-limit 8GiB');
    expect(seconds).toBeLessThan(1);
  });

  it('iterations = 1e9 with track = reverse on d = 10: the tape, (1e9 + 1) · (80 + 256) bytes = 313 GiB, refused at once', async () => {
    const file = sgdFile(
      'dim d = 10\nvar x : R[d] = 1\nparam theta : R[d] ~ normal(0, 1)\nminimize f(x, theta) = norm2(x - theta)\nsolve gd { iterations = 1e9 track = reverse }\n',
      'sgd-limits-',
    );
    const { code, err, seconds } = await timedRun(file);
    expect(code).toBe(1);
    expect(err).toContain('the run needs an estimated 313 GiB of memory');
    expect(err).toContain('reverse-mode tape (every iterate): 313 GiB');
    expect(err).toContain('--memory-limit 512GiB');
    expect(seconds).toBeLessThan(1);
    // With checkpoint = sqrt the tape is 2⌈√1e9⌉ = 63,246 iterates (20.3 MiB): within the limit, so
    // the next limit speaks: 1e9 steps are allowed, 2 runs of them are not.
    const steps = await timedRun(file, '--set', 'solve.checkpoint=sqrt', '--runs', '2');
    expect(steps.err).toContain('2 runs × 1000000000 iterations = 2.00e+9 solver steps, over the limit of 1.00e+9; raise it with --max-steps 2e9');
  });

  it('var x : R[30000] with track = none runs (the iterative reference, O(D) memory), within the default limit', async () => {
    const file = sgdFile('var x : R[30000] = 1\nminimize f(x) = norm2(x)\nsolve gd { iterations = 3 track = none }\n', 'sgd-limits-');
    const { code, out } = await timedRun(file);
    expect(code).toBe(0);
    expect(out).toContain('reference: iterative');
  });

  it('a lower --memory-limit refuses a 30.5 MiB instance, a higher one runs it; the Monte Carlo traces count per run', async () => {
    const file = sgdFile('data A : R[2000, 2000] ~ normal(0, 1)\nvar x : R = 0\nminimize f(x) = x^2 + sum(A) * 0\nsolve gd { iterations = 3 }\n', 'sgd-limits-');
    const refused = await timedRun(file, '--memory-limit', '16MiB');
    // 2000² + 1 doubles = 32,000,008 bytes = 30.5 MiB.
    expect(refused.err).toContain('the run needs an estimated 30.5 MiB of memory, over the limit of 16.0 MiB');
    expect(refused.err).toContain('--memory-limit 32MiB');
    expect((await timedRun(file, '--memory-limit', '32MiB')).code).toBe(0);
    // 10⁶ runs × 4 records (iterations + 1) × (14 metrics + 1) doubles, plus one aggregate: 458 MiB.
    const runs = await timedRun(file, '--runs', '1000000', '--memory-limit', '256MiB');
    expect(runs.err).toMatch(/trace values kept for the quantiles \(1000000 runs × 4 records × \d+ metrics\)/);
  });
});

describe('output limit', () => {
  it('refuses --out before the directory is made when the files would exceed --max-output, and writes them under a higher one', async () => {
    const file = sgdFile('data A : R[100, 100] ~ normal(0, 1)\nvar x : R = 0\nminimize f(x) = x^2 + sum(A) * 0\nsolve gd { iterations = 3 }\n', 'sgd-limits-');
    const dir = join(mkdtempSync(join(tmpdir(), 'sgd-limits-out-')), 'out');
    const refused = await timedRun(file, '--out', dir, '--max-output', '64KiB');
    // instance.json: 10,001 numbers × 24 bytes = 234 KiB.
    expect(refused.err).toContain('instance.json: 234 KiB (10001 data, param and var entries)');
    expect(refused.err).toContain('raise it with --max-output 1MiB');
    expect(existsSync(dir)).toBe(false);
    expect((await timedRun(file, '--out', dir, '--max-output', '1MiB')).code).toBe(0);
    expect(existsSync(join(dir, 'instance.json'))).toBe(true);
  });
});

describe('sweep limits', () => {
  it('counts every cell’s instance (all are drawn before the first run) and every cell’s steps', async () => {
    const file = sgdFile('data A : R[2000, 2000] ~ normal(0, 1)\nvar x : R = 0\nminimize f(x) = x^2 + sum(A) * 0\nsolve gd { iterations = 3 step = 0.1 }\n', 'sgd-limits-');
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-limits-sweep-')), 'sweep');
    const grid = ['--grid', 'solve.step=0.1,0.2,0.3', '--out', out];
    // 3 × (2000² + 1) doubles = 96,000,024 bytes (+ 32 bytes of exact reference each) = 91.6 MiB.
    const refused = await sgd('sweep', file, ...grid, '--memory-limit', '64MiB');
    expect(refused.code).toBe(1);
    expect(refused.err).toContain("the sweep needs an estimated 91.6 MiB of memory, over the limit of 64.0 MiB (the 3 cells' instances and references: 91.6 MiB;");
    expect(refused.err).toContain('--memory-limit 128MiB');
    expect(existsSync(out)).toBe(false);
    // 3 cells × 1 run × 3 iterations = 9 steps.
    const steps = await sgd('sweep', file, ...grid, '--max-steps', '5');
    expect(steps.err).toContain('3 cells × 1 runs × their iterations = 9.00e+0 solver steps, over the limit of 5.00e+0; raise it with --max-steps 9e0');
    expect(existsSync(out)).toBe(false);
    expect((await sgd('sweep', file, ...grid, '--memory-limit', '128MiB')).code).toBe(0);
  });
});

describe('limit flags', () => {
  it('parse sizes with binary units, and refuse anything else naming the flag', async () => {
    expect(parseByteSize('8GiB')).toBe(8 * 2 ** 30);
    expect(parseByteSize('512m')).toBe(512 * 2 ** 20);
    expect(parseByteSize('1.5K')).toBe(1536);
    expect(parseByteSize('4096')).toBe(4096);
    expect(sizeFlagAbove(5.72 * 2 ** 30)).toBe('8GiB');
    expect(sizeFlagAbove(30.5 * 2 ** 20)).toBe('32MiB');
    const file = sgdFile('var x : R = 0\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\n', 'sgd-limits-');
    const bad = await sgd('run', file, '--memory-limit', '8 gigs');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain("option '--memory-limit <size>' argument '8 gigs' is invalid. expected a size such as 8GiB, 512MiB or 64KiB");
  });
});
