/**
 * The file-level rule on samples: a file declares at most two, `minimize` and `outer` list at
 * most one each, and every declared sample is an argument of one of them (or of both).
 */
import type { Identifier, SampleDecl } from '../ast.ts';
import type { CheckContext } from './context.ts';
import type { ObjectiveNames } from './objective.ts';

/**
 * A sample checked without error: its name, number of outcomes and minibatch size.
 * @category Language
 */
export interface CheckedSample {
  /** The declared name. */
  readonly name: string;
  /** Number of equally likely outcomes (`n` of `uniform(n)`). */
  readonly size: number;
  /** Minibatch size (1 when not given). */
  readonly batch: number;
}

/** How many `sample` declarations a file may have: one for `minimize`, one for `outer`. */
export const MAX_SAMPLES = 2;

/** An objective's name, how many samples it lists, and what its check found. */
export interface ObjectiveUse {
  /** The objective's name as declared (`f`, `E`). */
  readonly name: Identifier;
  /** How many names it lists after `;` (0 means it can still take a sample). */
  readonly listedSamples: number;
  /** The outcome of its check. */
  readonly names: ObjectiveNames;
}

/**
 * Reports every accepted sample that no objective mentions. Each is reported where it can be
 * fixed: at the first objective that lists no sample yet (`minimize` first, then `outer`),
 * else at the sample's own declaration.
 * @param samples - the sample declarations within the {@link MAX_SAMPLES} limit, in order
 * @param objectives - `minimize`, then the `outer` objective when it has a signature
 */
export function checkSampleArguments(samples: readonly SampleDecl[], objectives: readonly ObjectiveUse[], ctx: CheckContext): void {
  const free = objectives.filter((o) => o.listedSamples === 0);
  for (const { name } of samples) {
    if (objectives.some((o) => o.names.mentioned.has(name.name))) continue;
    const target = free.shift();
    if (target) {
      const f = target.name;
      ctx.error(f.range, 'missing-objective-argument', `sample '${name.name}' is not an argument of '${f.name}'; list it after ';'`);
    } else {
      const message = `sample '${name.name}' is an argument of no objective; 'minimize' and 'outer' may list one sample each`;
      ctx.error(name.range, 'missing-objective-argument', message);
    }
  }
}
