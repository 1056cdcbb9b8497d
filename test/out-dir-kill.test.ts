/**
 * `sgd run --out DIR` survives a kill: SIGKILL at 20 random moments of a real `sgd` process
 * leaves DIR either absent or complete (every file listed in `manifest.json` with its size and
 * SHA-256, every file parses, all from the one run the seed defines), a killed run's staging
 * directory is removed by the next run, and rerunning over a finished DIR is refused and leaves
 * it intact.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { checkOutDir, MANIFEST, manifestOf, writeOutDir, type Manifest } from '../packages/cli/src/run/out-dir.ts';
import { SGD_FROM_SOURCES } from './support/cli.ts';

const PROGRAM = `dim n = 40
dim d = 10
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve sgd { iterations = 3000  step = 1 / (mu * (k + 8 * kappa^2))  track = forward }
report every log 100 { suboptimality, distance, jacobian_error }
`;

const sgdArgs = (file: string, out: string): string[] => [SGD_FROM_SOURCES, 'run', file, '--out', out, '--seed', '3'];

/** Runs `sgd` to completion, four at once as the kills are (the wall time then matches theirs); the slowest time in ms. */
async function referenceRuns(file: string, outs: readonly string[]): Promise<number> {
  const started = performance.now();
  await Promise.all(outs.map((out) => killAfter(file, out, Number.POSITIVE_INFINITY)));
  return performance.now() - started;
}

/** Runs `sgd` to completion; its wall time in ms and exit code. */
function runToEnd(file: string, out: string): { ms: number; code: number | null } {
  const started = performance.now();
  const r = spawnSync(process.execPath, sgdArgs(file, out), { encoding: 'utf8' });
  return { ms: performance.now() - started, code: r.status };
}

/** Starts `sgd` and SIGKILLs it after `afterMs` (or lets it finish first); resolves when it is gone. */
function killAfter(file: string, out: string, afterMs: number): Promise<void> {
  return new Promise((done) => {
    const child = spawn(process.execPath, sgdArgs(file, out), { stdio: 'ignore' });
    const timer = Number.isFinite(afterMs) ? setTimeout(() => child.kill('SIGKILL'), afterMs) : undefined;
    child.on('exit', () => {
      clearTimeout(timer);
      done();
    });
  });
}

/** Every property of a complete directory; returns its manifest. */
function assertComplete(dir: string): Manifest {
  const manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as Manifest;
  expect(readdirSync(dir).sort()).toEqual([...Object.keys(manifest.files), MANIFEST].sort());
  const contents: Record<string, string> = {};
  for (const [name, entry] of Object.entries(manifest.files)) {
    const bytes = readFileSync(join(dir, name));
    expect({ name, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') }).toEqual({ name, ...entry });
    contents[name] = bytes.toString('utf8');
    if (name.endsWith('.json')) expect(() => JSON.parse(contents[name])).not.toThrow();
    if (name.endsWith('.svg')) expect(contents[name].trimEnd().endsWith('</svg>')).toBe(true);
    if (name.endsWith('.csv')) {
      const rows = contents[name].trimEnd().split('\n').map((row) => row.split(',').length);
      expect(new Set(rows).size).toBe(1);
    }
  }
  expect(manifestOf(contents)).toEqual(manifest);
  return manifest;
}

describe('--out under SIGKILL', () => {
  it('20 kills at random moments: DIR absent or complete and from the one run; staging left behind is cleaned by the next run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-kill-'));
    const file = join(root, 'p.sgd');
    writeFileSync(file, PROGRAM);
    const referenceOuts = [0, 1, 2, 3].map((k) => join(root, `reference-${k}`));
    const ms = await referenceRuns(file, referenceOuts);
    const { run } = assertComplete(referenceOuts[0]);
    for (const out of referenceOuts) expect(assertComplete(out).run).toBe(run);

    const random = seedrandom('kills');
    // Uniform over the second half of the run and a little past it, where the results are written.
    const moments = Array.from({ length: 20 }, () => ms * (0.5 + 0.6 * random()));
    const parents = moments.map((_, k) => join(root, `kill-${k}`));
    parents.forEach((p) => mkdirSync(p));
    // Four at a time: the machine is shared; a slower process only moves the moments earlier in its run.
    for (let k = 0; k < moments.length; k += 4) {
      await Promise.all(moments.slice(k, k + 4).map((ms, j) => killAfter(file, join(parents[k + j], 'out'), ms)));
    }
    let complete = 0;
    let staged = 0;
    for (const parent of parents) {
      const out = join(parent, 'out');
      if (existsSync(out)) {
        expect(assertComplete(out).run).toBe(run);
        complete += 1;
      }
      const leftovers = readdirSync(parent).filter((n) => n.startsWith('.out.partial-'));
      staged += leftovers.length;
      if (leftovers.length > 0 && !existsSync(out)) {
        // The next run into DIR removes the staging of the killed one and completes.
        expect(runToEnd(file, out).code).toBe(0);
        expect(readdirSync(parent)).toEqual(['out']);
        expect(assertComplete(out).run).toBe(run);
      }
    }
    console.log(`kill test: 20 kills (4 parallel runs take ${(ms / 1000).toFixed(1)} s): ${complete} complete directories, ${20 - complete} absent, ${staged} staging directories cleaned`);
  }, 300_000);

  it('rerunning over a finished DIR is refused and leaves it intact', () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-rerun-'));
    const out = join(root, 'out');
    writeOutDir(out, { 'a.json': '{"a":1}', 'trace.csv': 'k,x\n0,1\n' });
    const before = assertComplete(out);
    expect(() => checkOutDir(out)).toThrow(/the directory exists and is not empty/);
    expect(assertComplete(out)).toEqual(before);
  });

  it('removes a staging directory only when its process is gone', () => {
    const root = mkdtempSync(join(tmpdir(), 'sgd-stale-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = join(root, `.out.partial-${dead}-abc123`);
    const live = join(root, `.out.partial-${process.pid}-def456`);
    const other = join(root, `.other.partial-${dead}-ghi789`);
    for (const d of [stale, live, other]) mkdirSync(d);
    checkOutDir(join(root, 'out'));
    expect(readdirSync(root).sort()).toEqual([`.other.partial-${dead}-ghi789`, `.out.partial-${process.pid}-def456`].sort());
  });
});
