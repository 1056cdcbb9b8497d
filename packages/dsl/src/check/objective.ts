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
  const scope = new ObjectiveScope(decl, ctx);
  const shape = inferShape(decl.body, ctx, scope);
  if (shape && shape.length > 0) {
    ctx.error(decl.body.range, 'non-scalar-objective', `the objective must be a scalar, got ${formatShape(shape)}`);
  }
  scope.reportMissingArguments();
}

/** The names the body of one objective may use, built from its argument lists. */
class ObjectiveScope implements ExpressionScope {
  /** Vars, params and samples validly listed. */
  private readonly listed = new Set<string>();
  /** Names written in a list but refused there: reported once, not again at each use. */
  private readonly refused = new Set<string>();
  /** Vars, params and samples used in the body without being listed (each use is reported). */
  private readonly usedUnlisted = new Set<string>();

  constructor(
    private readonly decl: MinimizeDecl,
    private readonly ctx: CheckContext,
  ) {
    this.list(decl.args, (symbol, id) => {
      if (symbol.kind === 'var' || symbol.kind === 'param') return true;
      const where = symbol.kind === 'sample' ? "list it after ';'" : "only vars and params may be listed before ';'";
      ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; ${where}`);
      return false;
    });
    this.list(decl.samples, (symbol, id) => {
      if (symbol.kind === 'sample') return true;
      ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; only samples may be listed after ';'`);
      return false;
    });
  }

  resolveName(ref: NameRef): Shape | undefined {
    if (this.refused.has(ref.name)) return undefined;
    const symbol = this.ctx.resolve(ref);
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
        if (this.listed.has(ref.name)) return symbol.kind === 'sample' ? (symbol.size === undefined ? undefined : SCALAR) : symbol.shape;
        this.usedUnlisted.add(ref.name);
        const where = symbol.kind === 'sample' ? "after ';'" : "before ';'";
        this.ctx.error(ref.range, 'not-an-argument', `${symbol.kind} '${ref.name}' is not an argument of '${this.decl.name.name}'; list it ${where}`);
        return undefined;
      }
      case 'objective':
        this.ctx.error(ref.range, 'invalid-reference', `'${ref.name}' is the objective; it cannot be used in an expression`);
        return undefined;
    }
  }

  /**
   * Every var must be listed, and the sample when one is declared. Ones used in the body were
   * reported at each use already (with the fix); the others are reported at the objective's name.
   */
  reportMissingArguments(): void {
    const f = this.decl.name;
    const symbols = [...this.ctx.symbols.values()];
    const unlisted = symbols.filter((s) => !this.listed.has(s.name) && !this.refused.has(s.name) && !this.usedUnlisted.has(s.name));
    for (const symbol of unlisted.filter((s) => s.kind === 'var')) {
      this.ctx.error(f.range, 'missing-objective-argument', `var '${symbol.name}' is not an argument of '${f.name}'; every var must be listed before ';'`);
    }
    // Only one sample is supported (a second one is reported where declared), so F is an
    // expectation over the first: it must be listed when no sample is.
    const sample = symbols.find((s) => s.kind === 'sample');
    if (sample && this.decl.samples.length === 0 && unlisted.includes(sample)) {
      this.ctx.error(f.range, 'missing-objective-argument', `sample '${sample.name}' is not an argument of '${f.name}'; list it after ';'`);
    }
  }

  /** Resolves each listed name, reports repeats and wrong kinds, and records the valid ones. */
  private list(ids: readonly Identifier[], accepts: (symbol: DeclaredSymbol, id: Identifier) => boolean): void {
    for (const id of ids) {
      if (this.listed.has(id.name) || this.refused.has(id.name)) {
        this.ctx.error(id.range, 'duplicate-argument', `'${id.name}' is listed twice`);
        continue;
      }
      const symbol = this.ctx.resolve(id);
      if (symbol && accepts(symbol, id)) this.listed.add(id.name);
      else this.refused.add(id.name);
    }
  }
}
