/**
 * A sweep stopped for real (SIGKILL, or SIGINT as Ctrl-C sends it) while its cells run leaves a
 * summary of the cells finished so far that parses, and `--resume` completes it to the bytes of
 * an uninterrupted sweep.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sgd, SGD_FROM_SOURCES } from './support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'sweep-kill-'));
const file = join(dir, 'ls.sgd');
writeFileSync(
  file,
  'dim n = 200\ndim d = 20\ndata A : R[n, d] ~ normal(0, 1)\ndata b : R[n] ~ normal(0, 1)\nvar x : R[d] = 0\nsample i ~ uniform(n)\nminimize f(x; i) = (A[i] . x - b[i])^2\nsolve sgd { iterations = 20000  step = 0.001  reference = none }\nreport every log 20 { gradient_norm }\n',
);
const grid = ['--grid', 'solve.step=linspace(0.0005, 0.002, 6)', '--runs', '1'];

interface Summary {
  readonly rows: ReadonlyArray<{ readonly cell: number }>;
}

/** Starts a sweep and sends `signal` once its summary lists a finished cell; resolves with the summary then on disk. */
function stopAfterFirstCell(out: string, signal: NodeJS.Signals): Promise<Summary> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [SGD_FROM_SOURCES, 'sweep', file, ...grid, '--out', out], { stdio: 'ignore' });
    const poll = setInterval(() => {
      const path = join(out, 'summary.json');
      if (existsSync(path) && (JSON.parse(readFileSync(path, 'utf8')) as Summary).rows.length > 0) {
        clearInterval(poll);
        child.kill(signal);
      }
    }, 20);
    child.on('exit', (code, killedBy) => {
      clearInterval(poll);
      if (killedBy !== signal) return fail(new Error(`the sweep ended by itself (code ${code}) before it could be stopped`));
      done(JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Summary);
    });
  });
}

describe('an interrupted sweep', () => {
  it.each(['SIGKILL', 'SIGINT'] as const)('stopped by %s keeps a parsable summary of its finished cells, and --resume completes it to the same bytes', async (signal) => {
    const full = join(dir, `full-${signal}`);
    expect((await sgd('sweep', file, ...grid, '--out', full)).code).toBe(0);
    const cut = join(dir, `cut-${signal}`);
    const left = await stopAfterFirstCell(cut, signal);
    // Some cells finished, not all. summary.json is written last: the CSV holds its rows, or one
    // cell more when the stop fell between the two files; each line is one of the full sweep's.
    expect(left.rows.length).toBeGreaterThan(0);
    expect(left.rows.length).toBeLessThan(6);
    const csv = readFileSync(join(cut, 'summary.csv'), 'utf8').trim().split('\n');
    expect([1 + left.rows.length, 2 + left.rows.length]).toContain(csv.length);
    const fullCsv = readFileSync(join(full, 'summary.csv'), 'utf8').trim().split('\n');
    for (const line of csv) expect(fullCsv).toContain(line);
    const resumed = await sgd('sweep', file, ...grid, '--out', cut, '--resume');
    expect(resumed.err).toBe('');
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(cut, 'summary.csv'), 'utf8')).toBe(readFileSync(join(full, 'summary.csv'), 'utf8'));
    expect(readFileSync(join(cut, 'summary.json'), 'utf8')).toBe(readFileSync(join(full, 'summary.json'), 'utf8'));
  }, 120_000);
});
