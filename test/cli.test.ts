/**
 * The `sgd` command as a user meets it: output, exit codes and error messages, in process
 * (fast) and once as a real subprocess (no stack trace, JSON only on stdout).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sgd, SGD_FROM_SOURCES } from './support/cli.ts';


function tempFile(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sgd-cli-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const EXAMPLE = 'examples/least-squares.sgd';

describe('sgd check', () => {
  it('summarizes the least-squares example', async () => {
    const r = await sgd('check', EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toContain('dims       n = 100, d = 50');
    expect(r.out).toContain('A : R[100, 50] ~ normal(0, 1)');
    expect(r.out).toContain('i ~ uniform(100)');
    expect(r.out).toMatch(/solver +sgd \{ iterations = 100000, track = forward, .*step = 1 \/ \(mu \* \(k \+ 8 \* kappa\^2\)\) \}/);
  });

  it('prints every error of a file with positions and exits 1', async () => {
    const file = tempFile('bad.sgd', 'dim n = 3\nvar x : R[n] = 0\nminimize f(x) = norm2(x) + y + z\n');
    const r = await sgd('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:3:28: error:`);
    expect(r.err).toContain(`${file}:3:32: error:`);
    expect(r.err).toMatch(/\n {27}\^/);
    expect(r.out).toBe('');
  });

  it('prints warnings on stderr and still succeeds', async () => {
    const file = tempFile('warn.sgd', 'var x : R = 1\nminimize f(x) = x^2\nsolve gd { iterations = 3 }\nreport every log 5 { distance, distance }\n');
    for (const command of [['check', file], ['derive', file], ['run', file]]) {
      const r = await sgd(...command);
      expect(r.code).toBe(0);
      expect(r.err).toContain(`${file}:4:32: warning: metric 'distance' is listed twice`);
    }
  });

  it('reports an unreadable file without a stack trace', async () => {
    const r = await sgd('check', '/nonexistent/dir/p.sgd');
    expect(r.code).toBe(1);
    expect(r.err).toBe('/nonexistent/dir/p.sgd: error: cannot read file: no such file');
  });

  it('rejects unknown flags and commands with exit code 1', async () => {
    expect((await sgd('check', EXAMPLE, '--bogus')).code).toBe(1);
    expect((await sgd('frobnicate')).code).toBe(1);
    expect((await sgd('derive', EXAMPLE, '--format', 'html')).code).toBe(1);
    expect((await sgd('derive', EXAMPLE, '--eval', '--seed', '-3')).code).toBe(1);
  });
});

describe('sgd plugins', () => {
  it('lists every option with its type, default and values (enum lists too)', async () => {
    const r = await sgd('plugins');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}estimator +implicit +list of analytic, automatic, implicit, sid\n/);
    expect(r.out).toMatch(/\n {2}sid_sampling +stochastic +stochastic \| full\n/);
  });
});

describe('sgd derive', () => {
  it('prints the gradient, Hessian product and cross product of least squares', async () => {
    const r = await sgd('derive', EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.out).toContain('t1 = x . A[i] - theta[i]');
    expect(r.out).toContain('∇_x F = mean over i of A[i] * t1');
    expect(r.out).toContain('∇²_x,x F · v_x = mean over i of A[i] * (A[i] . v_x)');
    expect(r.out).toContain('∇²_x,theta F · u_theta = mean over i of -(A[i] * u_theta[i])');
  });

  it('prints LaTeX', async () => {
    const r = await sgd('derive', EXAMPLE, '--format', 'latex');
    expect(r.out).toMatch(/^\\begin\{aligned\}/);
    expect(r.out).toContain('\\nabla_{x} F &= \\mathbb{E}_{i}\\left[{A}_{i} \\, t_{1}\\right]');
  });

  it('evaluates the same bits for the same seed, other bits for another', async () => {
    const a = await sgd('derive', EXAMPLE, '--eval', '--seed', '3', '--json');
    const b = await sgd('derive', EXAMPLE, '--eval', '--seed', '3', '--json');
    const c = await sgd('derive', EXAMPLE, '--eval', '--seed', '4', '--json');
    expect(a.out).toBe(b.out);
    expect(JSON.parse(c.out).instance.A[0][0]).not.toBe(JSON.parse(a.out).instance.A[0][0]);
  });
});

describe('sgd as a subprocess', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [SGD_FROM_SOURCES, ...args], { encoding: 'utf8' });

  it('prints only JSON on stdout with --json', () => {
    const r = run(['derive', EXAMPLE, '--eval', '--seed', '1', '--json']);
    expect(r.status).toBe(0);
    const parsed = JSON.parse(r.stdout);
    expect(Object.keys(parsed)).toEqual(['instance', 'objective', 'gradient', 'hessian', 'cross']);
    expect(parsed.gradient.x).toHaveLength(50);
    expect(parsed.cross.x.theta).toHaveLength(50);
    expect(parsed.cross.x.theta[0]).toHaveLength(100);
  });

  it('never shows a stack trace for a user mistake, and writes nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgd-cli-'));
    const file = join(dir, 'bad.sgd');
    writeFileSync(file, 'dim n = 0\nvar x : R[n] = 0\nminimize f(x) = sum(x)\n');
    const r = run(['derive', file, '--eval', '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toContain(`${file}:1:9: error:`);
    expect(readdirSync(dir)).toEqual(['bad.sgd']);
  });

  it('is reachable as `pnpm --silent sgd`, with nothing on stderr', () => {
    // Under `pnpm test` the environment holds pnpm's own npm_config_* settings, which npx (npm)
    // would warn about ("Unknown env config"); the command is started as a user starts it, without them.
    const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.toLowerCase().startsWith('npm_config_')));
    const r = spawnSync('npx', ['--yes', 'pnpm@10.34.8', '--silent', 'sgd', 'check', EXAMPLE, '--json'], { encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout).dims).toEqual({ n: 100, d: 50 });
  });
});
