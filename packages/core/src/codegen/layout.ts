/** Where each input of a kernel lives: a slice of one of the kernel's array arguments, or a data array. */
import type { Node } from '../ir/node.ts';

/** A kernel argument holding inputs: `x` (vars), `th` (params) or `t` (the tangent direction). */
export type KernelBuffer = 'x' | 'th' | 't';

/** The position of an input node's entries. */
export type InputLocation =
  /** Entries at `buffer[offset ...]`. */
  | { readonly kind: 'buffer'; readonly buffer: KernelBuffer; readonly offset: number }
  /** Entries are those of a fixed array, bound when the kernel is compiled. */
  | { readonly kind: 'data'; readonly values: Float64Array }
  /** The sample index argument `i`. */
  | { readonly kind: 'sample' };

/** Resolves every input node a kernel may meet. Throws for inputs it does not know. */
export type InputResolver = (input: Node) => InputLocation;
