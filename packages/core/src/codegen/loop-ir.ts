/**
 * The loop IR: what a kernel does, as loops, locals, loads and stores over flat arrays, with no
 * target language in it. The lowering (`lower.ts`, with each operator's own in its record's `lower`) writes it from the plan; an
 * emitter (`emit-js.ts`, later a WebAssembly one) turns it into code. It holds no source text and
 * no names from the `.sgd` file: locals are numbered, functions are indices into
 * {@link LoopKernel.functions}, buffers are kernel arguments, bound data arrays or scratch
 * buffers by position, and numbers are numbers (each emitter writes them its own way).
 *
 * Every kernel has the parameters of a compiled kernel: the float buffers `x, th, t, u, h, out`, the
 * batch `idx` (32-bit sample indices) and its length `count`.
 * @module
 */
import type { ElementwiseFunction } from '../ir/functions.ts';
import type { KernelBuffer } from './layout.ts';

/**
 * The value type of a local: a double, or a 32-bit integer (loop indices, offsets, sample indices).
 * @category Code generation
 */
export type LoopScalarType = 'f64' | 'i32';

/**
 * A scalar variable, declared once by a `let`, a `reduce` or a `loop` and never reassigned.
 * @category Code generation
 */
export interface LoopLocal<T extends LoopScalarType = LoopScalarType> {
  /** Unique in its kernel. */
  readonly id: number;
  /** What it holds. */
  readonly type: T;
}

/**
 * A float buffer a kernel argument holds: an input buffer of {@link KernelBuffer}, or `out`.
 * @category Code generation
 */
export type ArgumentBuffer = KernelBuffer | 'out';

/**
 * A flat Float64 array the kernel reads or writes.
 * @category Code generation
 */
export type LoopBuffer =
  /** One of the kernel's float parameters. */
  | { readonly kind: 'argument'; readonly name: ArgumentBuffer }
  /** A data array bound when the kernel is compiled: {@link LoopKernel.data}`[index]`, read only. */
  | { readonly kind: 'data'; readonly index: number }
  /** A scratch buffer of {@link LoopKernel.scratch}`[index]` entries, allocated with the kernel, not per call. */
  | { readonly kind: 'scratch'; readonly index: number };

/**
 * An integer expression: a flat index, an extent, a sample index. Never negative.
 * @category Code generation
 */
export type LoopIndex =
  /** A non-negative integer. */
  | { readonly op: 'const'; readonly value: number }
  /** The value of an integer local. */
  | { readonly op: 'local'; readonly local: LoopLocal<'i32'> }
  /** The kernel parameter `count` (the batch length). */
  | { readonly op: 'count' }
  /** `idx[at]`: the sample index of batch entry `at`. */
  | { readonly op: 'batchEntry'; readonly at: LoopIndex }
  /** `left + right`. */
  | { readonly op: 'add'; readonly left: LoopIndex; readonly right: LoopIndex }
  /** `left · right`. */
  | { readonly op: 'mul'; readonly left: LoopIndex; readonly right: LoopIndex }
  /** `⌊left / right⌋` for a positive `right` (the row of a flat matrix index). */
  | { readonly op: 'div'; readonly left: LoopIndex; readonly right: LoopIndex }
  /** `left mod right` for a positive `right` (the column of a flat matrix index). */
  | { readonly op: 'mod'; readonly left: LoopIndex; readonly right: LoopIndex };

/**
 * Binary operators on doubles, with IEEE semantics (`pow` and `max` as `Math.pow` and `Math.max`, NaN-propagating).
 * @category Code generation
 */
export type LoopBinaryOperator = 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'max';

/**
 * Unary operators on doubles: `-a`, `a·a`, and the two transcendental functions the core itself needs (logsumexp).
 * @category Code generation
 */
export type LoopUnaryOperator = 'neg' | 'square' | 'exp' | 'log';

/**
 * A test the code branches on.
 * @category Code generation
 */
export type LoopCondition =
  /** `left === right` on integers. */
  | { readonly op: 'equal'; readonly left: LoopIndex; readonly right: LoopIndex }
  /** `value` is +∞ or −∞. */
  | { readonly op: 'infinite'; readonly value: LoopExpr }
  /** `left === right` on doubles (false when either is NaN): which entries attain a maximum. */
  | { readonly op: 'same'; readonly left: LoopExpr; readonly right: LoopExpr };

/**
 * A double-valued expression, free of side effects.
 * @category Code generation
 */
export type LoopExpr =
  /** A number (any double: NaN, ±∞ and −0 included). */
  | { readonly op: 'const'; readonly value: number }
  /** The value of a float local. */
  | { readonly op: 'local'; readonly local: LoopLocal<'f64'> }
  /** `buffer[index]`. */
  | { readonly op: 'load'; readonly buffer: LoopBuffer; readonly index: LoopIndex }
  /** An integer as a double (a sample index read as a number, `count` in `1 / count`). */
  | { readonly op: 'fromIndex'; readonly index: LoopIndex }
  /** `left ∘ right`. */
  | { readonly op: 'binary'; readonly operator: LoopBinaryOperator; readonly left: LoopExpr; readonly right: LoopExpr }
  /** `∘ arg`. */
  | { readonly op: 'unary'; readonly operator: LoopUnaryOperator; readonly arg: LoopExpr }
  /** {@link LoopKernel.functions}`[fn]` applied to `arg`. */
  | { readonly op: 'call'; readonly fn: number; readonly arg: LoopExpr }
  /** `condition ? then : otherwise`. */
  | { readonly op: 'select'; readonly condition: LoopCondition; readonly then: LoopExpr; readonly otherwise: LoopExpr };

/**
 * What a reduction combines: `sum` starts at 0 and adds, `max` starts at −∞ and keeps the larger (NaN wins).
 * @category Code generation
 */
export type LoopReduction = 'sum' | 'max';

/**
 * One statement. Loops run their index from 0 up to `extent − 1`.
 * @category Code generation
 */
export type LoopStatement =
  /** Declares `local` with `value`. */
  | { readonly kind: 'let'; readonly local: LoopLocal<'f64'>; readonly value: LoopExpr }
  /** Declares the integer `local` with `value`. */
  | { readonly kind: 'letIndex'; readonly local: LoopLocal<'i32'>; readonly value: LoopIndex }
  /** `buffer[index] = value`, or `buffer[index] += value` when `accumulate`. */
  | { readonly kind: 'store'; readonly buffer: LoopBuffer; readonly index: LoopIndex; readonly value: LoopExpr; readonly accumulate: boolean }
  /** Sets `buffer[start .. end)` to zero. */
  | { readonly kind: 'zero'; readonly buffer: LoopBuffer; readonly start: number; readonly end: number }
  /** Runs `body` for `index` = 0 .. `extent − 1`. */
  | { readonly kind: 'loop'; readonly index: LoopLocal<'i32'>; readonly extent: LoopIndex; readonly body: readonly LoopStatement[] }
  /**
   * Declares `target` as the `reduction` of `element` over `index` = 0 .. `extent − 1`, in
   * increasing order of `index` (an emitter may reassociate a sum across SIMD lanes only where
   * its backend's documented tolerance allows).
   */
  | {
      readonly kind: 'reduce';
      readonly reduction: LoopReduction;
      readonly target: LoopLocal<'f64'>;
      readonly index: LoopLocal<'i32'>;
      readonly extent: LoopIndex;
      readonly element: LoopExpr;
    }
  /** Runs `then` when `condition` holds, `otherwise` when not. */
  | { readonly kind: 'if'; readonly condition: LoopCondition; readonly then: readonly LoopStatement[]; readonly otherwise: readonly LoopStatement[] }
  /**
   * Only in a kernel's all-directions variant ({@link DirectionKernelLoops}): runs `body` once per
   * θ-direction p of the current range (the call's [from, to), or the enclosing `directionBlocks`
   * block of it), in increasing p. Inside, the arguments `t` and `out` mean their column p (`column`
   * entries from `p · column`) and `u` holds e_p: the kernel sets `u[p] = 1` before the body and
   * back to 0 after it. Never nested.
   */
  | { readonly kind: 'directions'; readonly column: number; readonly body: readonly LoopStatement[] }
  /**
   * Only in a kernel's all-directions variant: runs `body` for consecutive blocks of at most `size`
   * directions of the call's range, so that the `directions` statements inside it iterate over one
   * block (a block's columns stay in cache across the loop that encloses them). Never nested.
   */
  | { readonly kind: 'directionBlocks'; readonly size: number; readonly body: readonly LoopStatement[] };

/**
 * A whole kernel in loop IR: what it binds when compiled, and what one call runs.
 * @category Code generation
 */
export interface LoopKernel {
  /** Data arrays bound at compile time, in the order `data` buffer refs index them. */
  readonly data: readonly Float64Array[];
  /** Elementwise functions, in the order `call` expressions index them. */
  readonly functions: readonly ElementwiseFunction[];
  /** Entry counts of the scratch buffers, in the order `scratch` buffer refs index them. */
  readonly scratch: readonly number[];
  /** What one call runs. */
  readonly body: readonly LoopStatement[];
}

/**
 * The all-directions variant of a forward kernel t' = ∂ₛΦ·t + ∂θΦ·u: one call computes the
 * columns p ∈ [from, to) of J_{k+1} from those of J_k (tangent-major, `column` entries each),
 * with u = e_p for each. It shares its kernel's data arrays, functions and scratch sizes; each
 * call has its own scratch (the caller passes where). What does not depend on the direction is
 * computed once per call (or once per sample, or per block of directions and sample), not once
 * per column (`direction-loops.ts`).
 * @category Code generation
 */
export interface DirectionKernelLoops {
  /** Entries of one column of `t` and `out` (the state size). */
  readonly column: number;
  /** What one call runs: statements of the loop IR with `directions` and `directionBlocks` in them. */
  readonly body: readonly LoopStatement[];
}
