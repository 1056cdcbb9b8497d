/**
 * `--set param.NAME[i]=VALUE` (and `[i, j]` for a matrix): one entry of a param set after the
 * instance is drawn, the rest drawn as usual, so a finite difference of a whole run in one
 * coordinate of θ needs no edit of the file. Indices are 0-based and row-major, like the
 * language's.
 */
import type { Instance, Problem } from '@sgdiff/core';
import { UserError } from '../errors.ts';

/**
 * One entry override.
 * @category CLI
 */
export interface ParamEntryOverride {
  /** The param's name. */
  readonly name: string;
  /** Its index, one per axis. */
  readonly index: readonly number[];
  /** The entry's new value. */
  readonly value: number;
  /** The flag as written, for messages. */
  readonly flag: string;
}

/**
 * Whether a `--set` flag sets one entry of a param (`param.NAME[...]=...`).
 * @category CLI
 */
export function isParamEntryFlag(flag: string): boolean {
  return /^param\.[A-Za-z_][A-Za-z0-9_]*\[/.test(flag);
}

/**
 * Parses `param.NAME[i]=VALUE` or `param.NAME[i, j]=VALUE`; throws a {@link UserError} naming the flag otherwise.
 * @category CLI
 */
export function parseParamEntry(flag: string): ParamEntryOverride {
  const match = /^param\.([A-Za-z_][A-Za-z0-9_]*)\[\s*(\d+)\s*(?:,\s*(\d+)\s*)?\]=(.+)$/.exec(flag);
  const value = match ? Number(match[4]) : NaN;
  if (!match || match[4].trim() === '' || !Number.isFinite(value)) {
    throw new UserError(`--set ${flag}: error: expected param.NAME[i]=NUMBER or param.NAME[i, j]=NUMBER with 0-based indices and a finite number`);
  }
  return { name: match[1], index: match[3] === undefined ? [Number(match[2])] : [Number(match[2]), Number(match[3])], value, flag };
}

/** The flat row-major position of `override` in its param, checked against the declared shape. */
function flatIndex(problem: Problem, file: string, override: ParamEntryOverride): number {
  const symbol = problem.tensors.find((t) => t.kind === 'param' && t.name === override.name);
  if (!symbol) throw new UserError(`--set ${override.flag}: error: ${file} declares no param '${override.name}'`);
  const shape = symbol.shape;
  const declared = shape.length === 0 ? 'R' : `R[${shape.join(', ')}]`;
  if (override.index.length !== shape.length || override.index.some((i, axis) => i >= shape[axis])) {
    const expected = shape.length === 0 ? 'no index (use param.NAME=VALUE)' : `${shape.length} 0-based ${shape.length === 1 ? 'index' : 'indices'} below [${shape.join(', ')}]`;
    throw new UserError(`--set ${override.flag}: error: ${override.name} : ${declared} takes ${expected}`);
  }
  return override.index.reduce((flat, i, axis) => flat * shape[axis] + i, 0);
}

/**
 * Checks every override against the problem's params before anything runs.
 * @category CLI
 */
export function checkParamEntries(problem: Problem, file: string, overrides: readonly ParamEntryOverride[]): void {
  for (const override of overrides) flatIndex(problem, file, override);
}

/**
 * The instance with the overridden entries set, in the param's tensor and in θ.
 * @category CLI
 */
export function withParamEntries(instance: Instance, problem: Problem, file: string, overrides: readonly ParamEntryOverride[]): Instance {
  if (overrides.length === 0) return instance;
  const values = new Map(instance.values);
  const theta = Float64Array.from(instance.theta);
  for (const override of overrides) {
    const at = flatIndex(problem, file, override);
    const tensor = Float64Array.from(values.get(override.name) as Float64Array);
    tensor[at] = override.value;
    values.set(override.name, tensor);
    const entry = instance.paramLayout.entries.find((e) => e.name === override.name);
    if (entry) theta[entry.offset + at] = override.value;
  }
  return { ...instance, values, theta };
}
