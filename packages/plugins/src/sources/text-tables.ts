/**
 * Numbers from text files: CSV (one row of the matrix per line) and JSON (nested arrays). Each
 * reader returns the table's shape and entries, or says where the first entry that is not a
 * number is (line and column for CSV, the index path for JSON).
 */

/**
 * A table read from a text file.
 * @category Problems and references
 */
export interface TextTable {
  /** `[rows, columns]` for CSV; the nesting's sizes for JSON. */
  readonly shape: readonly number[];
  /** The entries, row-major. */
  readonly values: Float64Array;
  /** Where entry k (row-major) is in the file, for messages: `line 5, column 2` or `[4][1]`. */
  readonly locate: (k: number) => string;
}

/**
 * A text file whose content is not a table of numbers; the message says where.
 * @category Problems and references
 */
export class TableFormatError extends Error {
  override readonly name = 'TableFormatError';
}

/** The cell as a number: decimal and exponent notation, plus NaN and (-)inf/Infinity, which the caller refuses with their place. */
function parseCell(cell: string): number | undefined {
  const text = cell.trim().replace(/^"(.*)"$/, '$1').trim();
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return Number(text);
  if (/^nan$/i.test(text)) return NaN;
  if (/^[+-]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  return undefined;
}

/**
 * Parses CSV text: `headerRows` lines skipped, then one row per non-empty line, cells split at `delimiter`.
 * @category Problems and references
 */
export function parseCsv(text: string, headerRows: number, delimiter: string): TextTable {
  const lines = text.split(/\r?\n/);
  const rows: number[][] = [];
  const lineOf: number[] = [];
  for (let l = headerRows; l < lines.length; l++) {
    if (lines[l].trim() === '') continue;
    const cells = lines[l].split(delimiter);
    const row = cells.map((cell, c) => {
      const value = parseCell(cell);
      if (value === undefined) {
        const shown = cell.trim().length > 24 ? `${cell.trim().slice(0, 24)}…` : cell.trim();
        throw new TableFormatError(`line ${l + 1}, column ${c + 1}: ${shown === '' ? 'an empty cell' : `'${shown}'`} is not a number${l === 0 && headerRows === 0 ? ' (a header line? add header_rows = 1)' : ''}`);
      }
      return value;
    });
    if (rows.length > 0 && row.length !== rows[0].length) {
      throw new TableFormatError(`line ${l + 1} has ${row.length} columns; line ${lineOf[0] + 1}, the first row, has ${rows[0].length}`);
    }
    rows.push(row);
    lineOf.push(l);
  }
  if (rows.length === 0) throw new TableFormatError('no rows of numbers');
  const columns = rows[0].length;
  return {
    shape: [rows.length, columns],
    values: Float64Array.from(rows.flat()),
    locate: (k) => `line ${lineOf[Math.floor(k / columns)] + 1}, column ${(k % columns) + 1}`,
  };
}

/**
 * Parses JSON: a number, or arrays nested to a regular shape; `null` stands for a missing value (refused by the caller with its place).
 * @category Problems and references
 */
export function parseJsonTable(text: string): TextTable {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new TableFormatError(`not JSON: ${(error as Error).message}`);
  }
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    if (level.length === 0) throw new TableFormatError(`an empty array at depth ${shape.length}`);
    shape.push(level.length);
  }
  const values: number[] = [];
  const visit = (value: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (value === null) values.push(NaN);
      else if (typeof value === 'number') values.push(value);
      else throw new TableFormatError(`${path || 'the value'} is ${Array.isArray(value) ? 'an array, deeper than the first entries' : JSON.stringify(value)?.slice(0, 24)}, not a number`);
      return;
    }
    if (!Array.isArray(value) || value.length !== shape[depth]) {
      throw new TableFormatError(`${path || 'the value'} is ${Array.isArray(value) ? `an array of ${value.length}` : 'not an array'}; the first at that depth has ${shape[depth]} entries`);
    }
    value.forEach((item, i) => visit(item, depth + 1, `${path}[${i}]`));
  };
  visit(data, 0, '');
  const strides = shape.map((_, axis) => shape.slice(axis + 1).reduce((a, b) => a * b, 1));
  return {
    shape,
    values: Float64Array.from(values),
    locate: (k) => strides.map((stride, axis) => `[${Math.floor(k / stride) % shape[axis]}]`).join(''),
  };
}
