/** Rules of broadcasting and reductions: `broadcast`, `sum`, `logsumexp`. */
import type { Node, RuleSet } from '@sgdiff/core';

/** The reduction family. */
export const reductionRules: RuleSet = {
  family: 'reductions',
  rules: {
    broadcast: {
      jvp: (b, n, [t]) => b.broadcast(t as Node, n.shape),
      vjp: (b, _n, g) => [b.sum(g)],
    },
    sum: {
      jvp: (b, _n, [t]) => b.sum(t as Node),
      vjp: (b, n, g) => [b.broadcast(g, n.args[0].shape)],
    },
    logsumexp: {
      // ∂ logsumexp(a) = softmax(a) = exp(a − logsumexp(a)).
      jvp: (b, n, [t]) => b.dot(b.map('exp', b.sub(n.args[0], n)), t as Node),
      vjp: (b, n, g) => [b.mul(g, b.map('exp', b.sub(n.args[0], n)))],
    },
  },
};
