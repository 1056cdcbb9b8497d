import { readFileSync } from 'node:fs';
import { compileSgd, formatDiagnostics } from './src/index.ts';
import type { ElementwiseFunction } from '@sgdiff/core';
const src = readFileSync('/work/main/examples/least-squares.sgd', 'utf8');
const opts = [
  { name: 'iterations', type: 'integer', default: 1000, min: 1, doc: 'n' },
  { name: 'step', type: 'expression', default: '1/L', variables: ['k', 'mu', 'L', 'kappa'], doc: 's' },
  { name: 'track', type: 'enum', default: 'none', values: ['none', 'forward', 'reverse', 'implicit'], doc: 't' },
] as const;
const env = {
  functions: new Set(['exp', 'log', 'log1p', 'sqrt', 'softplus', 'sigmoid', 'tanh']),
  solvers: new Map([['gd', { options: opts }], ['sgd', { options: opts }]]),
  metrics: new Set(['suboptimality', 'distance', 'jacobian_error', 'gradient_norm', 'step']),
  sources: new Map(),
};
const fns = new Map<string, ElementwiseFunction>();
const r = compileSgd(src, 'ls.sgd', env, fns);
console.log(r.diagnostics, r.problem?.objective, r.problem?.solve, r.problem?.report, r.problem?.sample, r.problem?.tensors.map(t => [t.name, t.shape, t.init]));
const bad = `dim n = 0
dim d = 1e400
const c = 1/0
data A : R[n, d, 3] ~ normal(0, 0)
var x : R[m] = y
param p : R[100000, 100000] ~ gamma(1)
sample i ~ uniform(10, batch = 20)
sample j ~ uniform(10)
minimize f(x, A; p) = A[i] @ x + exp(x, 2) + foo(x) + x[10] + p[i]
solve adam { }
solve sgd { iterations = 0 step = x track = backward foo = 3 iterations = 5 }
report every log 0 { distanse, distance, distance }
`;
const r2 = compileSgd(bad, 'bad.sgd', env, fns);
console.log(formatDiagnostics('bad.sgd', bad, r2.diagnostics));
