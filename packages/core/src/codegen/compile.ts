/**
 * Compiles IR to an allocation-free JavaScript kernel. The generated source is built only from
 * generated identifiers, operator symbols and numbers written by {@link numberLiteral}; names
 * and text from the `.sgd` file never enter it. Data arrays, elementwise functions and scratch
 * buffers are bound once, in the closure that `new Function` returns.
 */
import type { FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { isScalar, sizeOf } from '../ir/shape.ts';
import { sampleDependent } from '../ir/split.ts';
import type { InputResolver } from './layout.ts';
import { integerLiteral, numberLiteral } from './literal.ts';
import { planKernel, type Placement } from './plan.ts';

/**
 * A compiled kernel. It writes, for each output, `fixed + (1/count) Σ_q sampled(idx[q])`: the
 * sample-free part once, the sample-dependent part averaged over the batch `idx[0..count)`.
 */
export type Kernel = (
  x: Float64Array,
  th: Float64Array,
  t: Float64Array,
  u: Float64Array,
  idx: Int32Array,
  count: number,
  out: Float64Array,
  h: Float64Array,
) => void;

/** One result a kernel writes at `out[offset ...]`: `fixed` plus the batch mean of `sampled`. */
export interface KernelOutput {
  /** The part that does not depend on the sample (`null`: zero). */
  readonly fixed: Node | null;
  /** The part averaged over the batch (`null`: zero). */
  readonly sampled: Node | null;
  /** Entry count. */
  readonly size: number;
  /** First position in `out`. */
  readonly offset: number;
}

/** A kernel with the source it was compiled from (for tests and curious users). */
export interface CompiledKernel {
  /** The callable kernel. */
  readonly run: Kernel;
  /** The generated function body. */
  readonly source: string;
}

const BINARY_SYMBOL = { add: '+', sub: '-', mul: '*', div: '/' } as const;

/** Compiles the outputs into one kernel. */
export function compileKernel(outputs: readonly KernelOutput[], resolve: InputResolver, functions: FunctionTable): CompiledKernel {
  const writer = new KernelWriter(outputs, resolve, functions);
  const source = writer.source();
  const factory = new Function('data', 'fns', source) as (data: Float64Array[], fns: Array<(z: number) => number>) => Kernel;
  return { run: factory(writer.dataArrays, writer.functionImpls), source };
}

class KernelWriter {
  readonly dataArrays: Float64Array[] = [];
  readonly functionImpls: Array<(z: number) => number> = [];
  private readonly dataIndex = new Map<Float64Array, number>();
  private readonly functionIndex = new Map<string, number>();
  private readonly prelude: string[] = [];
  /** Code run once per call, before any sample is looked at. */
  private readonly fixedBody: string[] = [];
  /** Code for a batch of one sample (the common SGD step), with plain stores. */
  private readonly singleBody: string[] = [];
  /** Code for a larger batch, run once per batch entry, adding weighted contributions. */
  private readonly loopBody: string[] = [];
  /** Code before the batch loop (clearing outputs that only receive contributions). */
  private readonly loopPrefix: string[] = [];
  /** Where emitted lines currently go. */
  private body: string[] = this.fixedBody;
  private readonly dependent: ReadonlySet<Node>;
  private readonly names = new Map<Node, string>();
  private readonly placement: ReadonlyMap<Node, Placement>;
  private readonly order: readonly Node[];
  private counter = 0;

  constructor(
    private readonly outputs: readonly KernelOutput[],
    private readonly resolve: InputResolver,
    private readonly functions: FunctionTable,
  ) {
    const roots = outputs.flatMap((o) => [o.fixed, o.sampled]).filter((n): n is Node => n !== null);
    const plan = planKernel(roots.map((n) => directScatter(n) ?? n));
    this.placement = plan.placement;
    this.order = plan.order;
    this.dependent = sampleDependent(roots);
  }

  source(): string {
    // Sample-free nodes are computed once, before any loop, even when only the loop uses them.
    for (const node of this.order) if (!this.dependent.has(node)) this.emitNode(node);
    for (const output of this.outputs) this.emitFixedOutput(output);
    const sampled = this.outputs.filter((o) => o.sampled !== null);
    if (sampled.length > 0) {
      // A batch of one gets its own copy of the code, with no clearing and no weighting.
      this.body = this.singleBody;
      for (const node of this.order) if (this.dependent.has(node)) this.emitNode(node);
      for (const output of sampled) this.emitSampledStore(output, 'single');
      this.body = this.loopPrefix;
      for (const output of sampled) if (!output.fixed) this.clear(output);
      this.body = this.loopBody;
      for (const node of this.order) if (this.dependent.has(node)) this.emitNode(node);
      for (const output of sampled) this.emitSampledStore(output, 'batch');
    }
    const indent = (lines: string[], by: string): string[] => lines.map((l) => by + l);
    const perSample = sampled.length === 0 ? [] : [
      'if (count === 1) {',
      '  const i = idx[0];',
      ...indent(this.singleBody, '  '),
      '} else {',
      '  const w = 1 / count;',
      ...indent(this.loopPrefix, '  '),
      '  for (let q = 0; q < count; q++) {',
      '    const i = idx[q];',
      ...indent(this.loopBody, '    '),
      '  }',
      '}',
    ];
    return [
      '"use strict";',
      'const sq = (v) => v * v;',
      ...this.prelude,
      'return function kernel(x, th, t, u, idx, count, out, h) {',
      ...indent([...this.fixedBody, ...perSample], '  '),
      '};',
    ].join('\n');
  }

  private fresh(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  /** Loop `for (let j = 0; j < n; j++)` with a fresh index name. */
  private loop(n: number, body: (j: string) => string[]): void {
    const j = this.fresh('j');
    this.body.push(`for (let ${j} = 0; ${j} < ${integerLiteral(n)}; ${j}++) {`, ...body(j).map((l) => '  ' + l), '}');
  }

  private emitNode(node: Node): void {
    const where = this.placement.get(node);
    if (node.op === 'row') {
      const base = this.fresh('b');
      this.body.push(`const ${base} = ${this.index(node.args[1])} * ${integerLiteral(node.shape[0])};`);
      this.names.set(node, base);
      return;
    }
    if (where !== 'stored') return;
    if (isScalar(node.shape)) this.emitScalar(node);
    else this.emitTensor(node);
  }

  private emitScalar(node: Node): void {
    const name = this.fresh('s');
    const [a] = node.args;
    switch (node.op) {
      case 'sum': {
        this.body.push(`let ${name} = 0;`);
        this.loop(sizeOf(a.shape), (j) => [`${name} += ${this.element(a, j)};`]);
        break;
      }
      case 'logsumexp': {
        const max = this.fresh('m');
        const acc = this.fresh('a');
        const n = sizeOf(a.shape);
        this.body.push(`let ${max} = -1 / 0;`);
        this.loop(n, (j) => [`${max} = Math.max(${max}, ${this.element(a, j)});`]);
        this.body.push(`let ${acc} = 0;`);
        this.loop(n, (j) => [`${acc} += Math.exp(${this.element(a, j)} - ${max});`]);
        // All entries −∞ (or +∞) would give NaN through ∞ − ∞; the limit is the max itself.
        this.body.push(`const ${name} = (${max} === 1 / 0 || ${max} === -1 / 0) ? ${max} : ${max} + Math.log(${acc});`);
        break;
      }
      case 'entry':
        this.body.push(`const ${name} = ${this.element(a, this.index(node.args[1]))};`);
        break;
      case 'input':
        this.body.push(`const ${name} = ${this.inputElement(node, '0')};`);
        break;
      default:
        this.body.push(`const ${name} = ${this.compute(node, '0')};`);
    }
    this.names.set(node, name);
  }

  private emitTensor(node: Node): void {
    const size = sizeOf(node.shape);
    const buffer = this.fresh('T');
    this.prelude.push(`const ${buffer} = new Float64Array(${integerLiteral(size)});`);
    const [a, c] = node.args;
    switch (node.op) {
      case 'matvec': {
        const [n, d] = a.shape;
        this.loop(n, (r) => {
          const acc = this.fresh('a');
          const inner = this.captureLoop(d, (k) => [`${acc} += ${this.element(a, `${r} * ${integerLiteral(d)} + ${k}`)} * ${this.element(c, k)};`]);
          return [`let ${acc} = 0;`, ...inner, `${buffer}[${r}] = ${acc};`];
        });
        break;
      }
      case 'vecmat': {
        const [n, d] = c.shape;
        this.body.push(`${buffer}.fill(0);`);
        this.loop(n, (r) => {
          const w = this.fresh('w');
          const inner = this.captureLoop(d, (k) => [`${buffer}[${k}] += ${w} * ${this.element(c, `${r} * ${integerLiteral(d)} + ${k}`)};`]);
          return [`const ${w} = ${this.element(a, r)};`, ...inner];
        });
        break;
      }
      case 'outer': {
        const d = c.shape[0];
        this.loop(a.shape[0], (r) => {
          const ar = this.fresh('w');
          const inner = this.captureLoop(d, (k) => [`${buffer}[${r} * ${integerLiteral(d)} + ${k}] = ${ar} * ${this.element(c, k)};`]);
          return [`const ${ar} = ${this.element(a, r)};`, ...inner];
        });
        break;
      }
      case 'scatter':
        this.body.push(`${buffer}.fill(0);`, `${buffer}[${this.index(c)}] = ${this.scalar(a)};`);
        break;
      case 'scatterRow': {
        const d = a.shape[0];
        const base = this.fresh('b');
        this.body.push(`${buffer}.fill(0);`, `const ${base} = ${this.index(c)} * ${integerLiteral(d)};`);
        this.loop(d, (k) => [`${buffer}[${base} + ${k}] = ${this.element(a, k)};`]);
        break;
      }
      default:
        this.loop(size, (j) => [`${buffer}[${j}] = ${this.compute(node, j)};`]);
    }
    this.names.set(node, buffer);
  }

  /** A nested loop's lines, for use inside another loop's body. */
  private captureLoop(n: number, body: (j: string) => string[]): string[] {
    const mark = this.body.length;
    this.loop(n, body);
    return this.body.splice(mark);
  }

  private clear({ size, offset }: KernelOutput): void {
    if (size > 0) this.body.push(`out.fill(0, ${integerLiteral(offset)}, ${integerLiteral(offset + size)});`);
  }

  /** Writes the fixed part of an output; clears an output that is zero. */
  private emitFixedOutput(output: KernelOutput): void {
    const { fixed, sampled } = output;
    if (!fixed) {
      if (!sampled) this.clear(output);
      return;
    }
    if (directScatter(fixed)) {
      this.clear(output);
      this.emitStore(fixed, output, 'add');
    } else this.emitStore(fixed, output, 'set');
  }

  /** Adds the sample-dependent part: assigned for a batch of one without a fixed part, otherwise added (weighted in a batch). */
  private emitSampledStore(output: KernelOutput, batch: 'single' | 'batch'): void {
    const sampled = output.sampled as Node;
    if (batch === 'batch') return this.emitStore(sampled, output, 'add');
    if (output.fixed) return this.emitStore(sampled, output, 'add');
    if (directScatter(sampled)) {
      this.clear(output);
      return this.emitStore(sampled, output, 'add');
    }
    this.emitStore(sampled, output, 'set');
  }

  /** Stores `node` into the output's slice: `set` assigns, `add` adds (weighted by `w` in the batch loop). */
  private emitStore(node: Node, { offset }: KernelOutput, how: 'set' | 'add'): void {
    const weight = this.body === this.loopBody ? 'w * ' : '';
    const store = (j: string, value: string): string =>
      how === 'set' ? `out[${offsetIndex(offset, j)}] = ${value};` : `out[${offsetIndex(offset, j)}] += ${weight}${value};`;
    if (isScalar(node.shape)) {
      this.body.push(store('0', this.scalar(node)));
      return;
    }
    if (directScatter(node)) {
      // A gradient with respect to θ of a per-sample term is one entry or row: touch only that.
      const [g, i] = node.args;
      if (node.op === 'scatter') this.body.push(store(this.index(i), this.scalar(g)));
      else {
        const d = g.shape[0];
        this.loop(d, (k) => [store(`${this.index(i)} * ${integerLiteral(d)} + ${k}`, this.element(g, k))]);
      }
      return;
    }
    this.loop(sizeOf(node.shape), (j) => [store(j, this.element(node, j))]);
  }

  /** Expression for a scalar node (a local, a literal or an input read). */
  private scalar(node: Node): string {
    if (node.op === 'const') return numberLiteral(node.value as number);
    const name = this.names.get(node);
    if (!name && node.op === 'input') return this.inputElement(node, '0');
    if (!name) throw new Error(`scalar node ${node.op}#${node.id} used before it is computed`);
    return name;
  }

  /** Expression for an integer index node (the sample argument or a constant). */
  private index(node: Node): string {
    if (node.op === 'const') return integerLiteral(node.value as number);
    return 'i';
  }

  /** Expression for entry `j` (flat, row-major) of `node`. */
  private element(node: Node, j: string): string {
    if (isScalar(node.shape)) return this.scalar(node);
    const where = this.placement.get(node);
    if (where === 'stored') return `${this.names.get(node)}[${j}]`;
    if (where === 'fused') return this.compute(node, j);
    switch (node.op) {
      case 'input':
        return this.inputElement(node, j);
      case 'broadcast':
        return this.scalar(node.args[0]);
      case 'row':
        return this.element(node.args[0], `${this.names.get(node)} + ${j}`);
      default:
        throw new Error(`cannot read ${node.op} in place`);
    }
  }

  private inputElement(node: Node, j: string): string {
    const location = this.resolve(node);
    switch (location.kind) {
      case 'sample':
        return 'i';
      case 'buffer':
        return `${location.buffer}[${offsetIndex(location.offset, j)}]`;
      case 'data': {
        let k = this.dataIndex.get(location.values);
        if (k === undefined) {
          k = this.dataArrays.push(location.values) - 1;
          this.dataIndex.set(location.values, k);
          this.prelude.push(`const D${k} = data[${k}];`);
        }
        return `D${k}[${j}]`;
      }
    }
  }

  /** The elementwise formula of `node` at entry `j`, from its arguments' entries. */
  private compute(node: Node, j: string): string {
    const arg = (k: number): string => this.element(node.args[k], j);
    switch (node.op) {
      case 'add':
      case 'sub':
      case 'mul':
      case 'div':
        return `(${arg(0)} ${BINARY_SYMBOL[node.op]} ${arg(1)})`;
      case 'pow': {
        const exponent = node.args[1];
        if (exponent.op === 'const' && exponent.value === 2) return `sq(${arg(0)})`;
        return `Math.pow(${arg(0)}, ${arg(1)})`;
      }
      case 'neg':
        return `(-${arg(0)})`;
      case 'map':
        return `${this.functionName(node.fn as string)}(${arg(0)})`;
      default:
        throw new Error(`${node.op} is not elementwise`);
    }
  }

  private functionName(fn: string): string {
    let k = this.functionIndex.get(fn);
    if (k === undefined) {
      const impl = this.functions.get(fn);
      if (!impl) throw new Error(`unknown elementwise function ${fn}`);
      k = this.functionImpls.push(impl.evaluate) - 1;
      this.functionIndex.set(fn, k);
      this.prelude.push(`const f${k} = fns[${k}];`);
    }
    return `f${k}`;
  }
}

/** For an output that is a scatter, the node whose entries are written directly (its argument); otherwise undefined. */
function directScatter(node: Node): Node | undefined {
  return node.op === 'scatter' || node.op === 'scatterRow' ? node.args[0] : undefined;
}

/** `offset + j` as source, folded when either is zero. */
function offsetIndex(offset: number, j: string): string {
  if (offset === 0) return j;
  return j === '0' ? integerLiteral(offset) : `${integerLiteral(offset)} + ${j}`;
}
