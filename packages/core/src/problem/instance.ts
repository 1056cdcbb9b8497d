/**
 * A problem instance: the numbers behind every declaration for one seed. Each data, param and
 * var tensor is filled row-major from its own random stream (see {@link RandomStream}).
 */
import { sizeOf } from '../ir/shape.ts';
import { RandomStream } from '../runtime/rng.ts';
import { layoutOf, type Layout } from './layout.ts';
import type { Problem, TensorInit, TensorSymbol } from './problem.ts';

/** Reads tensors from a data source (`from mnist(...)`); given by the plugin that provides the source. */
export type SourceReader = (symbol: TensorSymbol, init: Extract<TensorInit, { kind: 'source' }>, seed: number) => Float64Array;

/** Concrete values for one seed. */
export interface Instance {
  /** The seed the values were drawn with. */
  readonly seed: number;
  /** Every data, param and var tensor by name, row-major. */
  readonly values: ReadonlyMap<string, Float64Array>;
  /** Layout of x (all vars). */
  readonly varLayout: Layout;
  /** Layout of θ (all params). */
  readonly paramLayout: Layout;
  /** The start point x₀, flat. */
  readonly x0: Float64Array;
  /** The parameter θ, flat. */
  readonly theta: Float64Array;
}

function fill(symbol: TensorSymbol, seed: number, readSource: SourceReader | undefined): Float64Array {
  const init = symbol.init;
  const values = new Float64Array(sizeOf(symbol.shape));
  switch (init.kind) {
    case 'constant':
      values.fill(init.value);
      return values;
    case 'normal': {
      const stream = RandomStream.forDeclaration(seed, symbol.kind, symbol.name);
      for (let k = 0; k < values.length; k++) values[k] = stream.normal(init.mean, init.sd);
      return values;
    }
    case 'uniform': {
      const stream = RandomStream.forDeclaration(seed, symbol.kind, symbol.name);
      for (let k = 0; k < values.length; k++) values[k] = stream.uniformIn(init.lo, init.hi);
      return values;
    }
    case 'source':
      if (!readSource) throw new Error(`no reader for data source ${init.source}`);
      return readSource(symbol, init, seed);
  }
}

/** Draws every tensor of `problem` for `seed`. */
export function drawInstance(problem: Problem, seed: number, readSource?: SourceReader): Instance {
  const values = new Map<string, Float64Array>();
  for (const symbol of problem.tensors) values.set(symbol.name, fill(symbol, seed, readSource));
  const varLayout = layoutOf(problem, 'var');
  const paramLayout = layoutOf(problem, 'param');
  const gather = (layout: Layout): Float64Array => {
    const flat = new Float64Array(layout.size);
    for (const e of layout.entries) flat.set(values.get(e.name) as Float64Array, e.offset);
    return flat;
  };
  return { seed, values, varLayout, paramLayout, x0: gather(varLayout), theta: gather(paramLayout) };
}
