/**
 * A problem instance: the numbers behind every declaration for one seed. Each data, param and
 * var tensor is filled row-major from its own random stream (see {@link RandomStream}).
 */
import { compileKernel } from '../codegen/compile.ts';
import type { FunctionTable } from '../ir/functions.ts';
import { sizeOf } from '../ir/shape.ts';
import { RandomStream } from '../runtime/rng.ts';
import { layoutOf, type Layout } from './layout.ts';
import type { Node } from '../ir/node.ts';
import type { Problem, TensorInit, TensorSymbol } from './problem.ts';
import { fillSparseNormal } from './sparse-normal.ts';

/**
 * Reads tensors from a data source (`from mnist(...)`); given by the plugin that provides the source.
 * @category Problems and references
 */
export type SourceReader = (symbol: TensorSymbol, init: Extract<TensorInit, { kind: 'source' }>, seed: number) => Float64Array;

/**
 * Concrete values for one seed.
 * @category Problems and references
 */
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

/** Evaluates a data expression over the tensors filled so far. */
function evaluateExpression(symbol: TensorSymbol, node: Node, values: ReadonlyMap<string, Float64Array>, functions: FunctionTable): Float64Array {
  const out = new Float64Array(sizeOf(symbol.shape));
  const fixed = node.shape.length === symbol.shape.length ? node : null;
  const kernel = compileKernel(
    [{ fixed: fixed ?? node, sampled: null, size: fixed ? out.length : 1, offset: 0 }],
    (input) => {
      const data = input.input?.kind === 'data' ? values.get(input.input.name) : undefined;
      if (!data) throw new Error(`the value of ${symbol.name} reads ${input.input?.name}, which is not earlier data`);
      return { kind: 'data', values: data };
    },
    functions,
  ).run;
  const none = new Float64Array(0);
  kernel(none, none, none, none, new Int32Array(0), 0, out, none);
  // A scalar value was written once; broadcast it to the declared shape.
  if (!fixed) out.fill(out[0]);
  return out;
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
    case 'sparse_normal':
      fillSparseNormal(values, init.r, init.sd, RandomStream.forDeclaration(seed, symbol.kind, symbol.name));
      return values;
    case 'expression':
      throw new Error('expression values are evaluated by drawInstance');
    case 'source':
      if (!readSource) throw new Error(`no reader for data source ${init.source}`);
      return readSource(symbol, init, seed);
  }
}

/**
 * Draws every tensor of `problem` for `seed`.
 * @category Problems and references
 */
export function drawInstance(problem: Problem, seed: number, readSource?: SourceReader): Instance {
  const values = new Map<string, Float64Array>();
  for (const symbol of problem.tensors) {
    const init = symbol.init;
    values.set(symbol.name, init.kind === 'expression' ? evaluateExpression(symbol, init.node, values, problem.builder.functions) : fill(symbol, seed, readSource));
  }
  const varLayout = layoutOf(problem, 'var');
  const paramLayout = layoutOf(problem, 'param');
  const gather = (layout: Layout): Float64Array => {
    const flat = new Float64Array(layout.size);
    for (const e of layout.entries) flat.set(values.get(e.name) as Float64Array, e.offset);
    return flat;
  };
  return { seed, values, varLayout, paramLayout, x0: gather(varLayout), theta: gather(paramLayout) };
}
