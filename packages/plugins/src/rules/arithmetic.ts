/** Rules of the elementwise arithmetic operators `+ - * / ^` and negation, with scalar broadcasting. */
import type { Node, RuleSet } from '@sgdiff/core';
import { addOpt, fit, unbroadcast } from './shapes.ts';

/** The arithmetic family. */
export const arithmeticRules: RuleSet = {
  family: 'arithmetic',
  rules: {
    add: {
      jvp: (b, n, [ta, tc]) => fit(b, addOpt(b, ta, tc) as Node, n.shape),
      vjp: (b, n, g) => [unbroadcast(b, g, n.args[0].shape), unbroadcast(b, g, n.args[1].shape)],
    },
    sub: {
      jvp: (b, n, [ta, tc]) => fit(b, ta && tc ? b.sub(ta, tc) : ta ?? b.neg(tc as Node), n.shape),
      vjp: (b, n, g) => [unbroadcast(b, g, n.args[0].shape), unbroadcast(b, b.neg(g), n.args[1].shape)],
    },
    mul: {
      jvp: (b, n, [ta, tc]) => {
        const [a, c] = n.args;
        return fit(b, addOpt(b, ta && b.mul(ta, c), tc && b.mul(a, tc)) as Node, n.shape);
      },
      vjp: (b, n, g) => {
        const [a, c] = n.args;
        return [unbroadcast(b, b.mul(g, c), a.shape), unbroadcast(b, b.mul(g, a), c.shape)];
      },
    },
    div: {
      // y = a / c:  dy = (da − y dc) / c
      jvp: (b, n, [ta, tc]) => {
        const c = n.args[1];
        const numerator = ta && tc ? b.sub(ta, b.mul(n, tc)) : ta ?? b.neg(b.mul(n, tc as Node));
        return fit(b, b.div(numerator, c), n.shape);
      },
      vjp: (b, n, g) => {
        const [a, c] = n.args;
        const ga = b.div(g, c);
        return [unbroadcast(b, ga, a.shape), unbroadcast(b, b.neg(b.mul(ga, n)), c.shape)];
      },
    },
    pow: {
      // y = a^c:  dy = c a^(c−1) da + log(a) y dc
      jvp: (b, n, [ta, tc]) => {
        const [a, c] = n.args;
        const viaBase = ta && b.mul(b.mul(c, b.pow(a, b.sub(c, b.const(1)))), ta);
        const viaExponent = tc && b.mul(b.mul(b.map('log', a), n), tc);
        return fit(b, addOpt(b, viaBase, viaExponent) as Node, n.shape);
      },
      vjp: (b, n, g) => {
        const [a, c] = n.args;
        const ga = b.mul(g, b.mul(c, b.pow(a, b.sub(c, b.const(1)))));
        // The exponent is usually a constant: build log(a) only when it can matter.
        const gc = c.op === 'const' ? null : unbroadcast(b, b.mul(g, b.mul(b.map('log', a), n)), c.shape);
        return [unbroadcast(b, ga, a.shape), gc];
      },
    },
    neg: {
      jvp: (b, _n, [t]) => b.neg(t as Node),
      vjp: (b, _n, g) => [b.neg(g)],
    },
  },
};
