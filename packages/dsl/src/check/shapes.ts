/**
 * Shape inference for the expressions of objectives and solver options. Every operator's
 * shape rule is its record's (see `surfaces.ts`); this file only walks the syntax. An
 * expression whose shape cannot be known because of an error already reported has shape
 * `undefined`, and nothing built on it reports again: one mistake, one diagnostic.
 */
import { SCALAR, isScalar, type Attributes, type Shape } from '@sgdiff/core';
import type { CallExpr, Expr, IndexExpr, NameRef, NewAxisExpr, SourceRange } from '../ast.ts';
import { checkArity, reportUnknownFunction, singleArgument } from './calls.ts';
import { evaluateConstant, evaluatePositiveInteger } from './constants.ts';
import type { CheckContext } from './context.ts';
import { chooseSurface, type SurfaceChoice } from './surfaces.ts';

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
    case 'UnaryExpr': {
      const operand = inferShape(expr.operand, ctx, scope);
      return operand && applyShape(ctx.env.operators.spelled('prefix', expr.op), `'${expr.op}'`, [operand], {}, expr.range, ctx);
    }
    case 'BinaryExpr': {
      const left = inferShape(expr.left, ctx, scope);
      const right = inferShape(expr.right, ctx, scope);
      if (!left || !right) return undefined;
      return applyShape(ctx.env.operators.spelled('infix', expr.op), `'${expr.op}'`, [left, right], {}, expr.range, ctx);
    }
    case 'CallExpr':
      return callShape(expr, ctx, scope);
    case 'IndexExpr':
      return indexShape(expr, ctx, scope);
    case 'NewAxisExpr':
      return newAxisShape(expr, ctx, scope);
  }
}

/** The result shape of the spelling's operator on `args`, or `undefined` after reporting a mismatch. */
function applyShape(candidates: readonly SurfaceChoice[], spelling: string, args: readonly Shape[], attrs: Attributes, range: SourceRange, ctx: CheckContext): Shape | undefined {
  if (candidates.length === 0) {
    ctx.error(range, 'unknown-function', `no registered operator is written ${spelling}`);
    return undefined;
  }
  const chosen = chooseSurface(candidates, args, attrs);
  if ('shape' in chosen) return chosen.shape;
  // A call's `axis = k` that the operand has no axis for is the axis's fault, not the shapes'.
  const code = spelling.startsWith("'[") || attrs.axis === undefined || !chosen.error.includes('has no axis') ? 'shape-mismatch' : 'invalid-axis';
  ctx.error(range, code, `${spelling} ${chosen.error}`);
  return undefined;
}

function callShape(call: CallExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const name = call.callee.name;
  const operators = ctx.env.operators;
  if (operators.functions.has(name)) {
    const arg = singleArgument(call, ctx);
    return arg && inferShape(arg, ctx, scope);
  }
  const candidates = operators.spelled('call', name);
  if (candidates.length === 0) {
    reportUnknownFunction(call, ctx);
    return undefined;
  }
  const attrs = callAttributes(call, candidates, ctx);
  const params = candidates[0].surface.params;
  if (!checkArity(call, ctx, params.length, params.map((p) => p.name))) {
    for (const arg of call.args) inferShape(arg, ctx, scope);
    return undefined;
  }
  const size = params.findIndex((p) => p.kind === 'size');
  const sizeValue = size < 0 ? undefined : evaluatePositiveInteger(call.args[size], ctx, Infinity, 'invalid-argument', `the ${params[size].name} of '${name}'`);
  const shapes: Array<Shape | undefined> = params.map((param, k) => (param.kind === 'tensor' ? inferShape(call.args[k], ctx, scope) : SCALAR));
  // An index ranges over the size argument, or over the first extent of the tensor argument it names.
  params.forEach((param, k) => {
    if (param.kind !== 'index') return;
    const from = params.findIndex((p) => p.name === param.extentFrom);
    const extent = params[from]?.kind === 'size' ? sizeValue : shapes[from]?.[0];
    const has = (count: number): string => `'${name}' has ${count} entries`;
    if (!checkIndex(call.args[k], extent, has, ctx, scope)) shapes[k] = undefined;
  });
  if (!attrs || shapes.some((s) => s === undefined) || (size >= 0 && sizeValue === undefined)) return undefined;
  const tensorShapes = shapes.filter((_, k) => params[k].kind !== 'size') as Shape[];
  return applyShape(candidates, `'${name}'`, tensorShapes, { ...attrs, ...(sizeValue === undefined ? {} : { size: sizeValue }) }, call.range, ctx);
}

/** The `axis` of a call, checked to be an integer; `undefined` after reporting a bad named argument. */
function callAttributes(call: CallExpr, candidates: readonly SurfaceChoice[], ctx: CheckContext): Attributes | undefined {
  const takesAxis = candidates.some((c) => c.surface.takesAxis);
  let attrs: Attributes | undefined = {};
  for (const arg of call.namedArgs) {
    if (arg.name.name !== 'axis' || !takesAxis) {
      const only = takesAxis ? "; its only named argument is 'axis'" : ' (it takes no named arguments)';
      ctx.error(arg.range, 'invalid-argument', `'${call.callee.name}' has no argument '${arg.name.name}'${only}`);
      attrs = undefined;
      continue;
    }
    const value = arg.value.$type === 'StringLiteral' ? undefined : evaluateConstant(arg.value, ctx, Infinity);
    if (arg.value.$type === 'StringLiteral' || (value !== undefined && !Number.isInteger(value))) {
      ctx.error(arg.value.range, 'invalid-axis', `axis must be the integer 0 (along columns) or 1 (along rows), got ${arg.value.$type === 'StringLiteral' ? `"${arg.value.value}"` : value}`);
      attrs = undefined;
    } else if (value === undefined) attrs = undefined;
    else if (attrs) attrs = { axis: value };
  }
  return attrs;
}

function indexShape(expr: IndexExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const target = inferShape(expr.target, ctx, scope);
  if (target && isScalar(target)) {
    ctx.error(expr.range, 'invalid-index', 'cannot index a scalar');
    return undefined;
  }
  const owner = expr.target.$type === 'NameRef' ? `'${expr.target.name}'` : 'the indexed expression';
  const has = (count: number): string => `${owner} has ${count} ${target?.length === 2 ? 'rows' : 'entries'}`;
  const valid = checkIndex(expr.index, target?.[0], has, ctx, scope);
  if (!target || !valid) return undefined;
  return applyShape(ctx.env.operators.spelled('index', '[]'), 'indexing', [target, SCALAR], {}, expr.range, ctx);
}

function newAxisShape(expr: NewAxisExpr, ctx: CheckContext, scope: ExpressionScope): Shape | undefined {
  const target = inferShape(expr.target, ctx, scope);
  const spelling = expr.axis === 1 ? "'[:, None]'" : "'[None, :]'";
  return target && applyShape(ctx.env.operators.spelled('newaxis', 'newaxis'), spelling, [target], { axis: expr.axis, size: 1 }, expr.range, ctx);
}

/**
 * Checks an index: a sample whose outcomes fit the indexed extent, or a constant integer in
 * `0 .. extent-1`. `extent` is `undefined` when it is unknown after an error; the index is then
 * still checked for errors of its own.
 * @param has - the end of an out-of-range message, e.g. `'A' has 5 rows`
 */
function checkIndex(index: Expr, extent: number | undefined, has: (count: number) => string, ctx: CheckContext, scope: ExpressionScope): boolean {
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
