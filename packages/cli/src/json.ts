/**
 * JSON views of problem instances and derivative evaluations. These shapes are interfaces
 * scripts rely on (`sgd derive --eval --json`, `sgd run --out`): extend, never change.
 */
import type { Instance, Layout, Problem } from '@sgdiff/core';

/**
 * An empty record without a prototype: names from the `.sgd` file (`__proto__`, `constructor`)
 * become plain own keys instead of reaching `Object.prototype`'s accessors.
 * @category CLI
 */
export function record<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * A scalar, vector or matrix as plain JSON numbers.
 * @category CLI
 */
export type JsonTensor = number | number[] | number[][];

/**
 * `values` (row-major) shaped as a number, a list or a list of rows.
 * @category CLI
 */
export function shapeTensor(values: ArrayLike<number>, shape: readonly number[]): JsonTensor {
  if (shape.length === 0) return values[0];
  if (shape.length === 1) return Array.from(values);
  const [rows, cols] = shape;
  return Array.from({ length: rows }, (_, r) => Array.from({ length: cols }, (_, c) => values[r * cols + c]));
}

/**
 * Every dim, const, data, param and var start of the instance, by name.
 * @category CLI
 */
export function instanceJson(problem: Problem, instance: Instance): Record<string, JsonTensor> {
  const out = record<JsonTensor>();
  for (const { name, value } of problem.dims) out[name] = value;
  for (const { name, value } of problem.consts) out[name] = value;
  for (const t of problem.tensors) out[t.name] = shapeTensor(instance.values.get(t.name) as Float64Array, t.shape);
  return out;
}

/**
 * Slices of a flat vector, by the layout's names (each as a flat list of entries).
 * @category CLI
 */
export function byName(flat: ArrayLike<number>, layout: Layout): Record<string, number[]> {
  const out = record<number[]>();
  for (const e of layout.entries) out[e.name] = Array.from({ length: e.size }, (_, k) => flat[e.offset + k]);
  return out;
}

/**
 * The block of a row-major `rows.size × cols.size` matrix for one row entry and one column entry.
 * @category CLI
 */
export function block(matrix: Float64Array, rows: Layout['entries'][number], cols: Layout['entries'][number], width: number): number[][] {
  return Array.from({ length: rows.size }, (_, r) =>
    Array.from({ length: cols.size }, (_, c) => matrix[(rows.offset + r) * width + cols.offset + c]),
  );
}
