/**
 * `rows(SOURCE(...))` and `cols(SOURCE(...))` in constant expressions: a dim taken from the data,
 * `dim n = rows(npy(file = "A.npy"))`, so a file need not repeat the size of its data. The
 * source's arguments are checked as after `from`, and the source must say what shape it holds
 * (`DataSource.shape`; the file sources do).
 */
import type { CallExpr } from '../ast.ts';
import { checkSourceArguments } from './source-arguments.ts';
import type { CheckContext } from './context.ts';

/** The two extents, by function name. */
const EXTENTS: Readonly<Record<string, number>> = { rows: 0, cols: 1 };

/** Whether a call is `rows(SOURCE(...))` or `cols(SOURCE(...))` with SOURCE a known data source. */
export function isSourceExtent(call: CallExpr): boolean {
  return Object.hasOwn(EXTENTS, call.callee.name) && call.args.length === 1 && call.args[0].$type === 'CallExpr' && call.namedArgs.length === 0;
}

/** The extent, or `undefined` after reporting why it cannot be known. */
export function sourceExtent(call: CallExpr, ctx: CheckContext, before: number): number | undefined {
  const name = call.callee.name;
  const inner = call.args[0] as CallExpr;
  const source = ctx.env.sources.get(inner.callee.name);
  if (!source) {
    ctx.error(inner.callee.range, 'unknown-source', `'${name}' takes a data source call, such as ${name}(npy(file = "A.npy")); '${inner.callee.name}' is not a data source`);
    return undefined;
  }
  const args = checkSourceArguments(inner, source, ctx, before);
  if (!args) return undefined;
  if (!source.shape) {
    ctx.error(inner.range, 'unreadable-source', `${inner.callee.name}: this source cannot tell its shape; write the dim's value`);
    return undefined;
  }
  const shape = source.shape(args);
  if (typeof shape === 'string') {
    ctx.error(inner.range, 'unreadable-source', `${inner.callee.name}: ${shape}`);
    return undefined;
  }
  const axis = EXTENTS[name];
  if (axis >= shape.length) {
    ctx.error(call.range, 'unreadable-source', `${inner.callee.name}: the data has shape (${shape.join(', ')}), which has no ${name}`);
    return undefined;
  }
  return shape[axis];
}
