/** Checks of the upper-level objective: `outer value`, or `outer E(x, θ; j) = body`. */
import type { Expr, OuterDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';
import { checkObjective, type ObjectiveNames } from './objective.ts';
import type { CheckedSample } from './samples.ts';

/**
 * A checked `outer` declaration.
 * @category Language
 */
export type CheckedOuter =
  /** `outer value`: the value function min_x F. */
  | { readonly kind: 'value' }
  /** `outer E(...) = body`, with the sample it lists (its mean is taken over that sample). */
  | { readonly kind: 'expression'; readonly name: string; readonly body: Expr; readonly sample?: CheckedSample };

/**
 * Checks `outer E(...) = body` (`outer value` has nothing to check). It follows the rules of
 * `minimize` for its lists and body, except that it need not list every var.
 * @returns what its check found about names, for the file-level rules on samples
 */
export function checkOuter(decl: OuterDecl, ctx: CheckContext): ObjectiveNames | undefined {
  return decl.kind === 'expression' ? checkObjective(decl, ctx, 'the outer objective') : undefined;
}

/**
 * The checked `outer`, once every sample's law is known.
 * @param sampleOf - the law of a sample checked without error, by name
 */
export function resolveOuter(decl: OuterDecl, names: ObjectiveNames | undefined, sampleOf: (name: string | undefined) => CheckedSample | undefined): CheckedOuter {
  if (decl.kind === 'value') return { kind: 'value' };
  const sample = sampleOf(names?.sample);
  return sample ? { kind: 'expression', name: decl.name.name, body: decl.body, sample } : { kind: 'expression', name: decl.name.name, body: decl.body };
}
