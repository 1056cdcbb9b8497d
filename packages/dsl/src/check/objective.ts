/**
 * Checks of an objective `f(x, θ; ξ) = body`, the lower one (`minimize`) or the upper one
 * (`outer E(...) = ...`): the argument lists against the declarations, and the body, which
 * may use the listed vars, params and sample, data, dims and consts, and must be a scalar.
 */
import { SCALAR, formatShape, type Shape } from '@sgdiff/core';
import type { Identifier, MinimizeDecl, NameRef, OuterExpressionDecl } from '../ast.ts';
import { describeKind, type CheckContext, type DeclaredSymbol } from './context.ts';
import { inferShape, type ExpressionScope } from './shapes.ts';

/** A declaration with an objective's signature and body. */
export type ObjectiveDecl = MinimizeDecl | OuterExpressionDecl;

/** What a checked objective says about names, for the file-level rules on samples. */
export interface ObjectiveNames {
  /** The sample it validly lists, if any (an objective lists at most one). */
  readonly sample?: string;
  /** Every var, param or sample it lists (validly or not) or uses: these need no further report. */
  readonly mentioned: ReadonlySet<string>;
}

/**
 * Checks an objective. For `minimize`, every var must be listed; the upper objective may leave
 * vars out (its gradient with respect to them is then zero).
 * @param what - how messages name it: `the objective` or `the outer objective`
 */
export function checkObjective(decl: ObjectiveDecl, ctx: CheckContext, what: string): ObjectiveNames {
  const scope = new ObjectiveScope(decl, ctx);
  const shape = inferShape(decl.body, ctx, scope);
  if (shape && shape.length > 0) {
    ctx.error(decl.body.range, 'non-scalar-objective', `${what} must be a scalar, got ${formatShape(shape)}`);
  }
  if (decl.$type === 'MinimizeDecl') scope.reportMissingVars();
  return scope.names();
}

/** The names the body of one objective may use, built from its argument lists. */
class ObjectiveScope implements ExpressionScope {
  /** Vars, params and samples validly listed. */
  private readonly listed = new Set<string>();
  /** Names written in a list but refused there: reported once, not again at each use. */
  private readonly refused = new Set<string>();
  /** Vars, params and samples used in the body without being listed (each use is reported). */
  private readonly usedUnlisted = new Set<string>();
  /** The sample validly listed after `;`. */
  private sample: string | undefined;

  constructor(
    private readonly decl: ObjectiveDecl,
    private readonly ctx: CheckContext,
  ) {
    this.list(decl.args, (symbol, id) => {
      if (symbol.kind === 'var' || symbol.kind === 'param') return true;
      const where = symbol.kind === 'sample' ? "list it after ';'" : "only vars and params may be listed before ';'";
      ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; ${where}`);
      return false;
    });
    this.list(decl.samples, (symbol, id) => {
      if (symbol.kind !== 'sample') {
        ctx.error(id.range, 'invalid-objective-argument', `'${id.name}' is ${describeKind(symbol.kind)}; only samples may be listed after ';'`);
        return false;
      }
      if (this.sample !== undefined) {
        const message = `'${decl.name.name}' may list only one sample; '${id.name}' is a second one after '${this.sample}'`;
        ctx.error(id.range, 'invalid-objective-argument', message);
        return false;
      }
      this.sample = id.name;
      return true;
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
      case 'outer':
        this.ctx.error(ref.range, 'invalid-reference', `'${ref.name}' is ${describeKind(symbol.kind)}; it cannot be used in an expression`);
        return undefined;
    }
  }

  /**
   * Every var must be listed. Ones used in the body were reported at each use already (with
   * the fix); the others are reported at the objective's name.
   */
  reportMissingVars(): void {
    const f = this.decl.name;
    const mentioned = this.mentioned();
    for (const symbol of this.ctx.symbols.values()) {
      if (symbol.kind !== 'var' || mentioned.has(symbol.name)) continue;
      this.ctx.error(f.range, 'missing-objective-argument', `var '${symbol.name}' is not an argument of '${f.name}'; every var must be listed before ';'`);
    }
  }

  /** The listed sample and every name already accounted for. */
  names(): ObjectiveNames {
    return { sample: this.sample, mentioned: this.mentioned() };
  }

  private mentioned(): Set<string> {
    return new Set([...this.listed, ...this.refused, ...this.usedUnlisted]);
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
