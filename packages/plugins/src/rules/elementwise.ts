/** The rule of `map`: any registered elementwise function, through the derivative it supplies. */
import type { IRBuilder, Node, RuleSet } from '@sgdiff/core';

function derivativeAt(b: IRBuilder, n: Node): Node {
  const fn = b.functions.get(n.fn as string);
  if (!fn) throw new Error(`unknown elementwise function ${n.fn}`);
  return fn.derivative(b, n.args[0], n);
}

/** The elementwise-function family. */
export const elementwiseRules: RuleSet = {
  family: 'elementwise',
  rules: {
    map: {
      jvp: (b, n, [t]) => b.mul(t as Node, derivativeAt(b, n)),
      vjp: (b, n, g) => [b.mul(g, derivativeAt(b, n))],
    },
  },
};
