/**
 * Checks of `minimize f(x, θ; ξ) = body`: the argument lists against the declarations, and
 * the body, which may use the listed vars, params and samples, data, dims and consts, and
 * must be a scalar.
 */
import { SCALAR, formatShape, type Shape } from '@sgdiff/core';
import type { Identifier, MinimizeDecl, NameRef } from '../ast.ts';
import { describeKind, type CheckContext, type DeclaredSymbol } from './context.ts';
import { inferShape, type ExpressionScope } from './shapes.ts';

/** Checks a `minimize` declaration. */
export function checkObjective(decl: MinimizeDecl, ctx: CheckContext): void {
  const f = decl.name.name;
  const listed = new Set<string>();
  checkNameList(decl.args, ctx, listed, (symbol, id) => {
    if (symbol.kind === 'var' || symbol.kind === 'param') return true;
    const where = symbol.kind === 'sample' ? "list it after ';'" : "only vars and params may be listed before ';'";
    ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; ${where}`);
    return false;
  });
  checkNameList(decl.samples, ctx, listed, (symbol, id) => {
    if (symbol.kind === 'sample') return true;
    ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; only samples may be listed after ';'`);
    return false;
  });

  // A var or sample left out of the list but used in the body is reported at each use (with
  // the fix); one never used is reported once, at the objective's name.
  const usedUnlisted = new Set<string>();
  const scope: ExpressionScope = { resolveName: (ref) => bodyNameShape(ref, ctx, listed, usedUnlisted, f) };
  const shape = inferShape(decl.body, ctx, scope);
  if (shape && shape.length > 0) {
    ctx.error(decl.body.range, 'non-scalar-objective', `the objective must be a scalar, got ${formatShape(shape)}`);
  }
  const unlisted = [...ctx.symbols.values()].filter((s) => !listed.has(s.name) && !usedUnlisted.has(s.name));
  for (const symbol of unlisted.filter((s) => s.kind === 'var')) {
    ctx.error(decl.name.range, 'missing-objective-argument', `var '${symbol.name}' is not an argument of '${f}'; every var must be listed before ';'`);
  }
  // Only one sample is supported (a second one is reported where declared), so F is an
  // expectation over the first: it must be listed when no sample is.
  const sample = [...ctx.symbols.values()].find((s) => s.kind === 'sample');
  if (sample && decl.samples.length === 0 && unlisted.includes(sample)) {
    ctx.error(decl.name.range, 'missing-objective-argument', `sample '${sample.name}' is not an argument of '${f}'; list it after ';'`);
  }
}

/** Resolves each listed name, reports repeats and wrong kinds, and adds the valid ones to `listed`. */
function checkNameList(
  ids: readonly Identifier[],
  ctx: CheckContext,
  listed: Set<string>,
  accepts: (symbol: DeclaredSymbol, id: Identifier) => boolean,
): void {
  for (const id of ids) {
    if (listed.has(id.name)) {
      ctx.error(id.range, 'duplicate-argument', `'${id.name}' is listed twice`);
      continue;
    }
    const symbol = ctx.resolve(id);
    if (symbol && accepts(symbol, id)) listed.add(id.name);
  }
}

function bodyNameShape(ref: NameRef, ctx: CheckContext, listed: ReadonlySet<string>, usedUnlisted: Set<string>, f: string): Shape | undefined {
  const symbol = ctx.resolve(ref);
  if (!symbol) return undefined;
  switch (symbol.kind) {
    case 'dim':
    case 'const':
      return symbol.value === undefined ? undefined : SCALAR;
    case 'data':
      return symbol.shape;
    case 'var':
    case 'param':
    case 'sample': {
      if (listed.has(ref.name)) return symbol.kind === 'sample' ? (symbol.size === undefined ? undefined : SCALAR) : symbol.shape;
      usedUnlisted.add(ref.name);
      const where = symbol.kind === 'sample' ? "after ';'" : "before ';'";
      ctx.error(ref.range, 'not-an-argument', `${symbol.kind} '${ref.name}' is not an argument of '${f}'; list it ${where}`);
      return undefined;
    }
    case 'objective':
      ctx.error(ref.range, 'invalid-reference', `'${ref.name}' is the objective; it cannot be used in an expression`);
      return undefined;
  }
}
