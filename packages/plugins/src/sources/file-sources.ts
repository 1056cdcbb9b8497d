/**
 * Data sources that read the user's own files: `npy(file = "A.npy")`, `npz(file = "data.npz",
 * key = "A")`, `csv(file = "A.csv", header_rows = 1)` and `json(file = "A.json")`. Paths are
 * relative to the `.sgd` file (the checker resolves them). `check` reads the file, so that
 * `sgd check` reports what `sgd run` would: a missing or unreadable file, a shape other than the
 * declared one, a dtype that is not real, and the first NaN or infinite entry, with its place in
 * the file. A file is parsed once per process (cached by path and modification time).
 */
import { readFileSync, statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { formatShape, type DataSource, type DataSourceArgs, type Shape } from '@sgdiff/core';
import { parseNpy } from './npy-format.ts';
import { parseCsv, parseJsonTable, type TextTable } from './text-tables.ts';
import { readZipMember, zipMemberNames } from './zip-entries.ts';

/** A file's numbers with their shape and how to name an entry's place. */
type FileTable = TextTable;

/** Parsed files by path, format options and modification time. */
const cache = new Map<string, { readonly mtime: number; readonly table: FileTable }>();

/** The path as it is best shown: relative to the working directory when below it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

/** The NumPy index of entry k of `shape`, `[3, 1]`. */
function numpyIndex(shape: readonly number[], k: number): string {
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  return `[${strides.map((stride, axis) => Math.floor(k / stride) % shape[axis]).join(', ')}]`;
}

/** A NumPy array as a table. */
function npyTable(bytes: Uint8Array): FileTable {
  const array = parseNpy(bytes);
  return { shape: array.shape, values: array.values, locate: (k) => `entry ${numpyIndex(array.shape, k)}` };
}

/** Reads and parses a file, or throws an Error whose message starts with the file's name. */
function load(path: string, format: string, parse: (bytes: Buffer) => FileTable): FileTable {
  let mtime: number;
  let bytes: Buffer;
  try {
    mtime = statSync(path).mtimeMs;
    const hit = cache.get(`${format}\0${path}`);
    if (hit && hit.mtime === mtime) return hit.table;
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${shown(path)}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code})`}`);
  }
  let table: FileTable;
  try {
    table = parse(bytes);
  } catch (error) {
    throw new Error(`${shown(path)}: ${(error as Error).message}`);
  }
  cache.set(`${format}\0${path}`, { mtime, table });
  return table;
}

/** `(3, 4)`, NumPy's way of writing a shape. */
function tuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
}

/**
 * Whether a file's shape fills the declared one: equal, or a single row or column for a vector,
 * or one entry for a scalar.
 */
function fits(declared: Shape, file: readonly number[]): boolean {
  const same = declared.length === file.length && declared.every((n, k) => n === file[k]);
  if (same) return true;
  const count = file.reduce((a, b) => a * b, 1);
  if (declared.length === 0) return count === 1;
  if (declared.length === 1) return file.length === 2 && (file[0] === 1 || file[1] === 1) && count === declared[0];
  return false;
}

/** Why `table` cannot fill `shape` (its shape, or its first non-finite entry), or `undefined`. */
function problems(path: string, table: FileTable, shape: Shape): string | undefined {
  if (!fits(shape, table.shape)) return `${shown(path)} holds shape ${tuple(table.shape)}; the declaration ${formatShape(shape)} needs ${shape.length === 0 ? '()' : tuple(shape)}`;
  const bad = table.values.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) return `${shown(path)}: ${table.locate(bad)} is ${table.values[bad]}; every entry must be a finite number`;
  return undefined;
}

/** A file data source from how it parses a file. */
function fileSource(name: string, doc: string, extra: DataSource['args'], parse: (bytes: Buffer, args: DataSourceArgs) => FileTable, formatKey: (args: DataSourceArgs) => string): DataSource {
  const table = (args: DataSourceArgs): FileTable => load(String(args.file), `${name}\0${formatKey(args)}`, (bytes) => parse(bytes, args));
  const check = (shape: Shape, args: DataSourceArgs): string | undefined => {
    try {
      return problems(String(args.file), table(args), shape);
    } catch (error) {
      return (error as Error).message;
    }
  };
  return {
    name,
    doc,
    args: [{ name: 'file', type: 'path', doc: 'The file, relative to the .sgd file.' }, ...extra],
    check,
    shape(args) {
      try {
        return table(args).shape;
      } catch (error) {
        return (error as Error).message;
      }
    },
    read(shape, args) {
      const reason = check(shape, args);
      if (reason !== undefined) throw new Error(`${name}: ${reason}`);
      return Float64Array.from(table(args).values);
    },
  };
}

/**
 * `npy(file = "A.npy")`: an array saved by `np.save`.
 * @category Problems and references
 */
export const npySource = fileSource(
  'npy',
  'An array saved by NumPy (np.save): real, integer or boolean dtype of either byte order, C or Fortran order, read as float64.',
  [],
  (bytes) => npyTable(bytes),
  () => '',
);

/**
 * `npz(file = "data.npz", key = "A")`: one array of an archive saved by `np.savez` or `np.savez_compressed`.
 * @category Problems and references
 */
export const npzSource = fileSource(
  'npz',
  'One array of an archive saved by NumPy (np.savez or np.savez_compressed), by its key.',
  [{ name: 'key', type: 'string', doc: 'The array’s name in the archive: the keyword given to np.savez (arr_0, arr_1, … for positional arrays).' }],
  (bytes, args) => {
    const key = String(args.key);
    const member = readZipMember(bytes, `${key}.npy`);
    if (!member) {
      const keys = zipMemberNames(bytes).map((n) => n.replace(/\.npy$/, ''));
      throw new Error(`has no array '${key}'; its arrays: ${keys.join(', ') || 'none'}`);
    }
    return npyTable(member);
  },
  (args) => String(args.key),
);

/**
 * `csv(file = "A.csv", header_rows = 1)`: a matrix as text, one row per line.
 * @category Problems and references
 */
export const csvSource = fileSource(
  'csv',
  'A matrix as comma-separated text, one row per line (a vector: one column or one row).',
  [
    { name: 'header_rows', type: 'integer', default: 0, doc: 'Lines to skip at the top (column names).' },
    { name: 'delimiter', type: 'string', values: [',', ';', ' '], default: ',', doc: 'The character between cells.' },
  ],
  (bytes, args) => parseCsv(bytes.toString('utf8'), Number(args.header_rows), String(args.delimiter)),
  (args) => `${args.header_rows}\0${args.delimiter}`,
);

/**
 * `json(file = "A.json")`: nested arrays of numbers.
 * @category Problems and references
 */
export const jsonSource = fileSource(
  'json',
  'Nested JSON arrays of numbers (a matrix: an array of rows), or one number.',
  [],
  (bytes) => parseJsonTable(bytes.toString('utf8')),
  () => '',
);

/**
 * The data sources that read files.
 * @category Problems and references
 */
export const fileSources: readonly DataSource[] = [npySource, npzSource, csvSource, jsonSource];
