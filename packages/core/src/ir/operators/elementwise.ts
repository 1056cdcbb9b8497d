/**
 * `map`: a registered elementwise function applied entrywise. Functions are data (an
 * `ElementwiseFunction` supplies its value and f'(z) as IR), so one operator serves them all
 * and a plugin adds a function without touching any operator.
 */
import { call } from '../../codegen/loop-build.ts';
import type { IRBuilder } from '../builder.ts';
import type { Node } from '../node.ts';
import type { OperatorRecord } from '../operator.ts';

function derivativeAt(b: IRBuilder, n: Node): Node {
  const fn = b.functions.get(n.fn as string);
  if (!fn) throw new Error(`unknown elementwise function ${n.fn}`);
  return fn.derivative(b, n.args[0], n);
}

/**
 * `fn(a)` entrywise, for the registered function named by the `fn` attribute.
 * @category IR
 */
export const mapOperator: OperatorRecord = {
  name: 'map',
  doc: 'A registered elementwise function applied to every entry (attribute fn).',
  arity: 1,
  attributes: ['fn'],
  shape: ([a]) => a,
  evaluate([a], attrs, _shape, functions) {
    const fn = functions.get(attrs.fn as string);
    if (!fn) throw new Error(`unknown elementwise function ${attrs.fn}`);
    return a.data.map((z) => fn.evaluate(z));
  },
  simplify(b, [a], attrs) {
    if (a.op === 'broadcast') return b.broadcast(b.map(attrs.fn as string, a.args[0]), a.shape);
    return undefined;
  },
  jvp: (b, n, [t]) => b.mul(t as Node, derivativeAt(b, n)),
  vjp: (b, n, g) => [b.mul(g, derivativeAt(b, n))],
  print(node, ctx) {
    const arg = ctx.args[0].text;
    if (ctx.format === 'text') return { text: `${node.fn}(${arg})`, level: 5 };
    return { text: ctx.functionLatex(node.fn as string, arg) ?? `\\operatorname{${node.fn}}\\left(${arg}\\right)`, level: 5 };
  },
  lower: { fusable: true, element: (ctx, node, at) => call(ctx.functionIndex(node.fn as string), ctx.element(node.args[0], at)) },
};
