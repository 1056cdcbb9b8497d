/**
 * `data|param|var name : R[...] = expr` where `expr` uses earlier data tensors (e.g.
 * `param theta : R[n] = A @ zeta`): a value computed once per instance from the data, of the
 * declared shape (or a scalar, broadcast). Vars, params and samples cannot appear: the value
 * must be known before anything is optimized or differentiated.
 */
import { formatShape, SCALAR, sameShape, type Shape } from '@sgdiff/core';
import type { Expr, NameRef } from '../ast.ts';
import { describeKind, type CheckContext } from './context.ts';
import { inferShape, type ExpressionScope } from './shapes.ts';

/** True when `expr` mentions a declared data tensor (so it is not a plain constant). */
export function mentionsData(expr: Expr, ctx: CheckContext): boolean {
  switch (expr.$type) {
    case 'NameRef':
      return ctx.symbols.get(expr.name)?.kind === 'data';
    case 'NumberLiteral':
      return false;
    case 'UnaryExpr':
      return mentionsData(expr.operand, ctx);
    case 'BinaryExpr':
      return mentionsData(expr.left, ctx) || mentionsData(expr.right, ctx);
    case 'CallExpr':
      return expr.args.some((a) => mentionsData(a, ctx));
    case 'IndexExpr':
      return mentionsData(expr.target, ctx) || mentionsData(expr.index, ctx);
    case 'NewAxisExpr':
      return mentionsData(expr.target, ctx);
  }
}

/** Checks a data expression for a tensor of `shape` declared at offset `before`; false after reporting errors. */
export function checkDataExpression(expr: Expr, shape: Shape | undefined, ctx: CheckContext, before: number): boolean {
  const scope: ExpressionScope = {
    resolveName(ref: NameRef) {
      const symbol = ctx.resolve(ref);
      if (!symbol) return undefined;
      if (symbol.statementStart >= before) {
        const line = symbol.nameRange.start.line;
        ctx.error(ref.range, 'used-before-declaration', `'${ref.name}' is used before its declaration on line ${line}`);
        return undefined;
      }
      switch (symbol.kind) {
        case 'dim':
        case 'const':
          return symbol.value === undefined ? undefined : SCALAR;
        case 'data':
          return symbol.shape;
        default:
          // 'var x', 'param theta', 'sample i', but 'the objective f'.
          ctx.error(ref.range, 'var-used-as-data', `${symbol.kind === 'objective' || symbol.kind === 'outer' ? describeKind(symbol.kind) : symbol.kind} '${ref.name}' used as data: a value may only use numbers, dims, consts and earlier data`);
          return undefined;
      }
    },
  };
  const found = inferShape(expr, ctx, scope);
  if (!found || !shape) return false;
  if (found.length !== 0 && !sameShape(found, shape)) {
    ctx.error(expr.range, 'shape-mismatch', `the value is ${formatShape(found)} but the declaration is ${formatShape(shape)}`);
    return false;
  }
  return true;
}
