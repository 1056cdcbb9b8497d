/**
 * `sgd run --out DIR --resume`: a real `sgd` process SIGKILLed at three moments of a Monte Carlo
 * run, then resumed from its checkpoint, writes the same bytes (every file) as an uninterrupted
 * run; the resume must have taken runs from the checkpoint for the test to count. The run-order
 * fold the command streams the runs into is checked against a direct computation over arrays
 * (the mean and interpolated quantiles, written here), bit for bit.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { checkpointDir, SeriesFold } from '@sgdiff/cli';
import { sgd, SGD_FROM_SOURCES } from './support/cli.ts';

const PROGRAM = `dim n = 20
dim d = 5
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve sgd { iterations = 100  step = 1 / (mu * (k + 8 * kappa^2))  track = forward }
`;

const RUNS = '150';
const args = (file: string, out: string, ...more: string[]): string[] => [SGD_FROM_SOURCES, 'run', file, '--runs', RUNS, '--seed', '5', '--out', out, '--checkpoint', '0.05', ...more];

/**
 * Starts `sgd` with `argv` and SIGKILLs it as soon as `ready()` holds (polled every 20 ms: the
 * checkpoint has reached the moment wanted), or lets it finish; resolves when it is gone. Polling
 * the checkpoint rather than waiting a fixed time keeps the kill moments inside the runs however
 * slow the machine is.
 */
function killWhen(argv: readonly string[], ready: () => boolean): Promise<void> {
  return new Promise((done) => {
    const child = spawn(process.execPath, argv, { stdio: 'ignore' });
    const poll = setInterval(() => {
      if (ready()) child.kill('SIGKILL');
    }, 20);
    child.on('exit', () => {
      clearInterval(poll);
      done();
    });
  });
}

/** Complete lines of a checkpoint log (0 when absent). */
function loggedRuns(out: string): number {
  const log = join(checkpointDir(out), 'runs.jsonl');
  return existsSync(log) ? readFileSync(log, 'utf8').split('\n').length - 1 : 0;
}

function filesOf(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

describe('sgd run --resume', () => {
  it('after SIGKILL at three moments, resuming gives the bytes of an uninterrupted run (1 and 2 workers)', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-resume-'));
    const file = join(root, 'p.sgd');
    writeFileSync(file, PROGRAM);
    const started = performance.now();
    const whole = spawnSync(process.execPath, args(file, join(root, 'whole')), { encoding: 'utf8' });
    const ms = performance.now() - started;
    expect(whole.status).toBe(0);
    const expected = filesOf(join(root, 'whole'));
    expect(Object.keys(expected).sort()).toEqual(['instance.json', 'manifest.json', 'plot.svg', 'result.json', 'trace.csv']);
    let resumedRuns = 0;
    // Killed once the log holds at least 1, 40 and 100 of the 150 runs (and then some: polling and flushes add a random delay).
    for (const [j, logged] of [1, 40, 100].entries()) {
      const out = join(root, `killed-${j}`);
      await killWhen(args(file, out), () => loggedRuns(out) >= logged);
      if (existsSync(join(out, 'manifest.json'))) continue; // finished before the kill: nothing to resume
      const lines = loggedRuns(out);
      expect(lines).toBeGreaterThanOrEqual(logged);
      resumedRuns += lines;
      const resumed = spawnSync(process.execPath, [...args(file, out, '--resume'), '--workers', String(1 + (j % 2))], { encoding: 'utf8' });
      expect(resumed.stderr).toBe('');
      expect(resumed.status).toBe(0);
      expect(filesOf(out)).toEqual(expected);
      expect(existsSync(checkpointDir(out))).toBe(false);
    }
    console.log(`resume test: uninterrupted run ${(ms / 1000).toFixed(1)} s; ${resumedRuns} runs taken from checkpoints`);
    expect(resumedRuns).toBeGreaterThan(0);
  }, 300_000);

  it('a single long run resumes mid-way from partial.json (stepper, streams, ∂θs, trace): same bytes; a tampered trace in it shows, so it is used', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-resume-long-'));
    const file = join(root, 'p.sgd');
    writeFileSync(file, PROGRAM.replace('iterations = 100', 'iterations = 1000000'));
    const single = (out: string, ...more: string[]): string[] => [SGD_FROM_SOURCES, 'run', file, '--seed', '5', '--out', out, '--checkpoint', '0.05', ...more];
    const started = performance.now();
    expect(spawnSync(process.execPath, single(join(root, 'whole'))).status).toBe(0);
    const ms = performance.now() - started;
    const expected = filesOf(join(root, 'whole'));
    let resumedAt = 0;
    type Partial = { run: number; state: { stepper: { k: number }; trace: { metrics: Record<string, { numbers: string }> } } };
    const partialOf = (out: string): Partial | undefined => {
      const path = join(checkpointDir(out), 'partial.json');
      return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Partial) : undefined;
    };
    // Killed once the run has checkpointed past 1, 300,000 and 700,000 iterations.
    for (const reached of [1, 300_000, 700_000]) {
      const out = join(root, `killed-${reached}`);
      await killWhen(single(out), () => (partialOf(out)?.state.stepper.k ?? 0) >= reached);
      if (existsSync(join(out, 'manifest.json'))) continue; // finished before the kill: nothing to resume
      const partial = partialOf(out);
      expect(partial).toBeDefined();
      if (!partial) continue;
      expect(partial.run).toBe(0);
      expect(partial.state.stepper.k).toBeGreaterThanOrEqual(reached);
      resumedAt = Math.max(resumedAt, partial.state.stepper.k);
      // A copy with the first recorded suboptimality replaced: the resumed trace.csv must show it.
      const tampered = join(root, `tampered-${reached}`);
      cpSync(checkpointDir(out), checkpointDir(tampered), { recursive: true });
      const column = Object.values(partial.state.trace.metrics)[0];
      const values = new Float64Array(Uint8Array.from(Buffer.from(column.numbers, 'base64')).buffer);
      values[0] = 12345;
      column.numbers = Buffer.from(values.buffer).toString('base64');
      writeFileSync(join(checkpointDir(tampered), 'partial.json'), JSON.stringify(partial));
      expect(spawnSync(process.execPath, single(tampered, '--resume')).status).toBe(0);
      expect(readFileSync(join(tampered, 'trace.csv'), 'utf8').split('\n')[1].split(',')[1]).toBe('12345');
      const resumed = spawnSync(process.execPath, single(out, '--resume'), { encoding: 'utf8' });
      expect(resumed.status).toBe(0);
      expect(filesOf(out)).toEqual(expected);
    }
    console.log(`resume test (one run of 10⁶ iterations, ${(ms / 1000).toFixed(1)} s): resumed from iteration ${resumedAt} at the latest`);
    expect(resumedAt).toBeGreaterThan(0);
  }, 300_000);

  it('refuses what it cannot resume, and says when DIR is complete already', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-resume-'));
    const file = join(root, 'p.sgd');
    writeFileSync(file, PROGRAM.replace('iterations = 100', 'iterations = 10'));
    expect((await sgd('run', file, '--resume')).err).toBe('--resume: error: needs --out DIR (the directory of the run to continue) or --queue URL (the jobs to re-attach to)');
    const out = join(root, 'out');
    const none = await sgd('run', file, '--out', out, '--resume');
    expect(none.code).toBe(1);
    expect(none.err).toContain(`--resume: error: ${out} has no checkpoint to resume`);
    // A checkpoint of another run (its header names what it belongs to by a hash) is refused.
    mkdirSync(checkpointDir(out));
    writeFileSync(join(checkpointDir(out), 'header.json'), JSON.stringify({ identity: 'another run' }));
    const mismatch = await sgd('run', file, '--out', out, '--resume');
    expect(mismatch.code).toBe(1);
    expect(mismatch.err).toBe(`--resume: error: ${out}'s checkpoint is of another file, seed, run count or --set`);
    // Killed after DIR was complete but before the checkpoint was removed: resuming says so and cleans up.
    const complete = join(root, 'complete');
    expect((await sgd('run', file, '--out', complete)).code).toBe(0);
    mkdirSync(checkpointDir(complete));
    const done = await sgd('run', file, '--out', complete, '--resume');
    expect(done.code).toBe(0);
    expect(done.out).toBe(`${complete}: complete already; nothing to resume`);
    expect(existsSync(checkpointDir(complete))).toBe(false);
  }, 120_000);
});

describe('the run-order fold', () => {
  /** The statistics over arrays, as written here: mean of the non-NaN values, quantiles by linear interpolation of the sorted ones. */
  function direct(values: number[], q: number): number {
    const v = values.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    if (v.length === 0) return NaN;
    const at = q * (v.length - 1);
    const lo = Math.floor(at);
    return v[lo] + (v[Math.ceil(at)] - v[lo]) * (at - lo);
  }

  it('gives bit for bit the mean and 10/50/90% quantiles of 257 series with NaN entries and runs that stop early', () => {
    const random = seedrandom('fold');
    const runs = 257;
    const series = Array.from({ length: runs }, () => {
      const length = 1 + Math.floor(random() * 12);
      return { k: Array.from({ length }, (_, j) => j), m: Array.from({ length }, () => (random() < 0.1 ? NaN : (random() - 0.5) * 10 ** (4 * random()))) };
    });
    const fold = new SeriesFold(runs);
    for (const s of series) fold.add(s.k, { m: s.m });
    const result = fold.result();
    expect(result.k).toEqual(Array.from({ length: 12 }, (_, j) => j));
    for (let j = 0; j < 12; j++) {
      const column = series.map((s) => s.m[j]).filter((v) => v !== undefined);
      const finite = column.filter((v) => !Number.isNaN(v));
      let sum = 0;
      for (const v of finite) sum += v;
      expect(Object.is(result.metrics.m.mean[j], finite.length > 0 ? sum / finite.length : NaN)).toBe(true);
      expect(Object.is(result.metrics.m.q10[j], direct(column, 0.1))).toBe(true);
      expect(Object.is(result.metrics.m.median[j], direct(column, 0.5))).toBe(true);
      expect(Object.is(result.metrics.m.q90[j], direct(column, 0.9))).toBe(true);
    }
  });
});
