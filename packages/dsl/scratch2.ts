import { compileSgd, formatDiagnostics } from './src/index.ts';
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
const bad = process.argv[2];
const r2 = compileSgd(bad, 'bad.sgd', env, new Map());
console.log(formatDiagnostics('bad.sgd', bad, r2.diagnostics));
