/**
 * Constructors of loop IR nodes. Index arithmetic is folded here (`0 + j` is `j`, `2 · 3` is
 * `6`), so every emitter sees the same simplified indices; float arithmetic is never folded
 * (the IR builder already folded what IEEE semantics allow, and the code must compute exactly
 * what the IR says).
 * @module
 * @category Code generation
 */
import type { LoopBinaryOperator, LoopBuffer, LoopCondition, LoopExpr, LoopIndex, LoopLocal, LoopStatement, LoopUnaryOperator } from './loop-ir.ts';

/** The integer `value` (a non-negative safe integer: anything else is a bad layout, rejected here). */
export function indexConst(value: number): LoopIndex {
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`not a non-negative integer: ${value}`);
  return { op: 'const', value };
}

/** The value of an integer local. */
export function indexOf(local: LoopLocal<'i32'>): LoopIndex {
  return { op: 'local', local };
}

/** `left + right`, folded when either is the constant 0 or both are constants. */
export function indexAdd(left: LoopIndex, right: LoopIndex): LoopIndex {
  if (left.op === 'const' && right.op === 'const') return indexConst(left.value + right.value);
  if (left.op === 'const' && left.value === 0) return right;
  if (right.op === 'const' && right.value === 0) return left;
  return { op: 'add', left, right };
}

/** `left · right`, folded when either is the constant 1 or both are constants. */
export function indexMul(left: LoopIndex, right: LoopIndex): LoopIndex {
  if (left.op === 'const' && right.op === 'const') return indexConst(left.value * right.value);
  if (left.op === 'const' && left.value === 1) return right;
  if (right.op === 'const' && right.value === 1) return left;
  return { op: 'mul', left, right };
}

/** `⌊left / right⌋` for a positive constant `right`, folded for constants and `right = 1`. */
export function indexDiv(left: LoopIndex, right: number): LoopIndex {
  if (!Number.isSafeInteger(right) || right < 1) throw new Error(`not a positive divisor: ${right}`);
  if (right === 1) return left;
  if (left.op === 'const') return indexConst(Math.floor(left.value / right));
  return { op: 'div', left, right: indexConst(right) };
}

/** `left mod right` for a positive constant `right`, folded for constants and `right = 1`. */
export function indexMod(left: LoopIndex, right: number): LoopIndex {
  if (!Number.isSafeInteger(right) || right < 1) throw new Error(`not a positive divisor: ${right}`);
  if (right === 1) return indexConst(0);
  if (left.op === 'const') return indexConst(left.value % right);
  return { op: 'mod', left, right: indexConst(right) };
}

/** The double `value`. */
export function constant(value: number): LoopExpr {
  return { op: 'const', value };
}

/** The value of a float local. */
export function valueOf(local: LoopLocal<'f64'>): LoopExpr {
  return { op: 'local', local };
}

/** `buffer[index]`. */
export function load(buffer: LoopBuffer, index: LoopIndex): LoopExpr {
  return { op: 'load', buffer, index };
}

/** `left ∘ right`. */
export function binary(operator: LoopBinaryOperator, left: LoopExpr, right: LoopExpr): LoopExpr {
  return { op: 'binary', operator, left, right };
}

/** `∘ arg`. */
export function unary(operator: LoopUnaryOperator, arg: LoopExpr): LoopExpr {
  return { op: 'unary', operator, arg };
}

/** The function at position `fn` of the kernel's function table applied to `arg`. */
export function call(fn: number, arg: LoopExpr): LoopExpr {
  return { op: 'call', fn, arg };
}

/** An integer as a double. */
export function fromIndex(index: LoopIndex): LoopExpr {
  return { op: 'fromIndex', index };
}

/** `condition ? then : otherwise`. */
export function select(condition: LoopCondition, then: LoopExpr, otherwise: LoopExpr): LoopExpr {
  return { op: 'select', condition, then, otherwise };
}

/** `buffer[index] = value` (`accumulate`: `+=`). */
export function store(buffer: LoopBuffer, index: LoopIndex, value: LoopExpr, accumulate = false): LoopStatement {
  return { kind: 'store', buffer, index, value, accumulate };
}
