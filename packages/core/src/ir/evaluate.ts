/**
 * Evaluates IR directly with the operators' own `evaluate`, one node at a time over plain
 * arrays: no code generation, so it serves as a reference for compiled kernels and for checks
 * that run before any kernel exists. It allocates per node; kernels are the fast path.
 */
import { inputKey, topologicalOrder, type Node } from './node.ts';
import type { OperatorTable, Tensor } from './operator.ts';

/**
 * Values of the inputs a graph reads: by `inputKey` (`var:x`), and the sample index.
 * @category IR
 */
export interface EvaluationInputs {
  /** Row-major values of every input the graph reads, by `inputKey`. */
  readonly values: ReadonlyMap<string, Float64Array>;
  /** The sample index, for graphs that read a sample. */
  readonly sample?: number;
}

/**
 * Every node of `roots`' DAG, evaluated (shared subexpressions once); the roots' values are `get(root)`.
 * @category IR
 */
export function evaluateGraph(roots: readonly Node[], inputs: EvaluationInputs, operators: OperatorTable): Map<Node, Tensor> {
  const values = new Map<Node, Tensor>();
  for (const node of topologicalOrder(roots)) values.set(node, { shape: node.shape, data: evaluateNode(node, values, inputs, operators) });
  return values;
}

function evaluateNode(node: Node, values: ReadonlyMap<Node, Tensor>, inputs: EvaluationInputs, operators: OperatorTable): Float64Array {
  if (node.op === 'const') return Float64Array.of(node.value as number);
  if (node.op === 'input') {
    const ref = node.input as NonNullable<Node['input']>;
    if (ref.kind === 'sample') {
      if (inputs.sample === undefined) throw new Error(`no sample index given for ${inputKey(ref)}`);
      return Float64Array.of(inputs.sample);
    }
    const data = inputs.values.get(inputKey(ref));
    if (!data) throw new Error(`no value given for input ${inputKey(ref)}`);
    return data;
  }
  const args = node.args.map((a) => values.get(a) as Tensor);
  return operators.get(node.op).evaluate(args, { fn: node.fn, size: node.size, axis: node.axis }, node.shape, operators.functions);
}
