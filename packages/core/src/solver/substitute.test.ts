import { describe, expect, it } from 'vitest';
import { IRBuilder } from '../ir/builder.ts';
import type { ElementwiseFunction } from '../ir/functions.ts';
import { builtinOperatorTable } from '../ir/operators/builtin.ts';
import { substituteInputs } from './substitute.ts';

const exp: ElementwiseFunction = { name: 'exp', doc: 'e^z.', evaluate: Math.exp, derivative: (_b, _z, y) => y };

describe('substituteInputs', () => {
  it('rebuilds any registered operator with its attributes (axis reductions, expand, matmul, map)', () => {
    const b = new IRBuilder(builtinOperatorTable(new Map([['exp', exp]])));
    const x = b.input({ kind: 'var', name: 'x' }, [3]);
    const M = b.input({ kind: 'data', name: 'M' }, [3, 2]);
    const build = (v: typeof x) => {
      const shifted = b.sub(M, b.expand(v, 1, 2));
      return b.add(b.sum(b.logsumexp(shifted, 0)), b.sum(b.map('exp', b.matmul(b.transpose(M), b.outer(v, v)))));
    };
    const y = b.mul(b.const(2), x);
    const [substituted] = substituteInputs(b, [build(x)], new Map([[x, y]]));
    // Hash-consing: the substituted graph is the very node built directly at y.
    expect(substituted).toBe(build(y));
  });

  it('returns nodes that read no replaced input unchanged', () => {
    const b = new IRBuilder(builtinOperatorTable(new Map()));
    const x = b.input({ kind: 'var', name: 'x' }, [2]);
    const t = b.input({ kind: 'param', name: 't' }, [2]);
    const node = b.sum(b.mul(t, t));
    expect(substituteInputs(b, [node], new Map([[x, t]]))[0]).toBe(node);
  });
});
