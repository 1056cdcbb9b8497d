/**
 * Compiled kernels of a problem instance: f and its derivatives per sample, and the full
 * objective F(x, θ) = E_ξ f(x, θ; ξ) (the mean over the sample's outcomes) with its derivatives.
 * Kernels are compiled lazily, once each, and never allocate when called.
 */
import { compileKernel, type CompiledKernel, type KernelOutput } from '../codegen/compile.ts';
import type { InputResolver } from '../codegen/layout.ts';
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { splitBySample } from '../ir/split.ts';
import type { Layout } from '../problem/layout.ts';
import type { Instance } from '../problem/instance.ts';
import type { Problem } from '../problem/problem.ts';
import type { DerivativeGraphs } from './graphs.ts';
import { inputResolver } from './input-resolver.ts';

/**
 * The quantities a kernel can compute.
 * @category Code generation
 */
export type Quantity = 'value' | 'gradX' | 'gradTheta' | 'hvp' | 'cross' | 'crossTranspose';

const EMPTY = new Float64Array(0);

/**
 * Kernels of one problem instance. Buffers: `x` has the var layout, `theta` the param layout.
 * @category Code generation
 */
export class ProblemKernels {
  private readonly compiled = new Map<Quantity, CompiledKernel>();
  private readonly scalarOut = new Float64Array(1);
  private readonly single = new Int32Array(1);
  /** Number of sample outcomes F averages over (1 without a sample). */
  readonly outcomes: number;
  /** The batch `0, 1, ..., outcomes − 1`: every outcome once, for F and its derivatives. */
  readonly everyOutcome: Int32Array;

  /**
   * @param problem - the lowered problem
   * @param graphs - its derivative graphs
   * @param instance - the numbers data inputs are bound to
   * @param functions - elementwise function implementations
   */
  constructor(
    readonly problem: Problem,
    readonly graphs: DerivativeGraphs,
    readonly instance: Instance,
    private readonly functions: FunctionTable,
  ) {
    this.outcomes = problem.sample?.size ?? 1;
    this.everyOutcome = Int32Array.from({ length: this.outcomes }, (_, k) => k);
  }

  /** Length of x. */
  get dimension(): number {
    return this.graphs.vars.size;
  }

  /** Length of θ. */
  get parameters(): number {
    return this.graphs.params.size;
  }

  /** The compiled kernel of a quantity (its source is available for inspection). */
  kernel(quantity: Quantity): CompiledKernel {
    let k = this.compiled.get(quantity);
    if (!k) {
      k = compileKernel(this.outputs(quantity), this.resolver(), this.functions);
      this.compiled.set(quantity, k);
    }
    return k;
  }

  /** f(x, θ; i). */
  sampleValue(x: Float64Array, theta: Float64Array, i: number): number {
    this.single[0] = i;
    this.kernel('value').run(x, theta, EMPTY, EMPTY, this.single, 1, this.scalarOut, EMPTY);
    return this.scalarOut[0];
  }

  /**
   * Writes a quantity averaged over the batch `idx[0..count)` into `out`. The direction `t`
   * is used by `hvp` and `crossTranspose` (a var direction) and by `cross` (a param direction).
   */
  batch(quantity: Quantity, x: Float64Array, theta: Float64Array, t: Float64Array, idx: Int32Array, count: number, out: Float64Array): void {
    const [varDirection, paramDirection] = quantity === 'cross' ? [EMPTY, t] : [t, EMPTY];
    this.kernel(quantity).run(x, theta, varDirection, paramDirection, idx, count, out, EMPTY);
  }

  /** F(x, θ). */
  objective(x: Float64Array, theta: Float64Array): number {
    this.batch('value', x, theta, EMPTY, this.everyOutcome, this.outcomes, this.scalarOut);
    return this.scalarOut[0];
  }

  /**
   * Writes the full-objective quantity into `out`: ∇ₓF (`gradX`), ∇θF (`gradTheta`),
   * ∇²ₓₓF·t (`hvp`), ∇²ₓθF·t (`cross`) or ∇²θₓF·t (`crossTranspose`).
   */
  full(quantity: Exclude<Quantity, 'value'>, x: Float64Array, theta: Float64Array, t: Float64Array, out: Float64Array): void {
    this.batch(quantity, x, theta, t, this.everyOutcome, this.outcomes, out);
  }

  /** ∇²ₓₓF as a dense D×D row-major matrix, by D Hessian–vector products (small problems only). */
  denseHessian(x: Float64Array, theta: Float64Array): Float64Array {
    return this.denseColumns('hvp', x, theta, this.dimension, this.dimension);
  }

  /** ∇²ₓθF as a dense D×P row-major matrix (rows: entries of x, columns: entries of θ). */
  denseCross(x: Float64Array, theta: Float64Array): Float64Array {
    return this.denseColumns('cross', x, theta, this.dimension, this.parameters);
  }

  private denseColumns(quantity: 'hvp' | 'cross', x: Float64Array, theta: Float64Array, rows: number, cols: number): Float64Array {
    const matrix = new Float64Array(rows * cols);
    const direction = new Float64Array(cols);
    const column = new Float64Array(rows);
    for (let c = 0; c < cols; c++) {
      direction.fill(0);
      direction[c] = 1;
      this.full(quantity, x, theta, direction, column);
      for (let r = 0; r < rows; r++) matrix[r * cols + c] = column[r];
    }
    return matrix;
  }

  private outputs(quantity: Quantity): KernelOutput[] {
    const { vars, params } = this.graphs;
    const b = this.problem.builder;
    const output = (node: Node | null, size: number, offset: number): KernelOutput =>
      node ? { ...splitBySample(b, node), size, offset } : { fixed: null, sampled: null, size, offset };
    const perEntry = (layout: Layout, nodes: readonly (Node | null)[]): KernelOutput[] =>
      layout.entries.map((e, k) => output(nodes[k], e.size, e.offset));
    switch (quantity) {
      case 'value':
        return [output(this.graphs.value, 1, 0)];
      case 'gradX':
        return perEntry(vars, this.graphs.gradX);
      case 'gradTheta':
        return perEntry(params, this.graphs.gradTheta);
      case 'hvp':
        return perEntry(vars, this.graphs.hvp);
      case 'cross':
        return perEntry(vars, this.graphs.cross);
      case 'crossTranspose':
        return perEntry(params, this.graphs.crossTranspose);
    }
  }

  private resolver(): InputResolver {
    const offsets = (layout: Layout, kind: string): Map<string, number> => new Map(layout.entries.map((e) => [`${kind}:${e.name}`, e.offset]));
    return inputResolver(`the kernels of ${this.problem.objectiveName}`, this.instance, { state: offsets(this.graphs.vars, 'var'), params: offsets(this.graphs.params, 'param') });
  }
}
