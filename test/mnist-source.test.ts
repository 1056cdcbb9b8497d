/**
 * End to end: the `mnist` data source through `sgd check`, `sgd derive --eval --json` and
 * `sgd run`, in process: the instance holds the digits the source reads, the derivatives are
 * those of the logistic loss over them, and mistakes in the call are positioned errors.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {type Evaluation } from '@sgdiff/cli';
import { mnistSource } from '@sgdiff/plugins';
import { sgd } from './support/cli.ts';

function tempFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'sgd-mnist-')), 'mnist.sgd');
  writeFileSync(path, text);
  return path;
}

const M = 50;
const D = 4;

/** Logistic regression, odd against even, on D random projections of the pixels of M training digits. */
function logistic(dataLines: string): string {
  return `dim m = ${M}
dim d = ${D}
${dataLines}
data P : R[784, d] ~ normal(0, 0.05)
param theta : R[d] = 0
var x : R[d] = 0
sample i ~ uniform(m)
minimize f(x, theta; i) = softplus(-y[i] * ((A[i] @ P) . x)) + 0.05 * norm2(x - theta)
solve gd { iterations = 200 }
report { suboptimality, distance }
`;
}

const GOOD = logistic(`data A : R[m, 784] from mnist(split = "train", scale = "pm1")
data y : R[m] from mnist(split = "train", field = "labels", labels = "odd-even")`);

describe('sgd with the mnist source', () => {
  it('checks a file reading pixels and labels, with the defaults filled in', async () => {
    const r = await sgd('check', tempFile(GOOD));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`A : R[${M}, 784] from mnist(split = "train", field = "pixels", labels = "odd-even", scale = "pm1")`);
    expect(r.out).toContain(`y : R[${M}] from mnist(split = "train", field = "labels", labels = "odd-even", scale = "01")`);
  });

  it('evaluates F and ∇F over the digits the source reads', async () => {
    const r = await sgd('derive', tempFile(GOOD), '--eval', '--seed', '3', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const e = JSON.parse(r.out) as Evaluation;
    const A = e.instance.A as number[][];
    const y = e.instance.y as number[];
    const P = e.instance.P as number[][];
    const args = { split: 'train', field: 'pixels', labels: 'odd-even', scale: 'pm1' };
    expect(A.flat()).toEqual(Array.from(mnistSource.read([M, 784], args, 3)));
    expect(y).toEqual(Array.from(mnistSource.read([M], { ...args, field: 'labels' }, 3)));
    expect(new Set(y)).toEqual(new Set([-1, 1]));
    // At x = θ = 0: F = log 2 and ∇F = −(1/2) mean_i y_i (A_i P).
    expect(e.objective).toBeCloseTo(Math.log(2), 14);
    const expected = new Array<number>(D).fill(0);
    for (let i = 0; i < M; i++) {
      for (let c = 0; c < D; c++) {
        let z = 0;
        for (let p = 0; p < 784; p++) z += A[i][p] * P[p][c];
        expected[c] -= (0.5 * y[i] * z) / M;
      }
    }
    e.gradient.x.forEach((g, c) => expect(g).toBeCloseTo(expected[c], 12));
  });

  it('runs GD to the reference solution', async () => {
    const r = await sgd('run', tempFile(GOOD), '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const { final } = JSON.parse(r.out);
    expect(final.distance).toBeLessThan(1e-6);
  });

  it('reports a tensor with more rows than the split at the call', async () => {
    const file = tempFile(logistic(`data A : R[6000, 784] from mnist(split = "train")
data y : R[m] from mnist(split = "train", field = "labels")`));
    const r = await sgd('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:3:28: error: mnist: split 'train' has 5000 rows; R[6000, 784] asks for 6000`);
    expect(r.err).toMatch(/\n {27}\^~~~/);
  });

  it('reports a shape the field cannot have', async () => {
    const file = tempFile(logistic(`data A : R[m, 784] from mnist(split = "train")
data y : R[m] from mnist(split = "train")`));
    const r = await sgd('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:4:20: error: mnist: field 'pixels' reads one 28 × 28 image per row, R[m, 784] with m ≤ 5000; got R[${M}]`);
  });

  it('reports an unknown argument, a value not allowed and a missing split, all at once', async () => {
    const file = tempFile(logistic(`data A : R[m, 784] from mnist(split = "test", scael = "pm1")
data y : R[m] from mnist(field = "labels")`));
    const r = await sgd('check', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:3:39: error: argument 'split' of 'mnist' must be "train", "validation" or "all"; got "test"`);
    expect(r.err).toContain(`${file}:3:47: error: 'mnist' has no argument 'scael' (did you mean 'scale'?); its arguments: 'split', 'field', 'labels', 'scale'`);
    expect(r.err).toContain(`${file}:4:20: error: 'mnist' needs the argument 'split' ("train", "validation" or "all")`);
  });

  it('runs the example file (200 digits: its Newton reference once failed Cholesky on a Hessian not exactly symmetric)', async () => {
    const r = await sgd('run', 'examples/mnist-logistic.sgd', '--set', 'solve.iterations=20', '--set', 'solve.track=none', '--json');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.reference.certified).toBe(true);
    expect(result.final.distance).toBeLessThan(0.5);
  });

  it('lists the source in sgd plugins', async () => {
    const r = await sgd('plugins');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\n {2}mnist +Handwritten digits/);
    expect(r.out).toMatch(/\n {2}split +\(required\) +"train" \| "validation" \| "all" /);
  });
});
