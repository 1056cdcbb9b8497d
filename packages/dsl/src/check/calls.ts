/** Checks shared by every kind of call: named arguments, arity and unknown functions. */
import type { CallExpr, Expr } from '../ast.ts';
import { argumentCount } from './builtins.ts';
import type { CheckContext } from './context.ts';
import { didYouMean } from './suggest.ts';

/** Reports every named argument of a call that accepts none. */
export function rejectNamedArguments(call: CallExpr, ctx: CheckContext): void {
  for (const arg of call.namedArgs) {
    ctx.error(arg.range, 'invalid-argument', `'${call.callee.name}' takes no named arguments`);
  }
}

/**
 * Reports a positional argument count other than `expected` (the message names the
 * parameters when given) and returns whether the count was right.
 */
export function checkArity(call: CallExpr, ctx: CheckContext, expected: number, parameters?: readonly string[]): boolean {
  if (call.args.length === expected) return true;
  const names = parameters ? ` (${parameters.join(', ')})` : '';
  ctx.error(call.range, 'wrong-arity', `'${call.callee.name}' takes ${argumentCount(expected)}${names}, got ${call.args.length}`);
  return false;
}

/**
 * The argument of an elementwise function, which takes exactly one positional argument and no
 * named ones; `undefined` after reporting when the call is malformed.
 */
export function singleArgument(call: CallExpr, ctx: CheckContext): Expr | undefined {
  rejectNamedArguments(call, ctx);
  return checkArity(call, ctx, 1) ? call.args[0] : undefined;
}

/** The names a call may use: the elementwise functions and every operator written as a call. */
export function callableNames(ctx: CheckContext): string[] {
  const operators = ctx.env.operators;
  const calls = [...operators.surfaces.keys()].filter((key) => key.startsWith('call:')).map((key) => key.slice('call:'.length));
  return [...operators.functions.keys(), ...calls];
}

/** Reports a call to a name that is neither an elementwise function nor an operator. */
export function reportUnknownFunction(call: CallExpr, ctx: CheckContext): void {
  const known = callableNames(ctx);
  ctx.error(call.callee.range, 'unknown-function', `unknown function '${call.callee.name}'${didYouMean(call.callee.name, known)}`);
}
