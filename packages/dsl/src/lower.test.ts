import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isConst, topologicalOrder, type Node } from '@sgdiff/core';
import { compileSgd, type SgdCompileResult } from './index.ts';
import { TEST_ENVIRONMENT, brief } from './test-support.ts';

const EXAMPLE = readFileSync(new URL('../../../examples/least-squares.sgd', import.meta.url), 'utf8');


function compile(source: string): NonNullable<SgdCompileResult['problem']> {
  const result = compileSgd(source, 'test.sgd', TEST_ENVIRONMENT);
  expect(result.diagnostics.map(brief)).toEqual([]);
  return result.problem!;
}

/** A compact prefix rendering of an IR node, to assert the structure of lowered expressions. */
function show(n: Node): string {
  if (n.op === 'const') return String(n.value);
  if (n.op === 'input') return `${n.input?.kind}:${n.input?.name}`;
  const label = n.op === 'map' ? `map:${n.fn}` : n.op;
  return `${label}(${n.args.map(show).join(', ')})`;
}

describe('lowering', () => {
  it('lowers the least-squares example to a problem', () => {
    const problem = compile(EXAMPLE);
    expect(problem.dims).toEqual([
      { name: 'n', value: 100 },
      { name: 'd', value: 50 },
    ]);
    expect(problem.tensors.map((t) => [t.kind, t.name, t.shape, t.init])).toEqual([
      ['data', 'A', [100, 50], { kind: 'normal', mean: 0, sd: 1 }],
      ['param', 'theta', [100], { kind: 'normal', mean: 0, sd: 1 }],
      ['var', 'x', [50], { kind: 'constant', value: 0 }],
    ]);
    expect(problem.tensors.map((t) => show(t.node))).toEqual(['data:A', 'param:theta', 'var:x']);
    expect(problem.sample).toMatchObject({ name: 'i', size: 100, batch: 1 });
    expect(show(problem.sample!.node)).toBe('sample:i');
    expect(problem.objectiveName).toBe('f');
    expect(show(problem.objective)).toBe('mul(0.5, pow(sub(sum(mul(var:x, row(data:A, sample:i))), entry(param:theta, sample:i)), 2))');
    expect(problem.solve?.solver).toBe('sgd');
    expect(problem.solve?.options).toEqual({ iterations: 100000, step: '1 / (mu * (k + 8 * kappa^2))', track: 'forward' });
    // The step expression is IR over `hyper` inputs k, mu, kappa (the solver's variables).
    const hypers = topologicalOrder([problem.solve!.expressions.step]).filter((n) => n.op === 'input').map((n) => `${n.input?.kind}:${n.input?.name}`);
    expect(hypers.sort()).toEqual(['hyper:k', 'hyper:kappa', 'hyper:mu']);
    expect(problem.report).toEqual({ logPoints: 200, metrics: ['suboptimality', 'distance', 'jacobian_error'] });
  });

  it('fills solve defaults from the option specs and leaves out absent blocks', () => {
    const problem = compile('var x : R = 1\nminimize f(x) = x^2\nsolve gd { iterations = 2 * 5 }');
    expect(problem.solve?.options).toEqual({ iterations: 10, step: '1/L', track: 'none' });
    // A default expression is parsed from the plugin's text and lowered like a written one.
    const step = problem.solve!.expressions.step;
    expect(step.op).toBe('div');
    expect(step.args[1].input).toEqual({ kind: 'hyper', name: 'L' });
    expect(problem.report).toBeUndefined();
    expect(problem.sample).toBeUndefined();
  });

  it('uses 200 report points when every log is not given', () => {
    expect(compile('var x : R = 1\nminimize f(x) = x^2\nreport { step }').report).toEqual({ logPoints: 200, metrics: ['step'] });
  });

  it('lowers matrix products, reductions, functions, constants and constant indices', () => {
    const source = [
      'dim n = 3',
      'dim d = 2',
      'const c = 2 * n',
      'data A : R[n, d] ~ uniform(-1, 1)',
      'var x : R[d] = 0',
      'var w : R[n] = 0',
      'minimize f(x, w) = logsumexp(A @ x) + norm2(w @ A) + sum(exp(x)) + tanh(w[n - 1]) - c * -A[0][1]',
    ].join('\n');
    const problem = compile(source);
    expect(problem.consts).toEqual([{ name: 'c', value: 6 }]);
    const text = show(problem.objective);
    expect(text).toContain('logsumexp(matvec(data:A, var:x))');
    expect(text).toContain('sum(mul(vecmat(var:w, data:A), vecmat(var:w, data:A)))');
    expect(text).toContain('sum(map:exp(var:x))');
    expect(text).toContain('map:tanh(entry(var:w, 2))');
    expect(text).toContain('entry(row(data:A, 0), 1)');
  });

  it('folds constant subexpressions of the objective through the builder', () => {
    const problem = compile('dim n = 4\nvar x : R = 0\nminimize f(x) = x * (n / 2) + exp(0)');
    expect(show(problem.objective)).toBe('add(1, mul(2, var:x))');
    expect(isConst(problem.objective.args[0], 1)).toBe(true);
  });

  it('returns no problem, only diagnostics, for a file with errors', () => {
    const result = compileSgd('var x : R = 0\nminimize f(x) = y', 'bad.sgd', TEST_ENVIRONMENT);
    expect(result.problem).toBeUndefined();
    expect(result.diagnostics.map(brief)).toEqual(["2:17 unknown-name: unknown name 'y'"]);
  });
});
