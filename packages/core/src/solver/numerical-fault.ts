/**
 * Names the cause of a NaN or infinity: evaluates the objective's IR graph (or its gradient's, or
 * a Hessian–vector product's) node by node at the offending point and finds the first node whose
 * value is not finite although its arguments are (the log of a non-positive value, the square
 * root of a negative one, a division by zero, an overflowing exp, ...). Only used once something
 * went wrong, so it interprets the graph (evaluate.ts) rather than compiling it.
 */
import type { ProblemKernels } from '../derive/kernels.ts';
import { evaluateGraph } from '../ir/evaluate.ts';
import { inputKey, topologicalOrder, type Node } from '../ir/node.ts';
import type { Tensor } from '../ir/operator.ts';
import { printFormulas } from '../ir/printer.ts';
import type { Layout } from '../problem/layout.ts';

/**
 * The quantities a numerical fault can be found in.
 * @category Solvers and tracking
 */
export type FaultQuantity = 'objective' | 'gradient' | 'Hessian' | 'iterate';

/**
 * The first IR node whose value went non-finite from finite arguments.
 * @category Solvers and tracking
 */
export interface NonFiniteCause {
  /** The node's expression, printed as `sgd derive` prints (cut to {@link EXPRESSION_WIDTH} characters). */
  readonly expression: string;
  /** What happened, e.g. `log of a non-positive value (log(-5))`. */
  readonly cause: string;
  /** The sample outcome it happened at, when the graph reads one. */
  readonly outcome?: number;
}

/**
 * Longest expression quoted in a cause.
 * @category Solvers and tracking
 */
export const EXPRESSION_WIDTH = 80;

/** Outcomes of the sample tried at most when looking for the cause (the interpreter allocates per node). */
const MAX_OUTCOMES_SEARCHED = 10_000;

/**
 * The cause of a non-finite `quantity` at (x, θ): for the Hessian, `direction` is the unit
 * vector (or any vector) along which ∇²ₓₓF·v was not finite. `undefined` when every node is
 * finite at every outcome tried (the non-finite value came from averaging, e.g. an overflowing sum).
  * @category Solvers and tracking
 */
export function nonFiniteCause(kernels: ProblemKernels, quantity: Exclude<FaultQuantity, 'iterate'>, x: Float64Array, theta: Float64Array, direction?: Float64Array): NonFiniteCause | undefined {
  const { graphs, instance } = kernels;
  const roots = (quantity === 'objective' ? [graphs.value] : quantity === 'gradient' ? graphs.gradX : graphs.hvp).filter((n): n is Node => n !== null);
  if (roots.length === 0) return undefined;
  const order = topologicalOrder(roots);
  const values = new Map<string, Float64Array>();
  let sampled = false;
  for (const node of order) {
    if (node.op !== 'input' || !node.input) continue;
    const { kind, name } = node.input;
    if (kind === 'sample') sampled = true;
    else if (kind === 'var') values.set(inputKey(node.input), slice(x, graphs.vars, name));
    else if (kind === 'param') values.set(inputKey(node.input), slice(theta, graphs.params, name));
    else if (kind === 'tangent' && direction) values.set(inputKey(node.input), slice(direction, graphs.vars, name.slice(name.indexOf(':') + 1)));
    else if (kind === 'data') {
      const data = instance.values.get(name);
      if (data) values.set(inputKey(node.input), data);
    }
  }
  const operators = kernels.problem.builder.operators;
  const outcomes = sampled ? Math.min(kernels.outcomes, MAX_OUTCOMES_SEARCHED) : 1;
  for (let i = 0; i < outcomes; i++) {
    const evaluated = evaluateGraph(roots, { values, sample: i }, operators);
    for (const node of order) {
      const value = evaluated.get(node) as Tensor;
      const at = value.data.findIndex((v) => !Number.isFinite(v));
      if (at < 0 || node.op === 'input') continue;
      if (node.op === 'const') {
        // Lowering folds constant parts: (θ − θ)/(θ − θ) is already the constant 0/0 = NaN.
        const user = order.find((n) => n.args.includes(node)) ?? node;
        return { expression: printed(user, kernels), cause: `a constant part of the expression is ${node.value} (such as 0/0, folded before the run)` };
      }
      const args = node.args.map((a) => (evaluated.get(a) as Tensor).data);
      if (args.some((a) => a.some((v) => !Number.isFinite(v)))) continue;
      return { expression: printed(node, kernels), cause: describe(node, args.map((a) => (a.length === 1 ? a[0] : a[at])), value.data[at]), ...(sampled ? { outcome: i } : {}) };
    }
  }
  return undefined;
}

/** What went wrong at `node`, from the arguments' entries where its value is first non-finite. */
function describe(node: Node, args: readonly number[], value: number): string {
  const g = (v: number): string => v.toPrecision(4);
  const [a, b] = args;
  if (node.op === 'map') {
    const fn = node.fn ?? '?';
    if (fn === 'log' && a <= 0) return `log of a non-positive value (log(${g(a)}))`;
    if (fn === 'sqrt' && a < 0) return `sqrt of a negative value (sqrt(${g(a)}))`;
    if (fn === 'exp') return `overflow of exp (exp(${g(a)}))`;
    return `${fn}(${g(a)}) = ${value}`;
  }
  if (node.op === 'div' && b === 0) return `division by zero (${g(a)} / 0)`;
  if (node.op === 'pow') return `power not finite (${g(a)} ^ ${g(b)} = ${value})`;
  if (Number.isNaN(value)) return `${node.op} of finite values gave NaN`;
  return `overflow in ${node.op} (${value})`;
}

function printed(node: Node, kernels: ProblemKernels): string {
  const { shared, formulas } = printFormulas([{ label: '', node }], 'text', kernels.problem.builder.operators);
  const text = shared.length === 0 ? formulas[0].text : `${formulas[0].text} where ${shared.map((s) => `${s.name} = ${s.text}`).join(', ')}`;
  return text.length <= EXPRESSION_WIDTH ? text : `${text.slice(0, EXPRESSION_WIDTH - 1)}…`;
}

function slice(flat: Float64Array, layout: Layout, name: string): Float64Array {
  const entry = layout.entries.find((e) => e.name === name);
  return entry ? flat.subarray(entry.offset, entry.offset + entry.size) : new Float64Array(0);
}

/**
 * A non-finite quantity at the start point x₀, with its cause when found.
 * @category Solvers and tracking
 */
export interface StartPointFault {
  /** The quantity. */
  readonly quantity: Exclude<FaultQuantity, 'iterate'>;
  /** Its first non-finite value. */
  readonly value: number;
  /** The cause, when the graph shows one. */
  readonly cause?: NonFiniteCause;
}

/**
 * Whether F or ∇ₓF is non-finite at (x₀, θ): the first such quantity, in that order, with its cause. Checked before any reference or run.
 * @category Solvers and tracking
 */
export function startPointFault(kernels: ProblemKernels, x0: Float64Array, theta: Float64Array): StartPointFault | undefined {
  const objective = kernels.objective(x0, theta);
  if (!Number.isFinite(objective)) return { quantity: 'objective', value: objective, cause: nonFiniteCause(kernels, 'objective', x0, theta) };
  const gradient = new Float64Array(kernels.dimension);
  kernels.full('gradX', x0, theta, new Float64Array(0), gradient);
  const bad = gradient.find((v) => !Number.isFinite(v));
  if (bad !== undefined) return { quantity: 'gradient', value: bad, cause: nonFiniteCause(kernels, 'gradient', x0, theta) };
  return undefined;
}

/**
 * The first non-finite entry of ∇²ₓₓF at (x, θ), column by column (up to D Hessian–vector
 * products: called once μ or L came out non-finite), with its cause.
  * @category Solvers and tracking
 */
export function hessianFault(kernels: ProblemKernels, x: Float64Array, theta: Float64Array): StartPointFault | undefined {
  const D = kernels.dimension;
  const direction = new Float64Array(D);
  const column = new Float64Array(D);
  for (let j = 0; j < D; j++) {
    direction.fill(0);
    direction[j] = 1;
    kernels.full('hvp', x, theta, direction, column);
    const value = column.find((v) => !Number.isFinite(v));
    if (value !== undefined) return { quantity: 'Hessian', value, cause: nonFiniteCause(kernels, 'Hessian', x, theta, direction) };
  }
  return undefined;
}

/**
 * `the objective is NaN: log of a non-positive value (log(-5)) in log(x - 5)`: a fault in one line.
 * @category Solvers and tracking
 */
export function describeFault(quantity: FaultQuantity, value: number, cause?: NonFiniteCause): string {
  const what = `the ${quantity} is ${Number.isNaN(value) ? 'NaN' : value > 0 ? '+Infinity' : '-Infinity'}`;
  if (!cause) return what;
  return `${what}: ${cause.cause} in ${cause.expression}${cause.outcome !== undefined ? ` (sample outcome ${cause.outcome})` : ''}`;
}
