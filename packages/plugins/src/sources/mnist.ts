/**
 * The `mnist` data source: `data A : R[m, 784] from mnist(split = "train")` reads the pixels
 * of the first m images of a split, `data y : R[m] from mnist(split = "train", field =
 * "labels")` their labels, row for row the same images. See docs/data-sources.md.
 */
import { formatShape, type DataSource, type DataSourceArgs, type Shape } from '@sgdiff/core';
import { MNIST_PIXELS, MNIST_SPLITS, mnistData, type MnistSplit } from './mnist-data.ts';

/** Why `shape` cannot be read with `args` (already validated against the declarations), or `undefined`. */
function checkMnist(shape: Shape, args: DataSourceArgs): string | undefined {
  const split = args.split as MnistSplit;
  const available = MNIST_SPLITS[split].rows;
  if (args.field === 'labels') {
    if (shape.length !== 1) return `field 'labels' reads one label per image, R[m] with m ≤ ${available}; got ${formatShape(shape)}`;
  } else if (shape.length !== 2 || shape[1] !== MNIST_PIXELS) {
    return `field 'pixels' reads one 28 × 28 image per row, R[m, ${MNIST_PIXELS}] with m ≤ ${available}; got ${formatShape(shape)}`;
  }
  if (shape[0] > available) return `split '${split}' has ${available} rows; ${formatShape(shape)} asks for ${shape[0]}`;
  return undefined;
}

/** The first `shape[0]` rows of the split: pixels (scaled) or labels. The run seed is not used: the data is fixed. */
function readMnist(shape: Shape, args: DataSourceArgs): Float64Array {
  const reason = checkMnist(shape, args);
  if (reason !== undefined) throw new Error(`mnist: ${reason}`);
  const { pixels, digits } = mnistData();
  const { start } = MNIST_SPLITS[args.split as MnistSplit];
  const rows = shape[0];
  if (args.field === 'labels') {
    const out = new Float64Array(rows);
    for (let r = 0; r < rows; r++) {
      const digit = digits[start + r];
      out[r] = args.labels === 'digit' ? digit : digit % 2 === 1 ? 1 : -1;
    }
    return out;
  }
  const out = pixels.slice(start * MNIST_PIXELS, (start + rows) * MNIST_PIXELS);
  if (args.scale === 'pm1') for (let k = 0; k < out.length; k++) out[k] = 2 * out[k] - 1;
  return out;
}

/**
 * Real handwritten digits from the `mnist` package: 10,000 images in a fixed shuffled order, split 5,000 / 5,000.
 * @category Problems and references
 */
export const mnistSource: DataSource = {
  name: 'mnist',
  doc: 'Handwritten digits (28 × 28 pixels) from the mnist package: the first m images of a fixed split, as pixels R[m, 784] or labels R[m].',
  args: [
    { name: 'split', type: 'string', values: ['train', 'validation', 'all'], doc: 'Which images: train (5000), validation (the other 5000) or all (10000, train first).' },
    { name: 'field', type: 'string', values: ['pixels', 'labels'], default: 'pixels', doc: 'Pixels, R[m, 784], or labels, R[m].' },
    { name: 'labels', type: 'string', values: ['odd-even', 'digit'], default: 'odd-even', doc: 'Labels as +1 for odd digits and -1 for even ones, or the digit 0 to 9.' },
    { name: 'scale', type: 'string', values: ['01', 'pm1'], default: '01', doc: 'Pixels in [0, 1] (0 is background), or mapped to [-1, 1] by 2p - 1.' },
  ],
  check: checkMnist,
  read: readMnist,
};
