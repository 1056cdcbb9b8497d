/**
 * `--set param.NAME=VALUE` and `--set param.NAME[i]=VALUE`: a param set from the command line,
 * whole or one entry, so a finite difference of a whole run needs no edit of the file. Checked
 * against forward tracking: for least squares under gradient descent x_k is affine in θ, so the
 * central difference (x_k(θ + h e_i) − x_k(θ − h e_i)) / 2h is column i of ∂θx_k up to rounding.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, type RunDocument } from '@sgdiff/cli';

const dir = mkdtempSync(join(tmpdir(), 'sgd-set-param-'));
const FILE = join(dir, 'ls.sgd');
writeFileSync(
  FILE,
  `dim n = 6
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve gd {
  iterations = 50
  step = 1 / L
  track = forward
}
`,
);

async function run(...set: string[]): Promise<{ code: number; doc?: RunDocument; err: string; out: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['run', FILE, '--json', '--seed', '3', ...set.flatMap((s) => ['--set', s])], { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, doc: code === 0 ? (JSON.parse(out.join('\n')) as RunDocument) : undefined, err: err.join('\n'), out: out.join('\n') };
}

describe('--set param', () => {
  it('param.NAME[i]=VALUE: central differences of whole runs match the tracked ∂θx (1e-7)', async () => {
    const h = 1e-3;
    const plus = await run(`param.theta[2]=${0.4 + h}`);
    const minus = await run(`param.theta[2]=${0.4 - h}`);
    const base = (await run()).doc!;
    const column = (base.jacobian!.x.theta as number[][]).map((row) => row[2]);
    const difference = (plus.doc!.x.x as number[]).map((v, r) => (v - (minus.doc!.x.x as number[])[r]) / (2 * h));
    expect(column.some((v) => Math.abs(v) > 1e-3)).toBe(true);
    difference.forEach((v, r) => expect(Math.abs(v - column[r])).toBeLessThan(1e-7));
    // Setting an entry changes the run: the other entries keep their drawn values.
    expect(plus.doc!.x.x).not.toEqual(base.x.x);
  });

  it('param.NAME=VALUE sets every entry: θ = 0 gives x_k = 0 from x₀ = 0', async () => {
    const r = await run('param.theta=0');
    expect(r.code).toBe(0);
    for (const v of r.doc!.x.x as number[]) expect(v).toBe(0);
  });

  it('rejects an index outside the shape, an unknown param and a non-number, naming the flag', async () => {
    expect((await run('param.theta[6]=1')).err).toBe('--set param.theta[6]=1: error: theta : R[6] takes 1 0-based index below [6]');
    expect((await run('param.theta[1, 2]=1')).err).toBe('--set param.theta[1, 2]=1: error: theta : R[6] takes 1 0-based index below [6]');
    expect((await run('param.beta[0]=1')).err).toContain(`--set param.beta[0]=1: error: ${FILE} declares no param 'beta'`);
    expect((await run('param.beta=1')).err).toContain(`--set param.beta=1: error: ${FILE} declares no param 'beta'`);
    const bad = await run('param.theta[0]=abc');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('expected param.NAME[i]=NUMBER');
  });

  it('writes the set entry into instance.json, the other entries as drawn', async () => {
    const read = async (name: string, ...set: string[]): Promise<number[]> => {
      const out = join(dir, name);
      await runCli(['run', FILE, '--seed', '3', ...set, '--out', out], { out: () => {}, err: () => {} });
      return (JSON.parse(readFileSync(join(out, 'instance.json'), 'utf8')) as { theta: number[] }).theta;
    };
    const drawn = await read('drawn');
    const set = await read('set', '--set', 'param.theta[4]=0.25');
    expect(set).toEqual(drawn.map((v, j) => (j === 4 ? 0.25 : v)));
  });
});
