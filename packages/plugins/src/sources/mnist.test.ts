import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DataSourceArgs } from '@sgdiff/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultRegistry } from '../module.ts';
import { MNIST_IMAGES, MNIST_PIXELS, mnistData, mnistOrder } from './mnist-data.ts';
import { mnistSource } from './mnist.ts';

/** Every argument, as the checker hands them over (defaults filled in). */
function args(given: Record<string, string>): DataSourceArgs {
  return { field: 'pixels', labels: 'odd-even', scale: '01', ...given };
}

/** Whether two arrays hold the same numbers (one assertion instead of one per entry). */
function same(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

const read = (shape: number[], given: Record<string, string>, seed = 1): Float64Array => mnistSource.read(shape, args(given), seed);

/** The images of one digit file, straight from the package. */
function digitFile(digit: number): number[] {
  const path = createRequire(import.meta.url).resolve(`mnist/src/digits/${digit}.json`);
  return (JSON.parse(readFileSync(path, 'utf8')) as { data: number[] }).data;
}

describe('the mnist data', () => {
  let loadMs = 0;
  beforeAll(() => {
    const start = performance.now();
    mnistData();
    loadMs = performance.now() - start;
  });

  it('loads the 10,000 images once, fast enough', () => {
    expect(loadMs).toBeLessThan(5000); // about 1 s on an idle machine; generous for loaded CI
    const again = performance.now();
    expect(mnistData()).toBe(mnistData());
    expect(performance.now() - again).toBeLessThan(5);
    expect(mnistData().pixels.length).toBe(MNIST_IMAGES * MNIST_PIXELS);
  });

  it('shuffles by a fixed permutation of all images', () => {
    const order = mnistOrder();
    expect(same(order, mnistOrder())).toBe(true);
    expect(same([...order].sort((a, b) => a - b), Array.from({ length: MNIST_IMAGES }, (_, i) => i))).toBe(true);
    // Pinned: changing the shuffle changes every split, which must be a deliberate decision.
    expect(Array.from(order.slice(0, 5))).toEqual([3546, 3745, 2696, 840, 4999]);
  });

  it('keeps each image with its digit: row k is file image order[k]', () => {
    const { pixels, digits, fileIndex } = mnistData();
    const zeros = digitFile(0); // file-order images 0..1000 are the zeros
    const k = Array.from(fileIndex).findIndex((i) => i === 17);
    expect(digits[k]).toBe(0);
    expect(same(pixels.subarray(k * MNIST_PIXELS, (k + 1) * MNIST_PIXELS), zeros.slice(17 * MNIST_PIXELS, 18 * MNIST_PIXELS))).toBe(true);
  });
});

describe('the mnist source', () => {
  it('reads R[m, 784] pixels and R[m] labels of the first m rows of a split', () => {
    const pixels = read([20, 784], { split: 'train' });
    expect(pixels.length).toBe(20 * 784);
    expect(read([7], { split: 'validation', field: 'labels' }).length).toBe(7);
    // A prefix of a longer read.
    expect(same(read([5, 784], { split: 'train' }), pixels.subarray(0, 5 * 784))).toBe(true);
  });

  it('is deterministic and independent of the run seed', () => {
    expect(same(read([30, 784], { split: 'validation' }, 1), read([30, 784], { split: 'validation' }, 999))).toBe(true);
    expect(same(read([30], { split: 'train', field: 'labels' }, 3), read([30], { split: 'train', field: 'labels' }, 4))).toBe(true);
  });

  it('splits into disjoint train and validation halves; all is train then validation', () => {
    const { fileIndex } = mnistData();
    const train = new Set(fileIndex.subarray(0, 5000));
    const validation = new Set(fileIndex.subarray(5000));
    expect(train.size).toBe(5000);
    expect(validation.size).toBe(5000);
    expect([...validation].some((i) => train.has(i))).toBe(false);
    const all = read([10_000], { split: 'all', field: 'labels', labels: 'digit' });
    expect(same(all.subarray(0, 5000), read([5000], { split: 'train', field: 'labels', labels: 'digit' }))).toBe(true);
    expect(same(all.subarray(5000), read([5000], { split: 'validation', field: 'labels', labels: 'digit' }))).toBe(true);
    const rows = read([3, 784], { split: 'validation' });
    expect(same(rows, read([5003, 784], { split: 'all' }).subarray(5000 * 784))).toBe(true);
  });

  it('gives odd-even labels ±1 (odd is +1) and digit labels 0..9, for the same rows', () => {
    const digit = read([5000], { split: 'train', field: 'labels', labels: 'digit' });
    const oddEven = read([5000], { split: 'train', field: 'labels' });
    expect(new Set(digit)).toEqual(new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]));
    expect(new Set(oddEven)).toEqual(new Set([-1, 1]));
    expect(same(oddEven, digit.map((d) => (d % 2 === 1 ? 1 : -1)))).toBe(true);
    // Both classes are well represented in every split.
    const odd = oddEven.filter((v) => v === 1).length;
    expect(odd).toBeGreaterThan(2000);
    expect(odd).toBeLessThan(3000);
  });

  it('scales pixels to [0, 1] or [-1, 1]', () => {
    const p01 = read([100, 784], { split: 'train' });
    const pm1 = read([100, 784], { split: 'train', scale: 'pm1' });
    expect(Math.min(...p01)).toBe(0);
    expect(Math.max(...p01)).toBe(1);
    expect(Math.min(...pm1)).toBe(-1);
    expect(Math.max(...pm1)).toBe(1);
    expect(same(pm1, p01.map((p) => 2 * p - 1))).toBe(true);
    // Digits are dark strokes on a 0 background: most pixels are 0, some are not.
    const ink = p01.filter((v) => v > 0).length / p01.length;
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.5);
  });

  it('refuses shapes it cannot read, with the reason', () => {
    expect(mnistSource.check([5000, 784], args({ split: 'train' }))).toBeUndefined();
    expect(mnistSource.check([10_000], args({ split: 'all', field: 'labels' }))).toBeUndefined();
    expect(mnistSource.check([6000, 784], args({ split: 'train' }))).toBe("split 'train' has 5000 rows; R[6000, 784] asks for 6000");
    expect(mnistSource.check([5001], args({ split: 'validation', field: 'labels' }))).toBe("split 'validation' has 5000 rows; R[5001] asks for 5001");
    expect(mnistSource.check([10, 28], args({ split: 'train' }))).toBe("field 'pixels' reads one 28 × 28 image per row, R[m, 784] with m ≤ 5000; got R[10, 28]");
    expect(mnistSource.check([10], args({ split: 'train' }))).toMatch(/^field 'pixels' reads .* got R\[10\]$/);
    expect(mnistSource.check([], args({ split: 'all' }))).toMatch(/got R$/);
    expect(mnistSource.check([10, 784], args({ split: 'all', field: 'labels' }))).toBe("field 'labels' reads one label per image, R[m] with m ≤ 10000; got R[10, 784]");
    expect(() => read([6000, 784], { split: 'train' })).toThrow(/^mnist: split 'train' has 5000 rows/);
  });

  it('is registered with the built-in plugins', () => {
    expect(defaultRegistry().sources.get('mnist')).toBe(mnistSource);
  });
});
