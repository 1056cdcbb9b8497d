/**
 * An option whose default depends on another option (`OptionSpec.defaultWhen`): `sid_step` is 1
 * with exact Hessian products (`sid_sampling = full`) and the decreasing β/(γ + k) on minibatches,
 * and what `sgd check` prints is the value the run uses.
 */
import { describe, expect, it } from 'vitest';
import { compileSgd } from '@sgdiff/dsl';
import { checkEnvironment } from '@sgdiff/cli';
import { SID_DECREASING_STEP } from '@sgdiff/core';
import { defaultRegistry } from '@sgdiff/plugins';
import { sgd, sgdFile } from './support/cli.ts';

const ridge = (options: string): string =>
  [
    'dim n = 10',
    'dim m = 5',
    'data D : R[n, m] ~ normal(0, 1)',
    'param x : R[n] ~ normal(0, 1)',
    'var z : R[m] = 0',
    'sample i ~ uniform(n)',
    'minimize f(z, x; i) = 0.5 * (D[i] . z - x[i])^2 + 0.05 * norm2(z)',
    'outer value',
    `solve sgd { iterations = 100  step = 0.01  estimator = sid  ${options} }`,
    '',
  ].join('\n');

const sidStep = (options: string): string | number => {
  const { problem, diagnostics } = compileSgd(ridge(options), 'ridge.sgd', checkEnvironment(defaultRegistry()));
  expect(diagnostics).toEqual([]);
  return problem!.solve!.options.sid_step;
};

describe('a default that depends on another option', () => {
  it('sid_step is 1 with sid_sampling = full, the decreasing step on minibatches, and as written when written', () => {
    expect(sidStep('sid_sampling = full')).toBe('1');
    expect(sidStep('')).toBe(SID_DECREASING_STEP);
    expect(sidStep('sid_sampling = full  sid_step = 0.5')).toBe('0.5');
  });

  it('sgd check prints the value the run uses', async () => {
    const { code, out } = await sgd('check', sgdFile(ridge('sid_sampling = full'), 'sid-full'));
    expect(code).toBe(0);
    expect(out).toMatch(/sid_step = 1,/);
  });
});
