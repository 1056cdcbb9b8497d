/**
 * A reader of NumPy's `.npy` format (version 1.0, 2.0 and 3.0), as NumPy's
 * `numpy/lib/format.py` documents it: the magic string `\x93NUMPY`, a version, a header length,
 * a Python dict literal `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`, then the
 * raw entries. Real, integer and boolean dtypes of either byte order are read into float64;
 * other dtypes (complex, strings, objects) are refused with their name.
 */

/**
 * The array a `.npy` file holds, as float64 in row-major (C) order.
 * @category Problems and references
 */
export interface NpyArray {
  /** The shape, `()` for a scalar. */
  readonly shape: readonly number[];
  /** The dtype as NumPy wrote it, e.g. `<f8`. */
  readonly dtype: string;
  /** The entries, row-major. */
  readonly values: Float64Array;
}

/**
 * A `.npy` file that cannot be read; the message says why, without the file's name.
 * @category Problems and references
 */
export class NpyFormatError extends Error {
  override readonly name = 'NpyFormatError';
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];

/** Readers of one entry by dtype kind and size, at a byte offset, little-endian or not. */
const ENTRY_READERS: Readonly<Record<string, (view: DataView, at: number, little: boolean) => number>> = {
  f8: (v, at, le) => v.getFloat64(at, le),
  f4: (v, at, le) => v.getFloat32(at, le),
  i8: (v, at, le) => Number(v.getBigInt64(at, le)),
  i4: (v, at, le) => v.getInt32(at, le),
  i2: (v, at, le) => v.getInt16(at, le),
  i1: (v, at) => v.getInt8(at),
  u8: (v, at, le) => Number(v.getBigUint64(at, le)),
  u4: (v, at, le) => v.getUint32(at, le),
  u2: (v, at, le) => v.getUint16(at, le),
  u1: (v, at) => v.getUint8(at),
  b1: (v, at) => (v.getUint8(at) === 0 ? 0 : 1),
};

/**
 * The dtypes this reader accepts, for messages.
 * @category Problems and references
 */
export const NPY_DTYPES = Object.keys(ENTRY_READERS);

/** The value of `key` in the header dict, as its source text. */
function headerField(header: string, key: string): string {
  const match = new RegExp(`['"]${key}['"]\\s*:\\s*('[^']*'|"[^"]*"|True|False|\\([^)]*\\))`).exec(header);
  if (!match) throw new NpyFormatError(`the header has no '${key}': ${header.trim()}`);
  return match[1];
}

/**
 * Parses the bytes of a `.npy` file.
 * @category Problems and references
 */
export function parseNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, k) => bytes[k] !== b)) throw new NpyFormatError('not a .npy file (it does not start with \\x93NUMPY)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new NpyFormatError(`.npy format version ${major}.${bytes[7]} is not supported (1.0 to 3.0 are)`);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) throw new NpyFormatError('the file ends inside its header');
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(headerStart, dataStart));
  const descr = headerField(header, 'descr').slice(1, -1);
  const fortran = headerField(header, 'fortran_order') === 'True';
  const shape = headerField(header, 'shape')
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map(Number);
  if (shape.some((n) => !Number.isInteger(n) || n < 0)) throw new NpyFormatError(`the header's shape is not a tuple of sizes: ${header.trim()}`);
  const order = descr[0];
  const kind = descr.slice(1);
  const read = ENTRY_READERS[kind];
  if (!'<>|='.includes(order) || !read) {
    throw new NpyFormatError(`dtype '${descr}' cannot be read as real numbers; save the array as float64 (a.astype(np.float64)) or one of ${NPY_DTYPES.join(', ')}`);
  }
  const little = order !== '>';
  const size = Number(kind.slice(1));
  const count = shape.reduce((a, b) => a * b, 1);
  if (dataStart + count * size > bytes.length) throw new NpyFormatError(`the file is truncated: shape (${shape.join(', ')}) of ${descr} needs ${count * size} bytes of data, it has ${bytes.length - dataStart}`);
  const values = new Float64Array(count);
  // Fortran order stores the first index fastest: entry k of the file is the row-major entry with reversed index order.
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  const index = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < count; k++) {
    const value = read(view, dataStart + k * size, little);
    if (!fortran) values[k] = value;
    else {
      values[index.reduce((at, i, axis) => at + i * strides[axis], 0)] = value;
      for (let axis = 0; axis < shape.length; axis++) {
        if (++index[axis] < shape[axis]) break;
        index[axis] = 0;
      }
    }
  }
  return { shape, dtype: descr, values };
}
