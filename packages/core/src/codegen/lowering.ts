/**
 * The interface between an IR operator and the loop IR: an {@link OperatorLowering} says how
 * one operator becomes loop IR, using the {@link LoweringContext} the kernel lowering hands it.
 * An operator lowering decides nothing about fusion or storage (that is the plan's job,
 * `plan.ts`); it only says how to compute an entry, a scalar or a whole tensor.
 */
import type { Node } from '../ir/node.ts';
import type { LoopBuffer, LoopExpr, LoopIndex, LoopReduction, LoopStatement } from './loop-ir.ts';

/**
 * What an operator lowering may ask of the kernel being lowered. Every method that reads a
 * node (`element`, `scalar`) returns an expression valid at the current position: the node's
 * stored value if the plan stored it, its inline formula if the plan fused it or reads it in
 * place.
 * @category Code generation
 */
export interface LoweringContext {
  /** Entry `at` (flat, row-major) of `node`; a scalar node ignores `at`. */
  element(node: Node, at: LoopIndex): LoopExpr;
  /** The value of a scalar node. */
  scalar(node: Node): LoopExpr;
  /** An integer-valued node used as an index (the current sample, or a constant) as an index expression. */
  index(node: Node): LoopIndex;
  /**
   * Entry `at` of an `input` node, read where the kernel's input resolver puts it (an argument
   * buffer or a bound data array); the sample index, read as a number, for the sample input.
   */
  input(node: Node, at: LoopIndex): LoopExpr;
  /** The position of elementwise function `name` in the kernel's function table (added on first use). */
  functionIndex(name: string): number;
  /** What {@link OperatorLowering.prepare} returned for `node` (an offset it reads through). */
  prepared(node: Node): LoopIndex;
  /** Appends a statement at the current position. */
  emit(statement: LoopStatement): void;
  /** Emits a loop over `0 .. extent − 1`; statements `body` emits go inside it. */
  loop(extent: number, body: (j: LoopIndex) => void): void;
  /** Emits a `reduction` of `element(j)` over `j = 0 .. extent − 1` and returns its result. */
  reduce(reduction: LoopReduction, extent: number, element: (j: LoopIndex) => LoopExpr): LoopExpr;
  /** Declares a local holding `value` and returns it (a value read several times is computed once). */
  let(value: LoopExpr): LoopExpr;
  /** Declares an integer local holding `value` and returns it. */
  letIndex(value: LoopIndex): LoopIndex;
}

/**
 * How one IR operator becomes loop IR: the `lower` field of its `OperatorRecord`. Which hooks an
 * operator needs follows from how the plan may evaluate it (its flags below):
 * - `element` for operators that are fused or read in place (elementwise operators, constants,
 *   inputs, broadcasts, rows, entries): an expression for one entry, from the arguments' entries.
 *   When the plan stores such a node, the kernel lowering writes `element` into a local (scalar)
 *   or a scratch buffer, entry by entry, itself.
 * - `scalar` for scalar results computed by statements (reductions): emits them, returns the value.
 * - `tensor` for tensor results computed by statements (products, scatters): emits statements
 *   that write every entry of `target`, a scratch buffer of the node's size that may hold stale
 *   values from the previous call.
 * - `prepare` for nodes read in place that need a set-up (a row's start offset): emitted where
 *   the node is in plan order, before any reader; `element` gets it back through
 *   {@link LoweringContext.prepared}.
 * @category Code generation
 */
export interface OperatorLowering {
  /** Elementwise: a node used once is computed inside its consumer's loop (fused), never stored. */
  readonly fusable?: boolean;
  /** Read in place by its consumers (`element`, after `prepare`), never stored: broadcasts, rows. */
  readonly inPlace?: boolean;
  /**
   * Reads its arguments' entries at arbitrary positions or several times each (products,
   * two-pass reductions): an argument is then stored rather than recomputed inside it.
   */
  readonly readsAtRandom?: boolean;
  /** Entry `at` of `node`, from its arguments' entries. Emits no statement: the expression may end up inside a reduction. */
  readonly element?: (ctx: LoweringContext, node: Node, at: LoopIndex) => LoopExpr;
  /** Statements computing the scalar `node`; returns its value (normally a local). */
  readonly scalar?: (ctx: LoweringContext, node: Node) => LoopExpr;
  /** Statements writing every entry of the tensor `node` into `target`. */
  readonly tensor?: (ctx: LoweringContext, node: Node, target: LoopBuffer) => void;
  /** Set-up for a node read in place; its result is what {@link LoweringContext.prepared} returns. */
  readonly prepare?: (ctx: LoweringContext, node: Node) => LoopIndex;
}
