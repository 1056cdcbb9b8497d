/**
 * The named arguments of a data source call, `mnist(split = "train", scale = "pm1")`,
 * validated against the source's declarations: known keys, each at most once, of the declared
 * type and an allowed value, every argument without a default present.
 */
import { withSourceDefaults, type DataSourceArg, type DataSourceArgs } from '@sgdiff/core';
import type { CallExpr, NamedArg } from '../ast.ts';
import { evaluateConstant } from './constants.ts';
import type { CheckContext } from './context.ts';
import type { SourceDescription } from './environment.ts';
import { didYouMean, quotedList } from './suggest.ts';

/** `"a", "b" or "c"`: string values as they are written in a file. */
function quotedStrings(values: readonly string[]): string {
  const list = values.map((v) => JSON.stringify(v));
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

/** ` (one of "a", "b" or "c")` for a string argument with allowed values, else the empty string. */
function allowedValues(decl: DataSourceArg): string {
  return decl.type === 'string' && decl.values ? ` (${quotedStrings(decl.values)})` : '';
}

/** The value of one argument when it has the declared type and an allowed value; `undefined` after reporting. */
function checkArgumentValue(arg: NamedArg, decl: DataSourceArg, source: string, ctx: CheckContext, before: number): number | string | undefined {
  const what = `argument '${decl.name}' of '${source}'`;
  const value = arg.value;
  if (decl.type === 'path') {
    if (value.$type === 'StringLiteral' && value.value.length > 0) return ctx.env.resolvePath ? ctx.env.resolvePath(value.value) : value.value;
    ctx.error(value.range, 'invalid-source-argument', `${what} must be a file path in double quotes, relative to this file's directory`);
    return undefined;
  }
  if (decl.type === 'string') {
    if (value.$type !== 'StringLiteral') {
      ctx.error(value.range, 'invalid-source-argument', `${what} must be a string in double quotes${allowedValues(decl)}`);
      return undefined;
    }
    if (!decl.values || decl.values.includes(value.value)) return value.value;
    const hint = didYouMean(value.value, decl.values);
    ctx.error(value.range, 'invalid-source-argument', `${what} must be ${quotedStrings(decl.values)}; got ${JSON.stringify(value.value)}${hint}`);
    return undefined;
  }
  if (value.$type === 'StringLiteral') {
    ctx.error(value.range, 'invalid-source-argument', `${what} must be ${decl.type === 'integer' ? 'an integer' : 'a number'}, not a string`);
    return undefined;
  }
  const number = evaluateConstant(value, ctx, before);
  if (number === undefined) return undefined;
  if (decl.type === 'number' || Number.isInteger(number)) return number;
  ctx.error(value.range, 'invalid-source-argument', `${what} must be an integer, got ${number}`);
  return undefined;
}

/**
 * The arguments of a call to `source`, with defaults filled in, or `undefined` after reporting
 * every invalid one (positional or repeated arguments, unknown keys, wrong types, values not
 * allowed, missing required arguments).
 */
export function checkSourceArguments(call: CallExpr, source: SourceDescription, ctx: CheckContext, before: number): DataSourceArgs | undefined {
  const name = call.callee.name;
  for (const arg of call.args) ctx.error(arg.range, 'invalid-argument', 'data source arguments must be named: key = value');
  let valid = call.args.length === 0;
  const seen = new Set<string>();
  const given: Record<string, number | string> = {};
  for (const arg of call.namedArgs) {
    const key = arg.name.name;
    if (seen.has(key)) {
      ctx.error(arg.name.range, 'invalid-argument', `argument '${key}' is given twice`);
      valid = false;
      continue;
    }
    seen.add(key);
    const decl = source.args.find((a) => a.name === key);
    if (!decl) {
      const names = source.args.map((a) => a.name);
      const hint = didYouMean(key, names);
      ctx.error(arg.name.range, 'invalid-source-argument', `'${name}' has no argument '${key}'${hint}; its arguments: ${quotedList(names)}`);
      valid = false;
      continue;
    }
    const value = checkArgumentValue(arg, decl, name, ctx, before);
    if (value === undefined) valid = false;
    else given[key] = value;
  }
  for (const decl of source.args) {
    if (decl.default !== undefined || seen.has(decl.name)) continue;
    ctx.error(call.range, 'invalid-source-argument', `'${name}' needs the argument '${decl.name}'${allowedValues(decl)}: ${decl.doc}`);
    valid = false;
  }
  return valid ? withSourceDefaults(source, given) : undefined;
}
