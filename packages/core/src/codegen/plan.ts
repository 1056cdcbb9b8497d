/**
 * Decides, for every node of a kernel, whether it is evaluated inline inside its consumer's
 * loop (fusion) or stored: scalars in locals, tensors in preallocated buffers. Fusing a
 * single-use elementwise chain into the loop that consumes it is what lets a generated
 * gradient run as fast as a hand-written loop.
 */
import { topologicalOrder, type Node } from '../ir/node.ts';
import { isScalar } from '../ir/shape.ts';

/**
 * How one node is evaluated.
 * @category Code generation
 */
export type Placement =
  /** Read in place: constants, inputs, broadcasts and rows are expressions, never stored. */
  | 'access'
  /** Computed inside its only consumer's loop. */
  | 'fused'
  /** Computed once into a local (scalars) or a buffer (tensors). */
  | 'stored';

/**
 * The evaluation plan of one kernel.
 * @category Code generation
 */
export interface KernelPlan {
  /** Every node needed, each after its arguments. */
  readonly order: readonly Node[];
  /** How each node of `order` is evaluated. */
  readonly placement: ReadonlyMap<Node, Placement>;
}

/**
 * Plans the evaluation of `roots` (each root is consumed once more, by the kernel's output store).
 * @category Code generation
 */
export function planKernel(roots: readonly Node[]): KernelPlan {
  const order = topologicalOrder(roots);
  const uses = new Map<Node, number>();
  const randomAccess = new Set<Node>();
  const bump = (n: Node): void => void uses.set(n, (uses.get(n) ?? 0) + 1);
  for (const node of order) {
    for (const arg of node.args) {
      bump(arg);
      if (node.record?.lower?.readsAtRandom) randomAccess.add(arg);
    }
  }
  roots.forEach(bump);
  const placement = new Map<Node, Placement>();
  for (const node of order) placement.set(node, place(node, uses.get(node) ?? 0, randomAccess.has(node)));
  return { order, placement };
}

function place(node: Node, uses: number, readAtRandom: boolean): Placement {
  // A scalar input (a step size, a scalar param) is read once into a local: read in place inside
  // a loop, V8 would reload it at every entry, since the output buffer might alias its array.
  if (node.op === 'input' && isScalar(node.shape) && node.input?.kind !== 'sample') return 'stored';
  if (node.op === 'const' || node.op === 'input' || node.record?.lower?.inPlace) return 'access';
  if (isScalar(node.shape)) return 'stored';
  if (node.record?.lower?.fusable && uses === 1 && !readAtRandom) return 'fused';
  return 'stored';
}
