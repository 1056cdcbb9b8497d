/**
 * Compiled kernels of a problem instance: f and its derivatives per sample, and the full
 * objective F(x, θ) = E_ξ f(x, θ; ξ) (the mean over the sample's outcomes) with its derivatives.
 * Kernels are compiled lazily, once each, and never allocate when called.
 */
import { compileKernel, type CompiledKernel, type KernelMode, type KernelOutput } from '../codegen/compile.ts';
import type { InputLocation } from '../codegen/layout.ts';
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import type { Layout } from '../problem/layout.ts';
import type { Instance } from '../problem/instance.ts';
import type { Problem } from '../problem/problem.ts';
import type { DerivativeGraphs } from './graphs.ts';

/** The quantities a kernel can compute. */
export type Quantity = 'value' | 'gradX' | 'gradTheta' | 'hvp' | 'cross' | 'crossTranspose';

const EMPTY = new Float64Array(0);

/** Kernels of one problem instance. Buffers: `x` has the var layout, `theta` the param layout. */
export class ProblemKernels {
  private readonly compiled = new Map<string, CompiledKernel>();
  private readonly scalarOut = new Float64Array(1);
  /** Number of sample outcomes F averages over (1 without a sample). */
  readonly outcomes: number;

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
  kernel(quantity: Quantity, mode: KernelMode): CompiledKernel {
    const key = `${quantity}/${mode}`;
    let k = this.compiled.get(key);
    if (!k) {
      k = compileKernel(this.outputs(quantity), mode, (n) => this.locate(n), this.functions);
      this.compiled.set(key, k);
    }
    return k;
  }

  /** f(x, θ; i). */
  sampleValue(x: Float64Array, theta: Float64Array, i: number): number {
    this.kernel('value', 'assign').run(x, theta, EMPTY, i, this.scalarOut, 1);
    return this.scalarOut[0];
  }

  /** Writes the per-sample quantity at sample `i` into `out` (`t` is the direction for products). */
  sample(quantity: Quantity, x: Float64Array, theta: Float64Array, t: Float64Array, i: number, out: Float64Array): void {
    this.kernel(quantity, 'assign').run(x, theta, t, i, out, 1);
  }

  /** F(x, θ). */
  objective(x: Float64Array, theta: Float64Array): number {
    this.scalarOut[0] = 0;
    this.mean('value', x, theta, EMPTY, this.scalarOut);
    return this.scalarOut[0];
  }

  /**
   * Writes the full-objective quantity into `out`: ∇ₓF (`gradX`), ∇θF (`gradTheta`),
   * ∇²ₓₓF·t (`hvp`), ∇²ₓθF·t (`cross`) or ∇²θₓF·t (`crossTranspose`).
   */
  full(quantity: Exclude<Quantity, 'value'>, x: Float64Array, theta: Float64Array, t: Float64Array, out: Float64Array): void {
    out.fill(0);
    this.mean(quantity, x, theta, t, out);
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

  private mean(quantity: Quantity, x: Float64Array, theta: Float64Array, t: Float64Array, out: Float64Array): void {
    const run = this.kernel(quantity, 'accumulate').run;
    const scale = 1 / this.outcomes;
    for (let i = 0; i < this.outcomes; i++) run(x, theta, t, i, out, scale);
  }

  private outputs(quantity: Quantity): KernelOutput[] {
    const { vars, params } = this.graphs;
    const perEntry = (layout: Layout, nodes: readonly (Node | null)[]): KernelOutput[] =>
      layout.entries.map((e, k) => ({ node: nodes[k], size: e.size, offset: e.offset }));
    switch (quantity) {
      case 'value':
        return [{ node: this.graphs.value, size: 1, offset: 0 }];
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

  private locate(node: Node): InputLocation {
    const ref = node.input;
    if (!ref) throw new Error(`node ${node.op} is not an input`);
    const find = (layout: Layout, name: string) => layout.entries.find((e) => e.name === name);
    switch (ref.kind) {
      case 'sample':
        return { kind: 'sample' };
      case 'data':
        return { kind: 'data', values: this.instance.values.get(ref.name) as Float64Array };
      case 'var':
      case 'param': {
        const entry = find(ref.kind === 'var' ? this.graphs.vars : this.graphs.params, ref.name);
        if (!entry) throw new Error(`unknown ${ref.kind} ${ref.name}`);
        return { kind: 'buffer', buffer: ref.kind === 'var' ? 'x' : 'th', offset: entry.offset };
      }
      case 'tangent': {
        // A tangent is named after its primal's key `kind:name`; it shares the primal's layout.
        const [kind, name] = [ref.name.slice(0, ref.name.indexOf(':')), ref.name.slice(ref.name.indexOf(':') + 1)];
        const entry = find(kind === 'var' ? this.graphs.vars : this.graphs.params, name);
        if (!entry) throw new Error(`unknown tangent ${ref.name}`);
        return { kind: 'buffer', buffer: 't', offset: entry.offset };
      }
    }
  }
}
