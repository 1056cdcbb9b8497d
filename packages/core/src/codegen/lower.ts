/**
 * Lowers a kernel's outputs to loop IR, following the plan (`plan.ts`): sample-free nodes once,
 * then the sample-dependent part, written once here and instantiated twice, for a batch of one
 * (plain stores: the common SGD step) and inside the loop over a larger batch (weighted sums).
 * Each operator's own lowering is in its record (`OperatorRecord.lower`); this file does the
 * kernel-level work: the leaves (constants, inputs), storage, output stores, the batch, and
 * binding inputs, data arrays and functions by position.
 */
import type { ElementwiseFunction, FunctionTable } from '../ir/functions.ts';
import type { Node } from '../ir/node.ts';
import { isScalar, sizeOf } from '../ir/shape.ts';
import { sampleDependent } from '../ir/split.ts';
import type { KernelOutput } from './compile.ts';
import type { InputResolver } from './layout.ts';
import { binary, constant, fromIndex, indexAdd, indexConst, indexMul, indexOf, load, store, valueOf } from './loop-build.ts';
import type { LoopBuffer, LoopExpr, LoopIndex, LoopLocal, LoopKernel, LoopReduction, LoopScalarType, LoopStatement } from './loop-ir.ts';
import type { LoweringContext, OperatorLowering } from './lowering.ts';
import { planKernel, type Placement } from './plan.ts';

/**
 * Lowers `outputs` into one loop kernel; inputs are found by `resolve`, functions in `functions`.
 * @category Code generation
 */
export function lowerKernel(outputs: readonly KernelOutput[], resolve: InputResolver, functions: FunctionTable): LoopKernel {
  return new KernelLowering(outputs, resolve, functions).lower();
}

/** For an output that is a scatter, the node whose entries are written directly (its argument); otherwise undefined. */
function directScatter(node: Node): Node | undefined {
  return node.op === 'scatter' || node.op === 'scatterRow' ? node.args[0] : undefined;
}

/** The argument buffer an output is written to. */
function target(output: KernelOutput): LoopBuffer {
  return { kind: 'argument', name: output.into ?? 'out' };
}

/** Where a lowered node's value is: a scalar expression (a local), a buffer, or a prepared offset. */
type Binding =
  | { readonly kind: 'value'; readonly value: LoopExpr }
  | { readonly kind: 'buffer'; readonly buffer: LoopBuffer }
  | { readonly kind: 'prepared'; readonly offset: LoopIndex };

/** How the sampled part of an output reaches `out`. */
interface SampleStores {
  /** The current sample index. */
  readonly sample: LoopIndex;
  /** `1/count` inside the batch loop, `null` for a batch of one. */
  readonly weight: LoopExpr | null;
}

class KernelLowering implements LoweringContext {
  private readonly data: Float64Array[] = [];
  private readonly dataPositions = new Map<Float64Array, number>();
  private readonly functionList: ElementwiseFunction[] = [];
  private readonly functionPositions = new Map<string, number>();
  private readonly scratch: number[] = [];
  /** One scratch buffer per stored tensor, shared by the two instances of the per-sample part (they never both run). */
  private readonly scratchOf = new Map<Node, LoopBuffer>();
  private bindings = new Map<Node, Binding>();
  /** LoopStatement lists being written, innermost last. */
  private readonly blocks: LoopStatement[][] = [];
  private sample: LoopIndex | null = null;
  private locals = 0;
  private readonly order: readonly Node[];
  private readonly placement: ReadonlyMap<Node, Placement>;
  private readonly dependent: ReadonlySet<Node>;

  constructor(
    private readonly outputs: readonly KernelOutput[],
    private readonly resolve: InputResolver,
    private readonly functions: FunctionTable,
  ) {
    const roots = outputs.flatMap((o) => [o.fixed, o.sampled]).filter((n): n is Node => n !== null);
    const plan = planKernel(roots.map((n) => directScatter(n) ?? n));
    this.order = plan.order;
    this.placement = plan.placement;
    this.dependent = sampleDependent(roots);
  }

  lower(): LoopKernel {
    const body = this.block(() => {
      // Sample-free nodes are computed once, before any loop, even when only the loop uses them.
      for (const node of this.order) if (!this.dependent.has(node)) this.lowerNode(node);
      for (const output of this.outputs) this.storeFixed(output);
      const sampled = this.outputs.filter((o) => o.sampled !== null);
      if (sampled.length > 0) this.emitBatch(sampled);
    });
    return { data: this.data, functions: this.functionList, scratch: this.scratch, body };
  }

  /** `count === 1`: the per-sample part once with plain stores; otherwise a loop adding weighted contributions. */
  private emitBatch(sampled: readonly KernelOutput[]): void {
    const single = this.block(() => {
      this.perSample(sampled, { sample: this.letIndex({ op: 'batchEntry', at: indexConst(0) }), weight: null });
    });
    const batch = this.block(() => {
      const weight = this.let(binary('div', constant(1), fromIndex({ op: 'count' })));
      for (const output of sampled) if (!output.fixed && !output.accumulate) this.clear(output);
      this.loopOver({ op: 'count' }, (q) => this.perSample(sampled, { sample: this.letIndex({ op: 'batchEntry', at: q }), weight }));
    });
    this.emit({ kind: 'if', condition: { op: 'equal', left: { op: 'count' }, right: indexConst(1) }, then: single, otherwise: batch });
  }

  /** One instance of the sample-dependent part: its nodes, then its output stores. */
  private perSample(sampled: readonly KernelOutput[], stores: SampleStores): void {
    const fixed = this.bindings;
    this.bindings = new Map(fixed);
    this.sample = stores.sample;
    for (const node of this.order) if (this.dependent.has(node)) this.lowerNode(node);
    for (const output of sampled) this.storeSampled(output, stores.weight);
    this.bindings = fixed;
    this.sample = null;
  }

  private lowerNode(node: Node): void {
    const lowering = loweringOf(node);
    if (this.placement.get(node) !== 'stored') {
      if (lowering.prepare) this.bindings.set(node, { kind: 'prepared', offset: lowering.prepare(this, node) });
      return;
    }
    if (isScalar(node.shape)) {
      const value = lowering.scalar ? lowering.scalar(this, node) : this.let(entryOf(lowering, this, node, indexConst(0)));
      this.bindings.set(node, { kind: 'value', value });
      return;
    }
    const target = this.scratchFor(node);
    if (lowering.tensor) lowering.tensor(this, node, target);
    else this.loop(sizeOf(node.shape), (j) => this.emit(store(target, j, entryOf(lowering, this, node, j))));
    this.bindings.set(node, { kind: 'buffer', buffer: target });
  }

  private scratchFor(node: Node): LoopBuffer {
    let buffer = this.scratchOf.get(node);
    if (!buffer) {
      buffer = { kind: 'scratch', index: this.scratch.push(sizeOf(node.shape)) - 1 };
      this.scratchOf.set(node, buffer);
    }
    return buffer;
  }

  /** Writes the fixed part of an output (adds it, for an accumulating output); clears an output that is zero. */
  private storeFixed(output: KernelOutput): void {
    const { fixed, sampled } = output;
    if (!fixed) {
      if (!sampled && !output.accumulate) this.clear(output);
      return;
    }
    if (output.accumulate) this.storeOutput(fixed, output, true, null);
    else if (directScatter(fixed)) {
      this.clear(output);
      this.storeOutput(fixed, output, true, null);
    } else this.storeOutput(fixed, output, false, null);
  }

  /** Adds the sample-dependent part: assigned for a batch of one without a fixed part, otherwise added (weighted in a batch). */
  private storeSampled(output: KernelOutput, weight: LoopExpr | null): void {
    const sampled = output.sampled as Node;
    if (weight || output.fixed || output.accumulate) return this.storeOutput(sampled, output, true, weight);
    if (directScatter(sampled)) {
      this.clear(output);
      return this.storeOutput(sampled, output, true, null);
    }
    this.storeOutput(sampled, output, false, null);
  }

  /** Stores `node` into the output's slice of its buffer, assigned or added (times `weight` when given). */
  private storeOutput(node: Node, output: KernelOutput, accumulate: boolean, weight: LoopExpr | null): void {
    const buffer = target(output);
    const put = (j: LoopIndex, value: LoopExpr): void =>
      this.emit(store(buffer, indexAdd(indexConst(output.offset), j), weight ? binary('mul', weight, value) : value, accumulate));
    if (isScalar(node.shape)) return put(indexConst(0), this.scalar(node));
    const [g, i] = node.args;
    // A gradient with respect to θ of a per-sample term is one entry or row: touch only that.
    if (node.op === 'scatter') return put(this.index(i), this.scalar(g));
    if (node.op === 'scatterRow') {
      const d = g.shape[0];
      return this.loop(d, (k) => put(indexAdd(indexMul(this.index(i), indexConst(d)), k), this.element(g, k)));
    }
    this.loop(sizeOf(node.shape), (j) => put(j, this.element(node, j)));
  }

  private clear(output: KernelOutput): void {
    const { size, offset } = output;
    if (size > 0) this.emit({ kind: 'zero', buffer: target(output), start: offset, end: offset + size });
  }

  // --- LoweringContext ---

  element(node: Node, at: LoopIndex): LoopExpr {
    if (isScalar(node.shape)) return this.scalar(node);
    const bound = this.bindings.get(node);
    if (bound?.kind === 'buffer') return load(bound.buffer, at);
    return entryOf(loweringOf(node), this, this.unstored(node), at);
  }

  scalar(node: Node): LoopExpr {
    const bound = this.bindings.get(node);
    if (bound?.kind === 'value') return bound.value;
    return entryOf(loweringOf(node), this, this.unstored(node), indexConst(0));
  }

  index(node: Node): LoopIndex {
    if (node.op === 'const') return indexConst(node.value as number);
    if (!this.sample) throw new Error(`index ${node.op}#${node.id} read outside the per-sample part`);
    return this.sample;
  }

  input(node: Node, at: LoopIndex): LoopExpr {
    const location = this.resolve(node);
    switch (location.kind) {
      case 'sample':
        return fromIndex(this.index(node));
      case 'buffer':
        return load({ kind: 'argument', name: location.buffer }, indexAdd(indexConst(location.offset), at));
      case 'data': {
        let k = this.dataPositions.get(location.values);
        if (k === undefined) {
          k = this.data.push(location.values) - 1;
          this.dataPositions.set(location.values, k);
        }
        return load({ kind: 'data', index: k }, at);
      }
    }
  }

  functionIndex(name: string): number {
    let k = this.functionPositions.get(name);
    if (k === undefined) {
      const impl = this.functions.get(name);
      if (!impl) throw new Error(`unknown elementwise function ${name}`);
      k = this.functionList.push(impl) - 1;
      this.functionPositions.set(name, k);
    }
    return k;
  }

  prepared(node: Node): LoopIndex {
    const bound = this.bindings.get(node);
    if (bound?.kind !== 'prepared') throw new Error(`${node.op}#${node.id} read before it is prepared`);
    return bound.offset;
  }

  emit(statement: LoopStatement): void {
    this.blocks[this.blocks.length - 1].push(statement);
  }

  loop(extent: number, body: (j: LoopIndex) => void): void {
    this.loopOver(indexConst(extent), body);
  }

  reduce(reduction: LoopReduction, extent: number, element: (j: LoopIndex) => LoopExpr): LoopExpr {
    const index = this.newLocal('i32');
    let value: LoopExpr = constant(0);
    const stray = this.block(() => (value = element(indexOf(index))));
    if (stray.length > 0) throw new Error('the element of a reduction emitted statements');
    const target = this.newLocal('f64');
    this.emit({ kind: 'reduce', reduction, target, index, extent: indexConst(extent), element: value });
    return valueOf(target);
  }

  let(value: LoopExpr): LoopExpr {
    const local = this.newLocal('f64');
    this.emit({ kind: 'let', local, value });
    return valueOf(local);
  }

  letIndex(value: LoopIndex): LoopIndex {
    if (value.op === 'const' || value.op === 'local') return value;
    const local = this.newLocal('i32');
    this.emit({ kind: 'letIndex', local, value });
    return indexOf(local);
  }

  // --- helpers ---

  private loopOver(extent: LoopIndex, body: (j: LoopIndex) => void): void {
    const index = this.newLocal('i32');
    const inner = this.block(() => body(indexOf(index)));
    this.emit({ kind: 'loop', index, extent, body: inner });
  }

  /** The statements `write` emits, collected apart. */
  private block(write: () => void): LoopStatement[] {
    const statements: LoopStatement[] = [];
    this.blocks.push(statements);
    write();
    this.blocks.pop();
    return statements;
  }

  private newLocal<T extends LoopScalarType>(type: T): LoopLocal<T> {
    return { id: this.locals++, type };
  }

  /** `node`, checked not to be a stored node read before the statements computing it. */
  private unstored(node: Node): Node {
    if (this.placement.get(node) === 'stored') throw new Error(`${node.op}#${node.id} used before it is computed`);
    return node;
  }
}

/** The leaves: a constant is its number, an input is read where the resolver puts it. */
const CONSTANT_LOWERING: OperatorLowering = { element: (_ctx, node) => constant(node.value as number) };
const INPUT_LOWERING: OperatorLowering = { element: (ctx, node, at) => ctx.input(node, at) };

/** The lowering of `node`'s operator, from its record: the one place that looks lowerings up. */
function loweringOf(node: Node): OperatorLowering {
  if (node.op === 'const') return CONSTANT_LOWERING;
  if (node.op === 'input') return INPUT_LOWERING;
  const lowering = node.record?.lower;
  if (!lowering) throw new Error(`the operator '${node.op}' has no lowering to loop IR (OperatorRecord.lower)`);
  return lowering;
}

/** Entry `at` of `node` by its operator's `element` hook. */
function entryOf(lowering: OperatorLowering, ctx: LoweringContext, node: Node, at: LoopIndex): LoopExpr {
  if (!lowering.element) throw new Error(`${node.op} cannot be read entry by entry`);
  return lowering.element(ctx, node, at);
}
