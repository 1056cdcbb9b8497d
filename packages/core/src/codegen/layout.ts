/** Where each input of a kernel lives: a slice of one of the kernel's array arguments, or a data array. */
import type { Node } from '../ir/node.ts';

/**
 * A kernel argument holding inputs: `x` (the state: vars, then any solver state), `th`
 * (params), `t` (a direction in the state), `u` (a direction in the params), `h` (per-iteration
 * scalars and vectors of a solver, such as the step size).
 * @category Code generation
 */
export type KernelBuffer = 'x' | 'th' | 't' | 'u' | 'h';

/**
 * The position of an input node's entries.
 * @category Code generation
 */
export type InputLocation =
  /** Entries at `buffer[offset ...]`. */
  | { readonly kind: 'buffer'; readonly buffer: KernelBuffer; readonly offset: number }
  /** Entries are those of a fixed array, bound when the kernel is compiled. */
  | { readonly kind: 'data'; readonly values: Float64Array }
  /** The sample index of the current batch entry. */
  | { readonly kind: 'sample' };

/**
 * Resolves every input node a kernel may meet. Throws for inputs it does not know.
 * @category Code generation
 */
export type InputResolver = (input: Node) => InputLocation;
