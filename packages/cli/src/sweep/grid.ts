/**
 * `--grid KEY=VALUES` of `sgd sweep`: the axes of the cartesian grid. KEY is `solve.OPTION`,
 * `const.NAME` or `sample.batch`; VALUES a comma-separated list of numbers, `logspace(a, b, n)`
 * (n values 10^a … 10^b) or `linspace(a, b, n)`.
 */
import { UserError } from '../errors.ts';

/** One axis of the grid. */
export interface GridAxis {
  /** The key as written, e.g. `solve.step` (the summary's column name). */
  readonly key: string;
  /** What it sets. */
  readonly target: 'solve' | 'const' | 'sample';
  /** The option, const name, or `batch`. */
  readonly name: string;
  /** Its values, in order. */
  readonly values: readonly number[];
}

/** One cell: a value per axis, in axis order. */
export type GridCell = readonly number[];

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string, flag: string): number {
  const t = text.trim();
  if (!NUMBER.test(t) || !Number.isFinite(Number(t))) throw new UserError(`--grid ${flag}: error: '${t}' is not a finite number`);
  return Number(t);
}

function parseValues(text: string, flag: string): number[] {
  const range = /^\s*(logspace|linspace)\s*\((.*)\)\s*$/s.exec(text);
  if (range) {
    const args = range[2].split(',');
    if (args.length !== 3) throw new UserError(`--grid ${flag}: error: ${range[1]} takes 3 arguments (a, b, n), got ${args.length}`);
    const [a, b] = args.slice(0, 2).map((s) => parseNumber(s, flag));
    const n = parseNumber(args[2], flag);
    if (!Number.isInteger(n) || n < 1) throw new UserError(`--grid ${flag}: error: the number of values n must be a positive integer, got ${n}`);
    return Array.from({ length: n }, (_, i) => {
      const t = n === 1 ? a : a + ((b - a) * i) / (n - 1);
      return range[1] === 'logspace' ? 10 ** t : t;
    });
  }
  if (text.trim() === '') throw new UserError(`--grid ${flag}: error: the grid has no values`);
  return text.split(',').map((s) => parseNumber(s, flag));
}

/** Parses one `--grid` flag; errors name the flag. */
export function parseGridFlag(flag: string): GridAxis {
  const eq = flag.indexOf('=');
  const key = eq < 0 ? flag : flag.slice(0, eq);
  const match = /^(solve|const|sample)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(key.trim());
  if (!match) throw new UserError(`--grid ${flag}: error: unknown key '${key}'; expected solve.OPTION, const.NAME or sample.batch`);
  const target = match[1] as GridAxis['target'];
  if (target === 'sample' && match[2] !== 'batch') throw new UserError(`--grid ${flag}: error: unknown key '${key}'; a sample's only setting is sample.batch`);
  if (eq < 0) throw new UserError(`--grid ${flag}: error: the grid has no values; expected ${key}=v1,v2,... or ${key}=logspace(a, b, n)`);
  const values = parseValues(flag.slice(eq + 1), flag);
  if (target === 'sample' && values.some((v) => !Number.isInteger(v) || v < 1)) throw new UserError(`--grid ${flag}: error: sample.batch values must be positive integers`);
  return { key: key.trim(), target, name: match[2], values };
}

/** Checks that no key is given twice. */
export function checkAxes(axes: readonly GridAxis[]): void {
  const seen = new Set<string>();
  for (const axis of axes) {
    if (seen.has(axis.key)) throw new UserError(`--grid ${axis.key}: error: the key is given twice`);
    seen.add(axis.key);
  }
  if (axes.length === 0) throw new UserError('sgd sweep: error: give at least one --grid KEY=VALUES');
}

/** Every cell of the grid, the last axis varying fastest. */
export function gridCells(axes: readonly GridAxis[]): GridCell[] {
  return axes.reduce<GridCell[]>((cells, axis) => cells.flatMap((cell) => axis.values.map((v) => [...cell, v])), [[]]);
}

/** A value as the language reads it (shortest round-trip form; `1e-7`, never `1e-7` with a `+`). */
export function valueText(value: number): string {
  return String(value).replace('e+', 'e');
}
