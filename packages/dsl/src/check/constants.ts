/**
 * Evaluation of constant expressions: numbers, dims and consts combined with `+ - * / ^`,
 * unary minus, parentheses and the elementwise functions. Values come from the operators'
 * records and the functions' own `evaluate`, the implementations every other stage uses.
 * Used for dims, consts, type extents, distribution arguments, initial values, indices and
 * numeric solver options.
 */
import { isSourceExtent, sourceExtent } from './source-extent.ts';
import type { BinaryExpr, CallExpr, Expr, NameRef, SourceRange } from '../ast.ts';
import type { DiagnosticCode } from '../diagnostics.ts';
import { SCALAR, type OperatorRecord } from '@sgdiff/core';
import { callableNames, reportUnknownFunction, singleArgument } from './calls.ts';
import { describeKind, type CheckContext } from './context.ts';

const ONLY_CONSTANTS = 'constant expressions may only use numbers, dims and consts';

/** The record an operator spelling stands for on scalars, unless it is a composite (`.`) or takes no scalars (`@`). */
function scalarRecord(ctx: CheckContext, kind: 'infix' | 'prefix', spelling: string): OperatorRecord | undefined {
  const choice = ctx.env.operators.spelled(kind, spelling).find(({ record, surface }) => {
    const args = surface.params.map(() => SCALAR);
    return !surface.build && typeof record.shape(args, {}) !== 'string';
  });
  return choice?.record;
}

/** `record` at scalar arguments, by its own evaluator. */
function evaluateScalar(ctx: CheckContext, record: OperatorRecord, args: readonly number[]): number {
  return record.evaluate(
    args.map((v) => ({ shape: SCALAR, data: Float64Array.of(v) })),
    {},
    SCALAR,
    ctx.env.operators.functions,
  )[0];
}

/**
 * The value of a constant expression, or `undefined` after reporting why it has none.
 * @param before - offset of the statement being checked: dims and consts declared at or
 *   after it are not yet defined (`Infinity` where declaration order does not matter)
 */
export function evaluateConstant(expr: Expr, ctx: CheckContext, before: number): number | undefined {
  switch (expr.$type) {
    case 'NumberLiteral':
      if (Number.isFinite(expr.value)) return expr.value;
      ctx.error(expr.range, 'non-finite-constant', `number ${expr.text} is too large to be represented`);
      return undefined;
    case 'NameRef':
      return constantName(expr, ctx, before);
    case 'UnaryExpr': {
      const v = evaluateConstant(expr.operand, ctx, before);
      const negation = scalarRecord(ctx, 'prefix', expr.op);
      if (!negation) throw new Error(`internal error: no operator is written as prefix '${expr.op}'`);
      return v === undefined ? undefined : evaluateScalar(ctx, negation, [v]);
    }
    case 'BinaryExpr':
      return constantBinary(expr, ctx, before);
    case 'CallExpr':
      return constantCall(expr, ctx, before);
    case 'IndexExpr':
    case 'NewAxisExpr':
      ctx.error(expr.range, 'not-constant', `indexing cannot be used in a constant expression; ${ONLY_CONSTANTS}`);
      return undefined;
  }
}

/**
 * The value of a constant expression that must be a positive integer, or `undefined` after
 * reporting.
 * @param what - the subject of the message, e.g. `dim 'n'` or `a type extent`
 */
export function evaluatePositiveInteger(
  expr: Expr,
  ctx: CheckContext,
  before: number,
  code: DiagnosticCode,
  what: string,
): number | undefined {
  const v = evaluateConstant(expr, ctx, before);
  if (v === undefined) return undefined;
  if (Number.isInteger(v) && v >= 1) return v;
  ctx.error(expr.range, code, `${what} must be a positive integer, got ${v}`);
  return undefined;
}

function constantName(ref: NameRef, ctx: CheckContext, before: number): number | undefined {
  const symbol = ctx.resolve(ref);
  if (!symbol) return undefined;
  if (symbol.kind === 'var' || symbol.kind === 'param') {
    ctx.error(ref.range, 'var-used-as-data', `${symbol.kind} '${ref.name}' used as data: ${ONLY_CONSTANTS}`);
    return undefined;
  }
  if (symbol.kind !== 'dim' && symbol.kind !== 'const') {
    ctx.error(ref.range, 'not-constant', `'${ref.name}' is ${describeKind(symbol.kind)}, not a constant: ${ONLY_CONSTANTS}`);
    return undefined;
  }
  if (symbol.statementStart >= before) {
    const line = symbol.nameRange.start.line;
    ctx.error(ref.range, 'used-before-declaration', `'${ref.name}' is used before its declaration on line ${line}`);
    return undefined;
  }
  return symbol.value;
}

function constantBinary(expr: BinaryExpr, ctx: CheckContext, before: number): number | undefined {
  const record = scalarRecord(ctx, 'infix', expr.op);
  if (!record) {
    ctx.error(expr.range, 'not-constant', `operator '${expr.op}' cannot be used in a constant expression`);
    return undefined;
  }
  // Both sides are evaluated even when one fails, so that each reports its own errors.
  const left = evaluateConstant(expr.left, ctx, before);
  const right = evaluateConstant(expr.right, ctx, before);
  if (left === undefined || right === undefined) return undefined;
  return finiteResult(evaluateScalar(ctx, record, [left, right]), expr.range, ctx);
}

function constantCall(call: CallExpr, ctx: CheckContext, before: number): number | undefined {
  const name = call.callee.name;
  if (isSourceExtent(call)) return sourceExtent(call, ctx, before);
  const fn = ctx.env.operators.functions.get(name);
  if (!callableNames(ctx).includes(name)) {
    reportUnknownFunction(call, ctx);
    return undefined;
  }
  if (!fn) {
    ctx.error(call.range, 'not-constant', `'${name}' cannot be used in a constant expression`);
    return undefined;
  }
  const arg = singleArgument(call, ctx);
  const z = arg && evaluateConstant(arg, ctx, before);
  return z === undefined ? undefined : finiteResult(fn.evaluate(z), call.range, ctx);
}

function finiteResult(value: number, range: SourceRange, ctx: CheckContext): number | undefined {
  if (Number.isFinite(value)) return value;
  ctx.error(range, 'non-finite-constant', `this constant expression evaluates to ${value}, which is not finite`);
  return undefined;
}
