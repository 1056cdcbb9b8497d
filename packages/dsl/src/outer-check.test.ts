import { describe, expect, it } from 'vitest';
import type { OptionSpec } from '@sgdiff/core';
import type { CheckEnvironment } from './check/environment.ts';
import { checkFile } from './checker.ts';
import { parseSgd } from './index.ts';
import { TEST_ENVIRONMENT, TEST_SOLVER_OPTIONS, brief } from './test-support.ts';

/** The `estimator` option as the framework will declare it for every solver. */
const ESTIMATOR: OptionSpec = {
  name: 'estimator',
  type: 'enums',
  values: ['analytic', 'automatic', 'implicit', 'sid'],
  default: 'implicit',
  doc: 'Hypergradient estimators.',
};

/** A fake environment: `sgd` with `estimator`, and an outer solver `hgd` that has one too. */
const ENV: CheckEnvironment = {
  ...TEST_ENVIRONMENT,
  solvers: new Map([['sgd', { options: [...TEST_SOLVER_OPTIONS, ESTIMATOR] }]]),
  outerSolvers: new Map([['hgd', { options: [{ name: 'iterations', type: 'integer', default: 10, min: 1, doc: 'Steps on θ.' }, ESTIMATOR] }]]),
};

/** Lower level over sample i, an upper level over its own sample j. */
const PRELUDE = `dim n = 10
dim m = 4
dim d = 3
data A : R[n, d] ~ normal(0, 1)
data B : R[m, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
sample j ~ uniform(m)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
`;

/** The prelude with one sample, for files without an upper sample. */
const ONE_SAMPLE = PRELUDE.replace('sample j ~ uniform(m)\n', '');

function check(source: string, env: CheckEnvironment = ENV): string[] {
  const { ast, diagnostics } = parseSgd(source, 'test.sgd');
  if (!ast) return diagnostics.map(brief);
  return checkFile(ast, env).diagnostics.map(brief);
}

describe('valid hypergradient files', () => {
  it('accept two samples, an upper objective with its own and an estimator list', () => {
    const source = `${PRELUDE}outer E(x; j) = 0.5 * (B[j] . x)^2
solve sgd { track = forward estimator = automatic, implicit }
outer_solve hgd { iterations = 3 }`;
    expect(check(source)).toEqual([]);
  });

  it('accept outer value with the analytic estimator', () => {
    expect(check(`${ONE_SAMPLE}outer value\nsolve sgd { estimator = analytic, implicit }`)).toEqual([]);
  });

  it('accept an upper objective sharing the lower sample, and a deterministic lower level', () => {
    expect(check(`${ONE_SAMPLE}outer E(x, theta; i) = (A[i] . x - theta[i])^2`)).toEqual([]);
    const deterministic = 'dim m = 4\ndata B : R[m] ~ normal(0, 1)\nparam t : R = 1\nvar x : R = 0\nsample j ~ uniform(m)\n';
    expect(check(`${deterministic}minimize f(x, t) = (x - t)^2\nouter E(x; j) = (x - B[j])^2`)).toEqual([]);
  });

  it('resolve the outer objective and both samples', () => {
    const { ast } = parseSgd(`${PRELUDE}outer E(x; j) = B[j] . x\nouter_solve hgd { }`, 'test.sgd');
    const { checked } = checkFile(ast!, ENV);
    expect(checked?.sample).toEqual({ name: 'i', size: 10, batch: 1 });
    expect(checked?.outer).toMatchObject({ kind: 'expression', name: 'E', sample: { name: 'j', size: 4, batch: 1 } });
    expect(checked?.outerSolve?.solver).toBe('hgd');
  });
});

/** Each bad file with every diagnostic it must produce, exactly. */
const CORPUS: ReadonlyArray<{ name: string; source: string; expected: string[] }> = [
  {
    name: 'unknown names in the outer objective',
    source: `${PRELUDE}outer E(x, z; j) = B[j] . y`,
    expected: [
      "11:12 unknown-name: unknown name 'z'",
      "11:27 unknown-name: unknown name 'y'",
    ],
  },
  {
    name: 'non-scalar outer objective',
    source: `${PRELUDE}outer E(x; j) = B[j] * x`,
    expected: [
      '11:17 non-scalar-objective: the outer objective must be a scalar, got R[3]',
    ],
  },
  {
    name: 'var or param used in the outer objective without being listed',
    source: `${PRELUDE}outer E(theta; j) = B[j] . x + theta[0]`,
    expected: [
      "11:28 not-an-argument: var 'x' is not an argument of 'E'; list it before ';'",
    ],
  },
  {
    name: 'wrong kinds in the outer lists',
    source: `${PRELUDE}outer E(x, A; B, j) = B[j] . x`,
    expected: [
      "11:12 invalid-objective-argument: 'A' is data; only vars and params may be listed before ';'",
      "11:15 invalid-objective-argument: 'B' is data; only samples may be listed after ';'",
    ],
  },
  {
    name: 'objectives used in expressions',
    source: `${PRELUDE}outer E(x; j) = f + E`,
    expected: [
      "11:17 invalid-reference: 'f' is the objective; it cannot be used in an expression",
      "11:21 invalid-reference: 'E' is the upper objective; it cannot be used in an expression",
    ],
  },
  {
    name: 'second outer',
    source: `${PRELUDE}outer E(x; j) = B[j] . x
outer value`,
    expected: [
      "12:1 duplicate-statement: only one 'outer' is allowed; the first is on line 11",
    ],
  },
  {
    name: 'outer name clashing with a declaration',
    source: `${PRELUDE}outer A(x; j) = B[j] . x`,
    expected: [
      "11:7 duplicate-declaration: 'A' is already declared on line 4",
    ],
  },
  {
    name: 'third sample',
    source: `${PRELUDE}sample k ~ uniform(n)
outer E(x; j) = B[j] . x`,
    expected: [
      "11:1 duplicate-statement: at most two sample declarations are supported (one for 'minimize', one for 'outer'); the first two are on lines 8 and 9",
    ],
  },
  {
    name: 'two samples listed by one objective',
    source: `${PRELUDE.replace('; i)', '; i, j)')}outer value`,
    expected: [
      "10:25 invalid-objective-argument: 'f' may list only one sample; 'j' is a second one after 'i'",
    ],
  },
  {
    name: 'second sample without an outer objective',
    source: PRELUDE,
    expected: [
      "9:8 missing-objective-argument: sample 'j' is an argument of no objective; 'minimize' and 'outer' may list one sample each",
    ],
  },
  {
    name: 'second sample with outer value',
    source: `${PRELUDE}outer value`,
    expected: [
      "9:8 missing-objective-argument: sample 'j' is an argument of no objective; 'minimize' and 'outer' may list one sample each",
    ],
  },
  {
    name: 'second sample not listed by the outer objective',
    source: `${PRELUDE}outer E(x) = B[0] . x`,
    expected: [
      "11:7 missing-objective-argument: sample 'j' is not an argument of 'E'; list it after ';'",
    ],
  },
  {
    name: 'outer_solve without outer',
    source: `${ONE_SAMPLE}outer_solve hgd { iterations = 2 }`,
    expected: [
      "10:1 missing-outer: 'outer_solve' needs an upper objective: add 'outer value' or 'outer E(x, theta; j) = ...'",
    ],
  },
  {
    name: 'unknown outer solver, unknown option and second outer_solve',
    source: `${PRELUDE}outer E(x; j) = B[j] . x
outer_solve hdg { }
outer_solve hgd { iteration = 2 }`,
    expected: [
      "12:13 unknown-solver: unknown outer solver 'hdg'; known outer solvers: 'hgd'",
      "13:1 duplicate-statement: only one 'outer_solve' block is allowed; the first is on line 12",
    ],
  },
  {
    name: 'option of an outer solver',
    source: `${PRELUDE}outer E(x; j) = B[j] . x
outer_solve hgd { iteration = 2 iterations = 0 }`,
    expected: [
      "12:19 unknown-option: 'hgd' has no option 'iteration' (did you mean 'iterations'?); valid options: 'iterations', 'estimator'",
      "12:46 option-out-of-range: option 'iterations' must be at least 1, got 0",
    ],
  },
  {
    name: 'enums list errors',
    source: `${ONE_SAMPLE}outer value
solve sgd { estimator = analytc, implicit, implicit, 2 }`,
    expected: [
      "11:25 invalid-option-value: option 'estimator' must list identifiers among 'analytic', 'automatic', 'implicit', 'sid'; got 'analytc' (did you mean 'analytic'?)",
      "11:44 invalid-option-value: option 'estimator' lists 'implicit' twice",
      "11:54 invalid-option-value: option 'estimator' must list identifiers among 'analytic', 'automatic', 'implicit', 'sid'; got an expression",
    ],
  },
  {
    name: 'list for a single-valued option',
    source: `${ONE_SAMPLE}outer value
solve sgd { track = forward, reverse iterations = 1, 2 }`,
    expected: [
      "11:30 invalid-option-value: option 'track' takes a single value, got a list of 2; only lists of identifiers ('enums' options) are comma-separated",
      "11:54 invalid-option-value: option 'iterations' takes a single value, got a list of 2; only lists of identifiers ('enums' options) are comma-separated",
    ],
  },
  {
    name: 'analytic without outer value',
    source: `${PRELUDE}outer E(x; j) = B[j] . x
solve sgd { estimator = implicit, analytic }`,
    expected: [
      "12:35 analytic-needs-value: estimator 'analytic' (g1) exists only for the value function 'outer value': ∇θF(x_t, θ) is the gradient of min_x F, not of another upper objective such as 'E'",
    ],
  },
  {
    name: 'analytic in the outer_solve block without outer value',
    source: `${PRELUDE}outer E(x; j) = B[j] . x
outer_solve hgd { estimator = analytic }`,
    expected: [
      "12:31 analytic-needs-value: estimator 'analytic' (g1) exists only for the value function 'outer value': ∇θF(x_t, θ) is the gradient of min_x F, not of another upper objective such as 'E'",
    ],
  },
  {
    name: 'estimator without outer',
    source: `${ONE_SAMPLE}solve sgd { estimator = analytic }`,
    expected: [
      "10:13 missing-outer: option 'estimator' chooses how the hypergradient is estimated, but the file has no upper objective: add 'outer value' or 'outer E(x, theta; j) = ...'",
    ],
  },
];

describe('hypergradient diagnostics corpus', () => {
  it.each(CORPUS)('$name', ({ source, expected }) => {
    expect(check(source)).toEqual(expected);
  });
});

describe('the estimator rule', () => {
  it('applies only to solvers that declare the option', () => {
    const source = 'var x : R = 0\nminimize f(x) = x^2\nsolve sgd { estimator = analytic }';
    expect(check(source, TEST_ENVIRONMENT)).toEqual([
      "3:13 unknown-option: 'sgd' has no option 'estimator'; valid options: 'iterations', 'step', 'track'",
    ]);
  });

  it('accepts an outer declared after the solve block', () => {
    expect(check('var x : R = 0\nminimize f(x) = x^2\nsolve sgd { estimator = analytic }\nouter value')).toEqual([]);
  });
});
