/**
 * Flat layouts: all vars of a problem concatenated into one vector x ∈ R^D, all params into
 * θ ∈ R^P, in declaration order, each tensor row-major. Solvers, kernels and Jacobians work on
 * these flat vectors; names come back only when results are reported.
 */
import { sizeOf, type Shape } from '../ir/shape.ts';
import type { Problem, TensorSymbol } from './problem.ts';

/**
 * One tensor's slice of a flat vector.
 * @category Problems and references
 */
export interface LayoutEntry {
  /** The tensor. */
  readonly symbol: TensorSymbol;
  /** Its name. */
  readonly name: string;
  /** Its shape. */
  readonly shape: Shape;
  /** First flat position. */
  readonly offset: number;
  /** Entry count. */
  readonly size: number;
}

/**
 * The concatenation of several tensors into one flat vector.
 * @category Problems and references
 */
export interface Layout {
  /** Slices in declaration order. */
  readonly entries: readonly LayoutEntry[];
  /** Total length. */
  readonly size: number;
}

/**
 * The layout of the tensors of one kind (`var` for x, `param` for θ).
 * @category Problems and references
 */
export function layoutOf(problem: Problem, kind: 'var' | 'param'): Layout {
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (const symbol of problem.tensors) {
    if (symbol.kind !== kind) continue;
    const size = sizeOf(symbol.shape);
    entries.push({ symbol, name: symbol.name, shape: symbol.shape, offset, size });
    offset += size;
  }
  return { entries, size: offset };
}

/**
 * The slice of `flat` holding `entry`, as a view (no copy).
 * @category Problems and references
 */
export function sliceOf(flat: Float64Array, entry: LayoutEntry): Float64Array {
  return flat.subarray(entry.offset, entry.offset + entry.size);
}
