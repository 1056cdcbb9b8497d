/**
 * `instance.json` for `--out`, as a sequence of pieces rather than one string: the same bytes as
 * `JSON.stringify(instanceJson(...))`, but a large instance (n = 2,000 × d = 20,000 data, about
 * 1 GB of text) exceeds the longest string V8 can build, so each row of a matrix is stringified
 * and written on its own.
 */
import type { Instance, Problem } from '@sgdiff/core';
import { shapeTensor } from '../json.ts';

/**
 * The pieces of `instance.json`, in order; their concatenation is `JSON.stringify(instanceJson(problem, instance))`.
 * @category CLI
 */
export function* instanceJsonPieces(problem: Problem, instance: Instance): Generator<string> {
  let first = true;
  const key = (name: string): string => {
    const piece = `${first ? '{' : ','}${JSON.stringify(name)}:`;
    first = false;
    return piece;
  };
  for (const { name, value } of [...problem.dims, ...problem.consts]) yield key(name) + JSON.stringify(value);
  for (const t of problem.tensors) {
    const values = instance.values.get(t.name) as Float64Array;
    yield key(t.name);
    if (t.shape.length < 2) {
      yield JSON.stringify(shapeTensor(values, t.shape));
      continue;
    }
    const rows = t.shape[0];
    const inner = t.shape.slice(1);
    const width = values.length / rows;
    for (let r = 0; r < rows; r++) yield (r === 0 ? '[' : ',') + JSON.stringify(shapeTensor(values.subarray(r * width, (r + 1) * width), inner));
    yield rows === 0 ? '[]' : ']';
  }
  yield first ? '{}' : '}';
}
