import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFile } from './checker.ts';
import { parseSgd } from './index.ts';
import { TEST_ENVIRONMENT, brief } from './test-support.ts';

const EXAMPLE = readFileSync(new URL('../../../examples/least-squares.sgd', import.meta.url), 'utf8');

/** Declarations most corpus files start from; they are valid on their own. */
const PRELUDE = `dim n = 10
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
`;

function check(source: string): string[] {
  const { ast, diagnostics } = parseSgd(source, 'test.sgd');
  if (!ast) return diagnostics.map(brief);
  return checkFile(ast, TEST_ENVIRONMENT).diagnostics.map(brief);
}

describe('valid files', () => {
  it('the least-squares example checks without diagnostics', () => {
    expect(check(EXAMPLE)).toEqual([]);
  });

  it('the prelude with an objective checks without diagnostics', () => {
    expect(check(`${PRELUDE}minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2`)).toEqual([]);
  });
});

/** The diagnostics corpus: each bad file with every diagnostic it must produce, exactly. */
const CORPUS: ReadonlyArray<{ name: string; source: string; expected: string[] }> = [
  {
    name: 'unknown name',
    source: `${PRELUDE}minimize f(x; i) = x . y`,
    expected: [
      "7:24 unknown-name: unknown name 'y'",
    ],
  },
  {
    name: 'unknown name in a dim',
    source: `dim n = m + 1
minimize f() = n`,
    expected: [
      "1:9 unknown-name: unknown name 'm'",
    ],
  },
  {
    name: 'used before declaration',
    source: `dim d = n
dim n = 3
minimize f() = d`,
    expected: [
      "1:9 used-before-declaration: 'n' is used before its declaration on line 2",
    ],
  },
  {
    name: 'duplicate declaration',
    source: `dim n = 3
const n = 4
minimize f() = n`,
    expected: [
      "2:7 duplicate-declaration: 'n' is already declared on line 1",
    ],
  },
  {
    name: 'shape mismatch +',
    source: `${PRELUDE}minimize f(x, theta; i) = x + theta`,
    expected: [
      "7:27 shape-mismatch: '+' needs operands of the same shape or a scalar operand, got R[3] and R[10]",
    ],
  },
  {
    name: 'shape mismatch @',
    source: `${PRELUDE}minimize f(x, theta; i) = sum(A @ theta)`,
    expected: [
      "7:31 shape-mismatch: '@' needs R[n, d] @ R[d], R[n] @ R[n, d] or R[n, k] @ R[k, m], got R[10, 3] and R[10]",
    ],
  },
  {
    name: 'wrong arity',
    source: `${PRELUDE}minimize f(x; i) = exp(x, 2) . x + sum()`,
    expected: [
      "7:20 wrong-arity: 'exp' takes 1 argument, got 2",
      "7:36 wrong-arity: 'sum' takes 1 argument (M), got 0",
    ],
  },
  {
    name: 'wrong distribution arity',
    source: `var x : R[3] ~ normal(0)
minimize f(x) = sum(x)`,
    expected: [
      "1:16 wrong-arity: 'normal' takes 2 arguments (mean, sd), got 1",
    ],
  },
  {
    name: 'var used as data',
    source: `var x : R = 1
dim n = x
const c = 2 * x
minimize f(x) = x`,
    expected: [
      "2:9 var-used-as-data: var 'x' used as data: constant expressions may only use numbers, dims and consts",
      "3:15 var-used-as-data: var 'x' used as data: constant expressions may only use numbers, dims and consts",
    ],
  },
  {
    name: 'param used in a type',
    source: `param p : R = 1
var x : R[p] = p
minimize f(x; ) = sum(x)`,
    expected: [
      "2:11 var-used-as-data: param 'p' used as data: constant expressions may only use numbers, dims and consts",
      "2:16 var-used-as-data: param 'p' used as data: constant expressions may only use numbers, dims and consts",
    ],
  },
  {
    name: 'var used as index',
    source: `${PRELUDE}minimize f(x, theta; i) = theta[x]`,
    expected: [
      "7:33 invalid-index: var 'x' used as an index: an index must be a sample or a constant integer",
    ],
  },
  {
    name: 'unknown solver',
    source: `var x : R = 0
minimize f(x) = x^2
solve adam { iterations = 10 }`,
    expected: [
      "3:7 unknown-solver: unknown solver 'adam'; known solvers: 'gd', 'sgd'",
    ],
  },
  {
    name: 'unknown option',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { iteration = 10 }`,
    expected: [
      "3:12 unknown-option: 'gd' has no option 'iteration' (did you mean 'iterations'?); valid options: 'iterations', 'step', 'track'",
    ],
  },
  {
    name: 'option out of range',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { iterations = 0 }`,
    expected: [
      "3:25 option-out-of-range: option 'iterations' must be at least 1, got 0",
    ],
  },
  {
    name: 'option not integer',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { iterations = 2.5 }`,
    expected: [
      "3:25 invalid-option-value: option 'iterations' must be an integer, got 2.5",
    ],
  },
  {
    name: 'enum option',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { track = backward }`,
    expected: [
      "3:20 invalid-option-value: option 'track' must be one of 'none', 'forward', 'reverse', 'implicit'; got 'backward'",
    ],
  },
  {
    name: 'step uses a var',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { step = 1 / (x + k) }`,
    expected: [
      "3:24 invalid-reference: option 'step' may only use dims, consts and k, mu, L, kappa; 'x' is a var",
    ],
  },
  {
    name: 'duplicate option',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { step = 1 / L  step = 0.1 }`,
    expected: [
      "3:26 duplicate-option: option 'step' is already set on line 3",
    ],
  },
  {
    name: 'non-finite constant',
    source: `const big = 1e400
const inf = 1 / 0
const e = exp(1000)
var x : R = 0
minimize f(x) = x^2`,
    expected: [
      "1:13 non-finite-constant: number 1e400 is too large to be represented",
      "2:13 non-finite-constant: this constant expression evaluates to Infinity, which is not finite",
      "3:11 non-finite-constant: this constant expression evaluates to Infinity, which is not finite",
    ],
  },
  {
    name: 'tensor too large',
    source: `dim n = 100000
data A : R[n, n] ~ normal(0, 1)
var x : R[n] = 0
minimize f(x) = norm2(A @ x)`,
    expected: [
      "2:10 tensor-too-large: R[100000, 100000] needs 74.5 GiB; a tensor may take at most 2 GiB",
    ],
  },
  {
    name: 'syntax errors',
    source: `dim n = = 3
dim d = 5 )
const c = (1 +
var x : R[n] = 0`,
    expected: [
      "1:9 syntax-error: expected an expression but found '='",
      "2:11 syntax-error: expected a statement (dim, const, data, param, var, sample, minimize, outer, solve, outer_solve or report) but found ')'",
      "4:1 syntax-error: expected an expression but found 'var'",
    ],
  },
  {
    name: 'unknown function',
    source: `var x : R[3] = 0
minimize f(x) = sum(sigmoidd(x)) + sum(foo(x))`,
    expected: [
      "2:21 unknown-function: unknown function 'sigmoidd' (did you mean 'sigmoid'?)",
      "2:40 unknown-function: unknown function 'foo'",
    ],
  },
  {
    name: 'index out of range',
    source: `${PRELUDE}minimize f(x, theta; i) = theta[i] + A[10] . x + x[-1]`,
    expected: [
      "7:40 index-out-of-range: index 10 is out of range: 'A' has 10 rows (indices start at 0)",
      "7:52 index-out-of-range: index -1 is out of range: 'x' has 3 entries (indices start at 0)",
    ],
  },
  {
    name: 'sample range exceeds extent',
    source: `dim n = 10
var x : R[5] = 0
sample i ~ uniform(n)
minimize f(x; i) = x[i]`,
    expected: [
      "4:22 index-out-of-range: sample 'i' ranges over 0 to 9 but 'x' has 5 entries",
    ],
  },
  {
    name: 'non-scalar objective',
    source: `${PRELUDE}minimize f(x, theta; i) = A[i] * x`,
    expected: [
      "7:27 non-scalar-objective: the objective must be a scalar, got R[3]",
    ],
  },
  {
    name: 'missing minimize',
    source: `dim n = 3
var x : R[n] = 0`,
    expected: [
      "1:1 missing-minimize: the file has no objective: add 'minimize f(x; i) = ...'",
    ],
  },
  {
    name: 'two minimize',
    source: `var x : R = 0
minimize f(x) = x^2
minimize g(x) = x^4`,
    expected: [
      "3:1 duplicate-statement: only one 'minimize' is allowed; the first is on line 2",
    ],
  },
  {
    name: 'objective arguments',
    source: `${PRELUDE}minimize f(theta, A, i, theta; x) = theta[i]`,
    expected: [
      "7:19 invalid-objective-argument: 'A' is data; only vars and params may be listed before ';'",
      "7:22 invalid-objective-argument: 'i' is a sample; list it after ';'",
      "7:25 duplicate-argument: 'theta' is listed twice",
      "7:32 invalid-objective-argument: 'x' is a var; only samples may be listed after ';'",
    ],
  },
  {
    name: 'not an argument',
    source: `${PRELUDE}minimize f(x; i) = theta[i] + sum(x)`,
    expected: [
      "7:20 not-an-argument: param 'theta' is not an argument of 'f'; list it before ';'",
    ],
  },
  {
    name: 'unknown distribution',
    source: `var x : R[3] ~ gauss(0, 1)
minimize f(x) = sum(x)`,
    expected: [
      "1:16 unknown-distribution: unknown distribution 'gauss'; tensors can be drawn from normal(mean, sd), uniform(lo, hi) or sparse_normal(r, sd)",
    ],
  },
  {
    name: 'bad distribution parameters',
    source: `var x : R[3] ~ normal(0, -1)
var y : R[3] ~ uniform(1, 1)
minimize f(x, y) = sum(x) + sum(y)`,
    expected: [
      "1:26 invalid-distribution: the standard deviation of 'normal' must be positive, got -1",
      "2:16 invalid-distribution: 'uniform(lo, hi)' needs lo < hi, got 1 and 1",
    ],
  },
  {
    name: 'unknown data source',
    source: `data A : R[3] from csv(path = "a.csv")
var x : R = 0
minimize f(x) = x^2`,
    expected: [
      "1:20 unknown-source: unknown data source 'csv'; no data source is installed",
    ],
  },
  {
    name: 'sample batch',
    source: `dim n = 10
sample i ~ uniform(n, batch = 20)
var x : R[n] = 0
minimize f(x; i) = x[i]`,
    expected: [
      "2:31 invalid-distribution: the batch size must be at most n = 10, got 20",
    ],
  },
  {
    name: 'invalid dims',
    source: `dim a = 0
dim b = 2.5
dim c = -3
var x : R[4, 4, 4] = 0
minimize f(x) = 1`,
    expected: [
      "1:9 invalid-dim: dim 'a' must be a positive integer, got 0",
      "2:9 invalid-dim: dim 'b' must be a positive integer, got 2.5",
      "3:9 invalid-dim: dim 'c' must be a positive integer, got -3",
      "4:9 unsupported-rank: tensors have at most 2 dimensions (R, R[n] or R[n, d]), got 3",
    ],
  },
  {
    name: 'report',
    source: `var x : R = 0
minimize f(x) = x^2
report every log 0 { distanse, distance, distance }`,
    expected: [
      "3:18 invalid-report: the number of report points must be a positive integer, got 0",
      "3:22 unknown-metric: unknown metric 'distanse' (did you mean 'distance'?); known metrics: 'suboptimality', 'distance', 'jacobian_error', 'gradient_norm', 'step'",
      "3:42 duplicate-metric: metric 'distance' is listed twice",
    ],
  },
  {
    name: 'indexing a scalar',
    source: `var x : R = 0
minimize f(x) = x[0]`,
    expected: [
      "2:17 invalid-index: cannot index a scalar",
    ],
  },
  {
    name: 'data used in a dim',
    source: `data B : R[2] = 1
dim m = B
var x : R = 0
minimize f(x) = x^2`,
    expected: [
      "2:9 not-constant: 'B' is data, not a constant: constant expressions may only use numbers, dims and consts",
    ],
  },
  {
    name: 'objective used in its body',
    source: `var x : R = 0
minimize f(x) = x^2 + f`,
    expected: [
      "2:23 invalid-reference: 'f' is the objective; it cannot be used in an expression",
    ],
  },
  {
    name: 'named argument to a function',
    source: `var x : R[3] = 0
minimize f(x) = sum(exp(x, scale = 2))`,
    expected: [
      "2:28 invalid-argument: 'exp' takes no named arguments",
    ],
  },
  {
    name: 'const in the objective declared later (the objective would otherwise pass unchecked)',
    source: `var x : R[3] = 0
minimize f(x) = x * c
const c = 2`,
    expected: [
      "2:21 used-before-declaration: 'c' is used before its declaration on line 3",
    ],
  },
  {
    name: 'dim in a solve option and data in the objective, declared later',
    source: `var x : R[3] = 0
minimize f(x) = sum(x * b)
solve gd { iterations = n }
dim n = 3
data b : R[3] ~ normal(0, 1)`,
    expected: [
      "2:25 used-before-declaration: 'b' is used before its declaration on line 5",
      "3:25 used-before-declaration: 'n' is used before its declaration on line 4",
    ],
  },
  {
    name: 'extent declared later',
    source: `var x : R[n] = 0
dim n = 3
minimize f(x) = sum(x)`,
    expected: [
      "1:11 used-before-declaration: 'n' is used before its declaration on line 2",
    ],
  },
  {
    name: 'var not listed',
    source: `var x : R = 0
var y : R = 0
minimize f(x) = x^2`,
    expected: [
      "3:10 missing-objective-argument: var 'y' is not an argument of 'f'; every var must be listed before ';'",
    ],
  },
  {
    name: 'sample not listed',
    source: `${PRELUDE}minimize f(x, theta) = sum(x)`,
    expected: [
      "7:10 missing-objective-argument: sample 'i' is not an argument of 'f'; list it after ';'",
    ],
  },
  {
    name: 'second solve and report',
    source: `var x : R = 0
minimize f(x) = x^2
solve gd { }
solve sgd { }
report { step }
report { distance }`,
    expected: [
      "4:1 duplicate-statement: only one 'solve' block is allowed; the first is on line 3",
      "6:1 duplicate-statement: only one 'report' is allowed; the first is on line 5",
    ],
  },
  {
    name: 'three independent errors',
    source: `${PRELUDE}const c = 1 / 0
minimize f(x, theta; i) = (A[i] . x - theta[i])^2 + foo(x)
solve sgd { iterations = 0 }`,
    expected: [
      "7:11 non-finite-constant: this constant expression evaluates to Infinity, which is not finite",
      "8:53 unknown-function: unknown function 'foo'",
      "9:26 option-out-of-range: option 'iterations' must be at least 1, got 0",
    ],
  },
];

describe('diagnostics corpus', () => {
  it.each(CORPUS)('$name', ({ source, expected }) => {
    expect(check(source)).toEqual(expected);
  });
});

describe('error reporting', () => {
  it('reports three independent errors as exactly three diagnostics', () => {
    const source = `${PRELUDE}const c = 1 / 0\nminimize f(x, theta; i) = (A[i] . x - theta[i])^2 + foo(x)\nsolve sgd { iterations = 0 }`;
    expect(check(source)).toHaveLength(3);
  });

  it('does not cascade from a declaration with an error to its uses', () => {
    const source = 'dim n = 0\nvar x : R[n] = 0\nconst c = n * 2\nminimize f(x) = sum(x * x) + x[3] + c';
    expect(check(source)).toEqual(["1:9 invalid-dim: dim 'n' must be a positive integer, got 0"]);
  });

  it('marks duplicate metrics as warnings and still yields the checked file', () => {
    const { ast } = parseSgd('var x : R = 0\nminimize f(x) = x^2\nreport { step, step }', 'test.sgd');
    const result = checkFile(ast!, TEST_ENVIRONMENT);
    expect(result.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(result.checked?.report).toEqual({ logPoints: 200, metrics: ['step'] });
  });

  it('accepts data sources the environment provides, with named constant and string arguments', () => {
    const csv = {
      doc: 'Reads a CSV file.',
      args: [
        { name: 'path', type: 'string', doc: 'The file.' },
        { name: 'column', type: 'integer', doc: 'The column.' },
      ] as const,
      check: () => undefined,
    };
    const env = { ...TEST_ENVIRONMENT, sources: new Map([['csv', csv]]) };
    const { ast } = parseSgd('dim n = 4\ndata A : R[n] from csv(path = "a.csv", column = n - 1)\nvar x : R = 0\nminimize f(x) = x^2', 'test.sgd');
    const result = checkFile(ast!, env);
    expect(result.diagnostics).toEqual([]);
    expect(result.checked?.tensors[0].init).toEqual({ kind: 'source', source: 'csv', args: { path: 'a.csv', column: 3 } });
  });
});
