/** Rules of the linear-algebra operators `matvec` (A v), `vecmat` (Aᵀ w) and `outer` (a bᵀ). */
import type { RuleSet } from '@sgdiff/core';
import { addOpt } from './shapes.ts';

/** The linear-algebra family; it is closed under differentiation (each rule uses only these three). */
export const linalgRules: RuleSet = {
  family: 'linalg',
  rules: {
    matvec: {
      jvp: (b, n, [tA, tv]) => {
        const [A, v] = n.args;
        return addOpt(b, tA && b.matvec(tA, v), tv && b.matvec(A, tv));
      },
      vjp: (b, n, g) => {
        const [A, v] = n.args;
        return [b.outer(g, v), b.vecmat(g, A)];
      },
    },
    vecmat: {
      jvp: (b, n, [tw, tA]) => {
        const [w, A] = n.args;
        return addOpt(b, tw && b.vecmat(tw, A), tA && b.vecmat(w, tA));
      },
      vjp: (b, n, g) => {
        const [w, A] = n.args;
        return [b.matvec(A, g), b.outer(w, g)];
      },
    },
    outer: {
      jvp: (b, n, [ta, tc]) => {
        const [a, c] = n.args;
        return addOpt(b, ta && b.outer(ta, c), tc && b.outer(a, tc));
      },
      vjp: (b, n, g) => {
        const [a, c] = n.args;
        return [b.matvec(g, c), b.vecmat(a, g)];
      },
    },
  },
};
