/**
 * Shape inference for the expressions of objectives and solver options. An expression whose
 * shape cannot be known because of an error already reported has shape `undefined`, and
 * nothing built on it reports again: one mistake, one diagnostic.
 */
import { SCALAR, formatShape, isScalar, sameShape, type Shape } from '@sgdiff/core';
import type { BinaryExpr, CallExpr, Expr, IndexExpr, NameRef } from '../ast.ts';
import { REDUCTIONS } from './builtins.ts';
import { reportUnknownFunction, singleArgument } from './calls.ts';
import { evaluateConstant } from './constants.ts';
import type { CheckContext } from './context.ts';

/** Which names an expression may use, and with what shape. */
export interface ExpressionScope {
  /** The shape of a name, or `undefined` after reporting why it cannot be used here. */
  resolveName(ref: NameRef): Shape | undefined;
}

/** The shape of `expr`, or `undefined` when an error (reported here or earlier) prevents knowing it. */
export function inferShape(expr: Expr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  switch (expr.$type) {
    case 'NumberLiteral':
      if (Number.isFinite(expr.value)) return SCALAR;
      ctx.error(expr.range, 'non-finite-constant', `number ${expr.text} is too large to be represented`);
      return undefined;
    case 'NameRef':
      return scope.resolveName(expr);
    case 'UnaryExpr':
      return inferShape(expr.operand, ctx, scope);
    case 'BinaryExpr':
      return binaryShape(expr, ctx, scope);
    case 'CallExpr':
      return callShape(expr, ctx, scope);
    case 'IndexExpr':
      return indexShape(expr, ctx, scope);
  }
}

function binaryShape(expr: BinaryExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const left = inferShape(expr.left, ctx, scope);
  const right = inferShape(expr.right, ctx, scope);
  if (!left || !right) return undefined;
  const mismatch = (rule: string): undefined => {
    ctx.error(expr.range, 'shape-mismatch', `'${expr.op}' needs ${rule}, got ${formatShape(left)} and ${formatShape(right)}`);
    return undefined;
  };
  switch (expr.op) {
    case '.':
      return sameShape(left, right) ? SCALAR : mismatch('operands of the same shape');
    case '@':
      if (left.length === 2 && right.length === 1 && left[1] === right[0]) return [left[0]];
      if (left.length === 1 && right.length === 2 && left[0] === right[0]) return [right[1]];
      return mismatch('R[n, d] @ R[d] or R[n] @ R[n, d]');
    default:
      if (sameShape(left, right) || isScalar(right)) return left;
      if (isScalar(left)) return right;
      return mismatch('operands of the same shape or a scalar operand');
  }
}

function callShape(call: CallExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const name = call.callee.name;
  const elementwise = ctx.env.functions.has(name);
  if (!elementwise && !REDUCTIONS.has(name)) {
    reportUnknownFunction(call, ctx);
    return undefined;
  }
  const arg = singleArgument(call, ctx);
  const shape = arg && inferShape(arg, ctx, scope);
  if (!shape) return undefined;
  return elementwise ? shape : SCALAR;
}

function indexShape(expr: IndexExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const target = inferShape(expr.target, ctx, scope);
  if (target && isScalar(target)) {
    ctx.error(expr.range, 'invalid-index', 'cannot index a scalar');
    return undefined;
  }
  const valid = checkIndex(expr, target, ctx, scope);
  return target && valid ? target.slice(1) : undefined;
}

/**
 * Checks an index: a sample whose outcomes fit the indexed extent, or a constant integer in
 * `0 .. extent-1`. `target` is `undefined` when the indexed expression's shape is unknown;
 * the index is then still checked for errors of its own.
 */
function checkIndex(expr: IndexExpr, target: Shape | undefined, ctx: CheckContext, scope: ExpressionScope): boolean {
  const index = expr.index;
  const extent = target?.[0];
  const owner = expr.target.$type === 'NameRef' ? `'${expr.target.name}'` : 'the indexed expression';
  const has = (count: number): string => `${owner} has ${count} ${target?.length === 2 ? 'rows' : 'entries'}`;
  const symbol = index.$type === 'NameRef' ? ctx.symbols.get(index.name) : undefined;
  if (index.$type === 'NameRef' && symbol?.kind === 'sample') {
    if (!scope.resolveName(index) || symbol.size === undefined || extent === undefined) return false;
    if (symbol.size <= extent) return true;
    ctx.error(index.range, 'index-out-of-range', `sample '${index.name}' ranges over 0 to ${symbol.size - 1} but ${has(extent)}`);
    return false;
  }
  if (index.$type === 'NameRef' && (symbol?.kind === 'var' || symbol?.kind === 'param')) {
    ctx.error(index.range, 'invalid-index', `${symbol.kind} '${index.name}' used as an index: an index must be a sample or a constant integer`);
    return false;
  }
  const k = evaluateConstant(index, ctx, Infinity);
  if (k === undefined) return false;
  if (!Number.isInteger(k)) {
    ctx.error(index.range, 'invalid-index', `an index must be a sample or a constant integer, got ${k}`);
    return false;
  }
  if (extent === undefined) return false;
  if (k >= 0 && k < extent) return true;
  ctx.error(index.range, 'index-out-of-range', `index ${k} is out of range: ${has(extent)} (indices start at 0)`);
  return false;
}
