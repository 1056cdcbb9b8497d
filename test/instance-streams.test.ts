/**
 * Same seed, same bits, on every machine: the instance `sgd derive --eval --seed N` prints is
 * rebuilt here from seedrandom itself, following the documented streams (one ARC4 stream per
 * declaration, keyed `SEED/KIND/NAME`; entries in row-major order; a normal from two uniforms
 * by Box–Muller, cosine half, u = 1 − U; a uniform as lo + (hi − lo)·U), and a few values are
 * pinned as literals so that a change of seedrandom or of the draws cannot pass unnoticed.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import seedrandom from 'seedrandom';
import { describe, expect, it } from 'vitest';
import { runCli } from '@sgdiff/cli';

const SOURCE = `dim n = 4
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ uniform(-1, 2)
var x : R[d] ~ normal(0.5, 2)
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
`;

function normals(key: string, count: number, mean: number, sd: number): number[] {
  const rng = seedrandom(key);
  return Array.from({ length: count }, () => {
    const u = 1 - rng.double();
    const v = rng.double();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

function uniforms(key: string, count: number, lo: number, hi: number): number[] {
  const rng = seedrandom(key);
  return Array.from({ length: count }, () => lo + (hi - lo) * rng.double());
}

async function instance(seed: number): Promise<Record<string, number | number[] | number[][]>> {
  const path = join(mkdtempSync(join(tmpdir(), 'sgd-streams-')), 'p.sgd');
  writeFileSync(path, SOURCE);
  const out: string[] = [];
  expect(await runCli(['derive', path, '--eval', '--seed', String(seed), '--json'], { out: (s) => out.push(s), err: () => {} })).toBe(0);
  return JSON.parse(out.join('')).instance;
}

describe('instance streams', () => {
  it.each([0, 7, 123456789])('seed %i: every tensor equals its own seedrandom stream, bit for bit', async (seed) => {
    const drawn = await instance(seed);
    expect((drawn.A as number[][]).flat()).toEqual(normals(`${seed}/data/A`, 12, 0, 1));
    expect(drawn.theta).toEqual(uniforms(`${seed}/param/theta`, 4, -1, 2));
    expect(drawn.x).toEqual(normals(`${seed}/var/x`, 3, 0.5, 2));
  });

  it('pins the first draws of seed 7 (a change here changes every user’s instances)', async () => {
    const drawn = await instance(7);
    expect((drawn.A as number[][])[0][0]).toBe(1.0125911488391406);
    expect((drawn.theta as number[])[0]).toBe(-0.5589353921893216);
    expect((drawn.x as number[])[0]).toBe(2.897220494131108);
  });
});
