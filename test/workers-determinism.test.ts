/**
 * `sgd run --runs 4` writes the same bytes with 1, 2 or 4 workers: `trace.csv` and
 * `result.json` (and `instance.json`), for a plain
 * run with Jacobian tracking and for a hypergradient run (implicit, automatic and SID estimators).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '@sgdiff/cli';

const LEAST_SQUARES = `dim n = 20
dim d = 5
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve sgd { iterations = 400  step = 1 / (mu * (k + 8 * kappa^2))  track = forward }
report every log 30 { suboptimality, distance, jacobian_error }
`;

const HYPERGRADIENT = `dim n = 12
dim m = 5
const lambda = 0.1
data D : R[n, m] ~ normal(0, 1)
data V : R[n, m] ~ normal(0, 1)
data b : R[n] ~ normal(0, 1)
param x : R[n] ~ normal(0, 1)
param s : R = 0.3
var z : R[m] = 0
sample i ~ uniform(n)
minimize f(z, x, s; i) = 0.5 * (D[i] . z - x[i])^2 + 0.5 * lambda * exp(s) * norm2(z)
sample j ~ uniform(n)
outer E(z; j) = 0.5 * (V[j] . z - b[j])^2
solve sgd { iterations = 300 step = 1 / L track = forward estimator = implicit, automatic, sid }
report every log 20 { distance, hypergradient_error }
`;

/** The `--out` files of `sgd run` with `workers` workers. */
async function outputs(program: string, workers: number): Promise<Record<string, string>> {
  const root = mkdtempSync(join(tmpdir(), 'sgd-workers-'));
  const file = join(root, 'p.sgd');
  writeFileSync(file, program);
  const out = join(root, 'out');
  const err: string[] = [];
  const code = await runCli(['run', file, '--runs', '4', '--workers', String(workers), '--seed', '5', '--out', out], { out: () => undefined, err: (s) => err.push(s) });
  expect(code, err.join('\n')).toBe(0);
  const read = (name: string): string => readFileSync(join(out, name), 'utf8');
  return { trace: read('trace.csv'), result: read('result.json'), instance: read('instance.json') };
}

describe('--workers 1, 2, 4 give byte-identical outputs', () => {
  for (const [name, program] of [
    ['least squares, 4 runs, Jacobian tracked', LEAST_SQUARES],
    ['hypergradients (implicit, automatic, SID), 4 runs', HYPERGRADIENT],
  ] as const) {
    it(name, async () => {
      const one = await outputs(program, 1);
      // The outputs are not degenerate: four runs' bands and finite numbers.
      expect(one.trace.split('\n')[0]).toContain('_q10');
      expect(JSON.parse(one.result)).toBeTruthy();
      for (const workers of [2, 4]) expect(await outputs(program, workers)).toEqual(one);
    }, 120_000);
  }
});
