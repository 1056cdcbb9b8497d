/**
 * The user's own data from files: `npy`, `npz`, `csv` and `json` sources, read against files
 * NumPy wrote (test/fixtures/data, made once by make_fixtures.py with NumPy 2.4), paths relative
 * to the `.sgd` file, and every mismatch reported by `sgd check` at the declaration, naming the
 * data file and the place in it. The expected values are computed here from the formula the
 * script used, A[i, j] = i − 0.25 j + 0.125 (exact in binary, so float32 stores it exactly too).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseNpy, readZipMember } from '@sgdiff/plugins';
import { sgd } from './support/cli.ts';

const FIXTURES = resolve(import.meta.dirname, 'fixtures/data');
const A = Array.from({ length: 3 }, (_, i) => Array.from({ length: 4 }, (_, j) => i - 0.25 * j + 0.125));

/** A .sgd file in the fixtures' directory (so relative paths reach them) declaring `data` lines. */
function problem(data: string): string {
  const dir = mkdtempSync(join(FIXTURES, '.tmp-'));
  const path = join(dir, 'p.sgd');
  writeFileSync(path, `dim n = 3\ndim d = 4\n${data}\nvar x : R[d] = 0\nminimize f(x) = 0.5 * norm2(A @ x) + 0.5 * norm2(x)\n`);
  return path;
}

/** The instance's A from `sgd derive --eval --json`. */
async function loadedA(data: string): Promise<number[][]> {
  const r = await sgd('derive', problem(data), '--eval', '--json');
  expect(r.err).toBe('');
  return JSON.parse(r.out).instance.A as number[][];
}

describe('the .npy reader on files NumPy wrote', () => {
  it('reads <f8 in C order, >f8, and <f4 in Fortran order to the same matrix', () => {
    for (const file of ['A.npy', 'A_big_endian.npy', 'A_f4_fortran.npy']) {
      const array = parseNpy(readFileSync(join(FIXTURES, file)));
      expect(array.shape, file).toEqual([3, 4]);
      expect(Array.from(array.values), file).toEqual(A.flat());
    }
  });

  it('reads int32 and bool, and names a complex dtype it refuses', () => {
    expect(Array.from(parseNpy(readFileSync(join(FIXTURES, 'y_i4.npy'))).values)).toEqual([3, -1, 4]);
    expect(Array.from(parseNpy(readFileSync(join(FIXTURES, 'flags_b1.npy'))).values)).toEqual([1, 0, 1]);
    expect(() => parseNpy(readFileSync(join(FIXTURES, 'complex.npy')))).toThrow(/dtype '<c16' cannot be read as real numbers/);
  });

  it('reads stored (np.savez) and deflated (np.savez_compressed) .npz members', () => {
    for (const file of ['stored.npz', 'compressed.npz']) {
      const bytes = readFileSync(join(FIXTURES, file));
      expect(Array.from(parseNpy(readZipMember(bytes, 'A.npy')!).values), file).toEqual(A.flat());
      expect(Array.from(parseNpy(readZipMember(bytes, 'y.npy')!).values), file).toEqual([3, -1, 4]);
      expect(readZipMember(bytes, 'z.npy')).toBeUndefined();
    }
  });
});

describe('data from files in a .sgd problem', () => {
  it('npy, npz, csv and json fill the declared matrix, paths relative to the .sgd file', async () => {
    expect(await loadedA('data A : R[n, d] from npy(file = "../A.npy")')).toEqual(A);
    expect(await loadedA('data A : R[n, d] from npz(file = "../compressed.npz", key = "A")')).toEqual(A);
    expect(await loadedA('data A : R[n, d] from csv(file = "../A.csv", header_rows = 1)')).toEqual(A);
    expect(await loadedA('data A : R[n, d] from json(file = "../A.json")')).toEqual(A);
  });

  it('the derivatives use the file’s values: ∇F(1) = AᵀA·1 + 1 for F = ½‖Ax‖² + ½‖x‖² (1e-12)', async () => {
    const dir = mkdtempSync(join(FIXTURES, '.tmp-'));
    const path = join(dir, 'p.sgd');
    writeFileSync(path, 'dim n = 3\ndim d = 4\ndata A : R[n, d] from npy(file = "../A.npy")\nvar x : R[d] = 1\nminimize f(x) = 0.5 * norm2(A @ x) + 0.5 * norm2(x)\n');
    const r = await sgd('derive', path, '--eval', '--json');
    const gradient = JSON.parse(r.out).gradient.x as number[];
    const rowSums = A.map((row) => row.reduce((a, b) => a + b, 0));
    const expected = A[0].map((_, j) => A.reduce((sum, row, i) => sum + row[j] * rowSums[i], 0) + 1);
    gradient.forEach((g, j) => expect(Math.abs(g - expected[j])).toBeLessThan(1e-12));
  });

  it('sgd check reports a shape mismatch, a NaN with its index, a missing file and a missing key at the declaration', async () => {
    const cases: Array<[string, RegExp]> = [
      ['data A : R[d, n] from npy(file = "../A.npy")', /:3:\d+: error: npy: \S*A\.npy holds shape \(3, 4\); the declaration R\[4, 3\] needs \(4, 3\)/],
      ['data A : R[n, d] from npy(file = "../A_nan.npy")', /:3:\d+: error: npy: \S*A_nan\.npy: entry \[2, 1\] is NaN; every entry must be a finite number/],
      ['data A : R[n, d] from npy(file = "../missing.npy")', /:3:\d+: error: npy: \S*missing\.npy: no such file/],
      ['data A : R[n, d] from npz(file = "../stored.npz", key = "B")', /:3:\d+: error: npz: \S*stored\.npz: has no array 'B'; its arrays: A, y/],
      ['data A : R[n, d] from npy(file = "../complex.npy")', /:3:\d+: error: npy: \S*complex\.npy: dtype '<c16' cannot be read as real numbers/],
      ['data A : R[n, d] from csv(file = "../A.csv")', /:3:\d+: error: csv: \S*A\.csv: line 1, column 1: 'a' is not a number \(a header line\? add header_rows = 1\)/],
    ];
    for (const [line, expected] of cases) {
      const r = await sgd('check', problem(line));
      expect(r.code, line).toBe(1);
      expect(r.err, line).toMatch(expected);
    }
  });

  it('dims are taken from the data: dim n = rows(npy(...)), dim d = cols(csv(...))', async () => {
    const dir = mkdtempSync(join(FIXTURES, '.tmp-'));
    const path = join(dir, 'p.sgd');
    writeFileSync(
      path,
      'dim n = rows(npy(file = "../A.npy"))\ndim d = cols(csv(file = "../A.csv", header_rows = 1))\ndata A : R[n, d] from npy(file = "../A.npy")\nvar x : R[d] = 0\nminimize f(x) = 0.5 * norm2(A @ x) + 0.5 * norm2(x)\n',
    );
    const r = await sgd('check', path, '--json');
    expect(r.err).toBe('');
    expect(JSON.parse(r.out).dims).toEqual({ n: 3, d: 4 });
    writeFileSync(path, 'dim n = rows(npy(file = "../missing.npy"))\ndim m = cols(npy(file = "../y_i4.npy"))\ndim k = rows(mnist(split = "train"))\nvar x : R = 0\nminimize f(x) = x^2\n');
    const bad = await sgd('check', path);
    expect(bad.err).toMatch(/p\.sgd:1:14: error: npy: \S*missing\.npy: no such file/);
    expect(bad.err).toMatch(/p\.sgd:2:9: error: npy: the data has shape \(3\), which has no cols/);
    expect(bad.err).toMatch(/p\.sgd:3:14: error: mnist: this source cannot tell its shape; write the dim's value/);
  });

  it('CSV and JSON errors name the line and column, or the index path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sgd-data-'));
    writeFileSync(join(dir, 'bad.csv'), '1,2,3,4\n5,6,x,8\n9,10,11,12\n');
    writeFileSync(join(dir, 'ragged.csv'), '1,2,3,4\n5,6,7\n9,10,11,12\n');
    writeFileSync(join(dir, 'inf.csv'), '1,2,3,4\n5,6,7,8\n9,10,inf,12\n');
    writeFileSync(join(dir, 'null.json'), '[[1,2,3,4],[5,null,7,8],[9,10,11,12]]');
    const cases: Array<[string, string]> = [
      ['csv(file = "bad.csv")', "line 2, column 3: 'x' is not a number"],
      ['csv(file = "ragged.csv")', 'line 2 has 3 columns; line 1, the first row, has 4'],
      ['csv(file = "inf.csv")', 'line 3, column 3 is Infinity; every entry must be a finite number'],
      ['json(file = "null.json")', '[1][1] is NaN; every entry must be a finite number'],
    ];
    for (const [call, expected] of cases) {
      const path = join(dir, 'p.sgd');
      writeFileSync(path, `dim n = 3\ndim d = 4\ndata A : R[n, d] from ${call}\nvar x : R[d] = 0\nminimize f(x) = 0.5 * norm2(A @ x)\n`);
      const r = await sgd('check', path);
      expect(r.err, call).toContain(expected);
      expect(r.err, call).toMatch(/p\.sgd:3:\d+: error: /);
    }
  });
});
