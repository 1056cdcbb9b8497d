/**
 * How `.sgd` spellings (`@`, `sum(M, axis = 0)`, `v[i]`, `g[:, None]`, ...) find their operator
 * records. The checker and the lowering both choose with {@link chooseSurface}, so they can
 * never disagree, and neither holds code of its own for any operator.
 */
import { formatShape, type Attributes, type OperatorRecord, type OperatorSurface, type Shape } from '@sgdiff/core';

/** A spelling's record and surface. */
export interface SurfaceChoice {
  /** The operator. */
  readonly record: OperatorRecord;
  /** How it is written. */
  readonly surface: OperatorSurface;
}

/** The shape of `surface` applied to `args`: its own rule for a composite, else its record's. */
export function surfaceShape({ record, surface }: SurfaceChoice, args: readonly Shape[], attrs: Attributes): Shape | string {
  return surface.shape ? surface.shape(args, attrs) : record.shape(args, attrs);
}

/**
 * The first candidate whose shape rule accepts `args`, with the result shape; or the message
 * naming the shapes when none does: the candidate's own when there is one, the list of forms
 * when several spellings share the name (`'@' needs R[n, d] @ R[d], ... , got R[3] and R[4]`).
 */
export function chooseSurface(
  candidates: readonly SurfaceChoice[],
  args: readonly Shape[],
  attrs: Attributes,
): { readonly choice: SurfaceChoice; readonly shape: Shape } | { readonly error: string } {
  const errors: string[] = [];
  for (const candidate of candidates) {
    const shape = surfaceShape(candidate, args, attrs);
    if (typeof shape !== 'string') return { choice: candidate, shape };
    errors.push(shape);
  }
  if (errors.length === 1) return { error: errors[0] };
  const forms = candidates.map((c) => c.surface.forms);
  const list = `${forms.slice(0, -1).join(', ')} or ${forms[forms.length - 1]}`;
  return { error: `needs ${list}, got ${args.map(formatShape).join(' and ')}` };
}
