import { describe, expect, it } from 'vitest';
import type { Node, OptionSpec } from '@sgdiff/core';
import type { CheckEnvironment } from './check/environment.ts';
import { compileSgd, type SgdCompileResult } from './index.ts';
import { TEST_ENVIRONMENT, TEST_SOLVER_OPTIONS, brief } from './test-support.ts';

const ESTIMATOR: OptionSpec = {
  name: 'estimator',
  type: 'enums',
  values: ['analytic', 'automatic', 'implicit', 'sid'],
  default: 'implicit',
  doc: 'Hypergradient estimators.',
};

const OUTER_OPTIONS: readonly OptionSpec[] = [
  { name: 'iterations', type: 'integer', default: 10, min: 1, doc: 'Steps on θ.' },
  { name: 'step', type: 'expression', default: '1 / (k + 1)', variables: ['k'], doc: 'Step on θ at step k.' },
];

const ENV: CheckEnvironment = {
  ...TEST_ENVIRONMENT,
  solvers: new Map([['sgd', { options: [...TEST_SOLVER_OPTIONS, ESTIMATOR] }]]),
  outerSolvers: new Map([['hgd', { options: OUTER_OPTIONS }]]),
};

const PRELUDE = `dim n = 10
dim m = 4
dim d = 3
data A : R[n, d] ~ normal(0, 1)
data B : R[m, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
`;

function compile(source: string): NonNullable<SgdCompileResult['problem']> {
  const result = compileSgd(source, 'test.sgd', ENV);
  expect(result.diagnostics.map(brief)).toEqual([]);
  return result.problem!;
}

/** A compact prefix rendering of an IR node. */
function show(n: Node): string {
  if (n.op === 'const') return String(n.value);
  if (n.op === 'input') return `${n.input?.kind}:${n.input?.name}`;
  return `${n.op}(${n.args.map(show).join(', ')})`;
}

describe('lowering hypergradient problems', () => {
  it('lowers an upper objective with its own sample, keeping the lower sample as Problem.sample', () => {
    const problem = compile(`${PRELUDE}sample j ~ uniform(m, batch = 2)\nouter E(x; j) = 0.5 * (B[j] . x)^2`);
    expect(problem.sample).toMatchObject({ name: 'i', size: 10, batch: 1 });
    const outer = problem.outer;
    if (outer?.kind !== 'expression') throw new Error('expected an expression outer');
    expect(outer.name).toBe('E');
    expect(outer.sample).toMatchObject({ name: 'j', size: 4, batch: 2 });
    expect(show(outer.sample!.node)).toBe('sample:j');
    expect(show(outer.node)).toBe('mul(0.5, pow(sum(mul(var:x, row(data:B, sample:j))), 2))');
    // Both objectives are built with the problem's builder, over the same var node.
    expect(problem.builder.input({ kind: 'var', name: 'x' }, [3])).toBe(problem.tensors[3].node);
  });

  it('shares the sample node when both objectives list the same sample', () => {
    const problem = compile(`${PRELUDE}outer E(x, theta; i) = theta[i] * sum(x)`);
    const outer = problem.outer;
    if (outer?.kind !== 'expression') throw new Error('expected an expression outer');
    expect(outer.sample?.node).toBe(problem.sample?.node);
  });

  it('lowers outer value, and an upper objective without a sample', () => {
    expect(compile(`${PRELUDE}outer value`).outer).toEqual({ kind: 'value' });
    const outer = compile(`${PRELUDE}outer E(x) = norm2(x)`).outer;
    expect(outer).toMatchObject({ kind: 'expression', name: 'E' });
    expect(outer).not.toHaveProperty('sample');
  });

  it('joins enums values with commas, and keeps an enums default as is', () => {
    const written = compile(`${PRELUDE}outer value\nsolve sgd { estimator = analytic, implicit }`);
    expect(written.solve?.options.estimator).toBe('analytic,implicit');
    const defaulted = compile(`${PRELUDE}outer value\nsolve sgd { }`);
    expect(defaulted.solve?.options.estimator).toBe('implicit');
  });

  it('lowers outer_solve like solve, with hyper inputs for its expression options', () => {
    const problem = compile(`${PRELUDE}outer value\nouter_solve hgd { step = 0.1 / (k + 1) }`);
    expect(problem.outerSolve?.solver).toBe('hgd');
    expect(problem.outerSolve?.options).toEqual({ iterations: 10, step: '0.1 / (k + 1)' });
    expect(show(problem.outerSolve!.expressions.step)).toBe('div(0.1, add(1, hyper:k))');
  });

  it('leaves outer and outerSolve out of a problem without them', () => {
    const problem = compile(PRELUDE);
    expect(problem.outer).toBeUndefined();
    expect(problem.outerSolve).toBeUndefined();
  });
});
