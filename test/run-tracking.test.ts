/**
 * Derivative tracking through the real `sgd run` pipeline (loadProblem with `--set` overrides,
 * createSession, executeRuns; or runCli itself): forward, reverse and implicit ∂θx_T agree
 * with each other and with finite differences of the whole run, GD reaches x* and ∂θx*,
 * Monte Carlo does not depend on the worker count, and the command's failure modes.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '@sgdiff/core';
import { createSession, exactReference, executeRuns, loadProblem, parseOverride, type RunJob, type RunSession } from '@sgdiff/cli';
import { defaultRegistry } from '@sgdiff/plugins';
import { sgd } from './support/cli.ts';
import { prepareKernelBackend } from '@sgdiff/core';

// Sessions built here compile for the solve option `backend`, `auto` by default (WebAssembly where
// the runtime has SIMD): Binaryen is loaded first, as `sgd run` does before `createSession`.
await prepareKernelBackend('auto');

const SEED = 3;

/** Least squares, n = 20, d = 4, θ = b ∈ R²⁰: x_T is affine in θ for a fixed sample path. */
const leastSquares = (solve: string): string => `dim n = 20
dim d = 4
data A : R[n, d] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[d] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
${solve}
`;

/** Ridge-regularized logistic regression, d = 3, with θ = (soft labels y, ridge weight λ): two param blocks. */
const logistic = (solve: string): string => `dim n = 20
dim d = 3
data A : R[n, d] ~ normal(0, 1)
param y : R[n] ~ uniform(-1, 1)
param lambda : R ~ uniform(0.5, 1)
var x : R[d] ~ normal(0, 0.1)
sample i ~ uniform(n)
minimize f(x, y, lambda; i) = softplus(-y[i] * (A[i] . x)) + 0.5 * lambda * norm2(x)
${solve}
`;

// Constant steps, so the schedule does not depend on θ (through μ, L) and finite differences
// differentiate exactly the map the trackers differentiate.
const SGD = 'solve sgd { iterations = 2000  step = 0.05  track = forward }';
const GD = 'solve gd { iterations = 2000  step = 1 / L  track = forward }';

const scratch = mkdtempSync(join(tmpdir(), 'sgd-tracking-'));
let files = 0;

/** Writes `source` to a fresh `.sgd` file and returns its path. */
function sgdFile(source: string): string {
  const path = join(scratch, `p${files++}.sgd`);
  writeFileSync(path, source);
  return path;
}

/** Loads `file` with `--set` flags as `sgd run` does and builds its session for {@link SEED}. */
function session(file: string, sets: readonly string[] = []): { session: RunSession; job: RunJob } {
  const registry = defaultRegistry();
  const loaded = loadProblem(file, registry, sets.map(parseOverride));
  const job: RunJob = { file, source: loaded.source, seed: SEED, plugins: [], logPoints: 10 };
  return { session: createSession(loaded.problem, registry, SEED, file), job };
}

/** Run 0 of `file` with `--set` flags. */
function run(file: string, sets: readonly string[] = []): RunResult {
  const built = session(file, sets);
  return executeRuns(built.session, built.job, [0])[0];
}

/**
 * ∂θx_T by central differences of the whole run, tangent-major. θ is perturbed in the
 * instance the kernels read, and the same seed replays the same samples.
 *
 * Step h = 1e-5: the error is O(h²)·|∂³x_T| from truncation (zero for least squares, where x_T
 * is affine in θ; about 1e-10 for logistic) plus O(ε_mach·|x_T|/h) ≈ 1e-11 from rounding,
 * both far below the 1e-7 tolerance; a larger h would let truncation in, a smaller one rounding.
 */
function finiteDifferenceJacobian(file: string, h = 1e-5): Float64Array {
  const { session: s, job } = session(file, ['solve.track=none']);
  const theta = s.kernels.instance.theta;
  const D = s.kernels.dimension;
  const out = new Float64Array(D * theta.length);
  const xAt = (p: number, value: number): Float64Array => {
    const saved = theta[p];
    theta[p] = value;
    const x = executeRuns(s, job, [0])[0].x;
    theta[p] = saved;
    return x;
  };
  for (let p = 0; p < theta.length; p++) {
    const plus = xAt(p, theta[p] + h);
    const minus = xAt(p, theta[p] - h);
    for (let j = 0; j < D; j++) out[p * D + j] = (plus[j] - minus[j]) / (2 * h);
  }
  return out;
}

/** max |a − b| / max |b|. */
function relativeError(a: Float64Array | undefined, b: Float64Array): number {
  if (!a || a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let j = 0; j < b.length; j++) {
    diff = Math.max(diff, Math.abs(a[j] - b[j]));
    scale = Math.max(scale, Math.abs(b[j]));
  }
  return diff / scale;
}

describe.each([
  ['least squares', leastSquares, true],
  ['logistic regression', logistic, false],
])('∂θx_T on %s', (_, problem, affine) => {
  it('SGD: forward = reverse (both checkpointings) to 1e-10, = central differences to 1e-7', () => {
    const file = sgdFile(problem(SGD));
    const forward = run(file);
    const reverse = run(file, ['solve.track=reverse']);
    const checkpointed = run(file, ['solve.track=reverse', 'solve.checkpoint=sqrt']);
    const J = forward.jacobian as Float64Array;
    expect(J.some((v) => v !== 0)).toBe(true);
    // Same seed, same samples: the trackers follow the same iterates.
    expect(reverse.x).toEqual(forward.x);
    expect(relativeError(reverse.jacobian, J)).toBeLessThan(1e-10);
    expect(relativeError(checkpointed.jacobian, J)).toBeLessThan(1e-10);
    // t = 2000 iterates stored without checkpoints; with them ⌈√t⌉ = 45 checkpoints plus one
    // replayed segment of 45 iterates at a time: 2⌈√t⌉, memory O(√t). Least squares is affine in
    // x: its adjoint step reads no iterate, so none is stored (only the sampled batches).
    expect(reverse.peakStoredStates).toBe(affine ? 0 : 2000);
    expect(checkpointed.peakStoredStates).toBe(affine ? 0 : 2 * Math.ceil(Math.sqrt(2000)));
    expect(relativeError(finiteDifferenceJacobian(file), J)).toBeLessThan(1e-7);
  });

  it('GD: forward = implicit (direct and cg) at convergence, and implicit = ∂θx* to 1e-8', () => {
    // The implicit Jacobian is ∂θx* evaluated at x_T: it equals the tracked one only once x_T = x*.
    const file = sgdFile(problem(GD));
    const forward = run(file);
    const implicit = run(file, ['solve.track=implicit']);
    const cg = run(file, ['solve.track=implicit', 'solve.linear_solver=cg']);
    const reference = exactReference(session(file).session);
    expect(relativeError(implicit.jacobian, reference.jacobian)).toBeLessThan(1e-8);
    expect(relativeError(cg.jacobian, reference.jacobian)).toBeLessThan(1e-8);
    expect(relativeError(forward.jacobian, implicit.jacobian as Float64Array)).toBeLessThan(1e-8);
  });
});

/** Runs `sgd` in process and captures its output. */

describe('sgd run', () => {
  it('GD on a strongly convex quadratic reaches x* and ∂θx* below 1e-10', async () => {
    const r = await sgd('run', sgdFile(leastSquares(GD)), '--seed', String(SEED), '--json');
    expect(r.code).toBe(0);
    const { final } = JSON.parse(r.out);
    expect(final.distance).toBeLessThan(1e-10);
    expect(final.jacobian_error).toBeLessThan(1e-10);
  });

  it('gives bit-identical Monte Carlo results with 1 and 2 workers', async () => {
    const file = sgdFile(logistic(SGD));
    const one = await sgd('run', file, '--runs', '4', '--workers', '1', '--json');
    const two = await sgd('run', file, '--runs', '4', '--workers', '2', '--json');
    expect(one.err + two.err).toBe('');
    expect(one.code).toBe(0);
    expect(JSON.parse(one.out).runs).toBe(4);
    expect(two.out).toBe(one.out);
  });

  it('stops a diverging run with exit code 2, names the iteration, the step and 2/L, and keeps the partial trace', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-diverge-')), 'out');
    const r = await sgd('run', sgdFile(leastSquares(GD)), '--set', 'solve.step=20 / L', '--set', 'solve.iterations=100000', '--out', out);
    expect(r.code).toBe(2);
    const match = /run 0 diverged at iteration (\d+): step (\S+), 2\/L = (\S+) \(partial trace in /.exec(r.err);
    expect(match).not.toBeNull();
    const [, iteration, step, twoOverL] = match as RegExpExecArray;
    expect(Number(iteration)).toBeGreaterThan(0);
    expect(Number(iteration)).toBeLessThan(100000);
    expect(Number(step) / Number(twoOverL)).toBeCloseTo(10, 2);
    expect(readdirSync(out).sort()).toEqual(['instance.json', 'manifest.json', 'result.json', 'trace.csv']);
    expect(readFileSync(join(out, 'trace.csv'), 'utf8')).toMatch(/^k,/);
  });

  it('reports μ, L, κ of F: the eigenvalues of AᵀA/n, in closed form for d = 2', async () => {
    const path = sgdFile(`dim n = 7
data A : R[n, 2] ~ normal(0, 1)
param theta : R[n] ~ normal(0, 1)
var x : R[2] = 0
sample i ~ uniform(n)
minimize f(x, theta; i) = 0.5 * (A[i] . x - theta[i])^2
solve gd { iterations = 5 }
`);
    const derived = JSON.parse((await sgd('derive', path, '--eval', '--seed', '4', '--json')).out);
    const A: number[][] = derived.instance.A;
    const [a, b, c] = [[0, 0], [0, 1], [1, 1]].map(([p, q]) => A.reduce((s, row) => s + row[p] * row[q], 0) / A.length);
    const [mid, radius] = [(a + c) / 2, Math.hypot((a - c) / 2, b)];
    const { reference } = JSON.parse((await sgd('run', path, '--seed', '4', '--json')).out);
    expect(reference.mu).toBeCloseTo(mid - radius, 13);
    expect(reference.L).toBeCloseTo(mid + radius, 13);
    expect(Math.abs(reference.kappa / ((mid + radius) / (mid - radius)) - 1)).toBeLessThan(1e-12);
  });

  it('trace.csv holds the mean and the 10%, 50%, 90% quantiles over the runs, at 0, T and log-spaced k', async () => {
    const file = sgdFile(leastSquares('solve sgd { iterations = 1000  step = 0.05  track = forward }\nreport every log 20 { distance, jacobian_error }'));
    const out = join(mkdtempSync(join(tmpdir(), 'sgd-bands-')), 'out');
    expect((await sgd('run', file, '--runs', '3', '--seed', String(SEED), '--out', out)).code).toBe(0);
    const [header, ...lines] = readFileSync(join(out, 'trace.csv'), 'utf8').trim().split('\n');
    const names = header.split(',');
    expect(names).toEqual(['k', 'distance', 'jacobian_error', ...['distance', 'jacobian_error'].flatMap((m) => [`${m}_q10`, `${m}_median`, `${m}_q90`])]);
    const rows = lines.map((l) => l.split(',').map(Number));
    const k = rows.map((r) => r[0]);
    expect(k[0]).toBe(0);
    expect(k[k.length - 1]).toBe(1000);
    // 20 log-spaced points over [1, 1000]: consecutive ratios about 1000^(1/19) ≈ 1.44 once k ≫ 1.
    for (let j = 1; j < k.length; j++) expect(k[j]).toBeGreaterThan(k[j - 1]);
    for (let j = 1; j < k.length; j++) if (k[j - 1] >= 20) expect(k[j] / k[j - 1]).toBeLessThan(1.5);
    // Each run alone, then the statistics recomputed here: linear interpolation between order statistics.
    const { session: s, job } = session(file);
    const perRun = [0, 1, 2].map((r) => executeRuns(s, { ...job, logPoints: 20 }, [r])[0].trace);
    const quantile = (sorted: number[], q: number): number => sorted[Math.floor(q * 2)] + (sorted[Math.ceil(q * 2)] - sorted[Math.floor(q * 2)]) * (q * 2 - Math.floor(q * 2));
    rows.forEach((row, j) => {
      expect(perRun[0].k[j]).toBe(row[0]);
      for (const metric of ['distance', 'jacobian_error']) {
        const values = perRun.map((t) => t.metrics[metric][j]).sort((a, b) => a - b);
        const cell = (name: string): number => row[names.indexOf(name)];
        expect(cell(metric)).toBeCloseTo((values[0] + values[1] + values[2]) / 3, 14);
        expect(cell(`${metric}_q10`)).toBeCloseTo(quantile(values, 0.1), 14);
        expect(cell(`${metric}_median`)).toBe(values[1]);
        expect(cell(`${metric}_q90`)).toBeCloseTo(quantile(values, 0.9), 14);
      }
    });
  });

  it('inexact_sgd: the perturbation moves x_t in proportion to its size and leaves ∂θx_t untouched on least squares', () => {
    // The perturbation e_k = σ_k z_k/√D depends on neither x nor θ, and the least-squares Hessian
    // rows do not depend on x: J_t is the same bits as SGD's (same sample stream); x_t moves by
    // a sum of the σ_k z_k, linear in the constant c of σ_k = c/(k + 1).
    const base = run(sgdFile(leastSquares('solve sgd { iterations = 500  step = 0.05  track = forward }')));
    const perturbed = (c: string): RunResult => run(sgdFile(leastSquares(`solve inexact_sgd { iterations = 500  step = 0.05  perturbation = ${c} / (k + 1)  track = forward }`)));
    const [big, small] = [perturbed('1'), perturbed('0.01')];
    const moved = (r: RunResult): number => Math.hypot(...r.x.map((v, j) => v - base.x[j]));
    expect(moved(big)).toBeGreaterThan(1e-5);
    expect(moved(big) / moved(small)).toBeCloseTo(100, 6);
    expect([...(big.jacobian as Float64Array)]).toEqual([...(base.jacobian as Float64Array)]);
  });

  it.each([1, 64])('finds x* = ln a for Σ exp(x) − a·x from far away (D = %i, chord steps from D = 64)', async (D) => {
    // From x₀ = −2 the first Newton step lands at 2e² − 3 ≈ 11.8, where the curvature is e^13.8 ≈ 1e6
    // times that at x₀: a step with the old Hessian would throw x to about −1e6.
    const r = await sgd('run', sgdFile(`var x : R[${D}] = -2
param a : R = 2
minimize f(x, a) = sum(exp(x) - a * x)
solve gd { iterations = 2 step = 1 / L }
`), '--json');
    expect(r.code).toBe(0);
    const { reference } = JSON.parse(r.out);
    expect(reference.certified).toBe(true);
    for (const v of reference.x.x) expect(Math.abs(v - Math.LN2)).toBeLessThan(1e-15);
    expect(Math.abs(reference.objective - D * (2 - 2 * Math.LN2))).toBeLessThan(1e-13 * D);
  });

  it('finds x* = θ for an objective scaled by 1e200 (squares of its gradient overflow) and for one scaled by 1e-200', async () => {
    for (const c of ['1e200', '1e-200']) {
      const r = await sgd('run', sgdFile(`var x : R[3] = 0
param t : R[3] ~ normal(0, 1)
const c = ${c}
minimize f(x, t) = c * 0.5 * norm2(x - t)
solve gd { iterations = 10 step = 1 / L }
`), '--json');
      expect(r.code).toBe(0);
      const result = JSON.parse(r.out);
      expect(result.reference.certified).toBe(true);
      // GD with step 1/L on c/2‖x − t‖² lands on t in one step, so x_t = θ (≠ x₀ = 0): the reference must agree.
      const theta: number[] = result.x.x;
      expect(Math.abs(theta[0])).toBeGreaterThan(1e-3);
      result.reference.x.x.forEach((v: number, j: number) => expect(Math.abs(v - theta[j])).toBeLessThan(1e-15));
    }
  });

  it('prints nothing on stdout when a run diverges with --json (stdout holds only JSON)', async () => {
    const r = await sgd('run', sgdFile(leastSquares(GD)), '--set', 'solve.step=20 / L', '--set', 'solve.iterations=100000', '--json');
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/diverged at iteration/);
  });

  describe('--out', () => {
    const file = sgdFile(leastSquares('solve sgd { iterations = 200  step = 0.05  track = forward }'));

    it('refuses an existing file and writes nothing', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sgd-out-'));
      const target = join(dir, 'taken');
      writeFileSync(target, 'keep');
      const r = await sgd('run', file, '--out', target);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`--out ${target}: error: a file with that name exists`);
      expect(readFileSync(target, 'utf8')).toBe('keep');
      expect(readdirSync(dir)).toEqual(['taken']);
    });

    it('refuses a non-empty directory', async () => {
      const target = mkdtempSync(join(tmpdir(), 'sgd-out-'));
      writeFileSync(join(target, 'other.txt'), '');
      const r = await sgd('run', file, '--out', target);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`--out ${target}: error:`);
      expect(readdirSync(target)).toEqual(['other.txt']);
    });

    it('refuses a parent it cannot write in', async () => {
      const r = await sgd('run', file, '--out', '/proc/x');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/^--out \/proc\/x: error: /);
      expect(existsSync('/proc/x')).toBe(false);
    });

    it('writes exactly the four documents and their manifest into a fresh directory', async () => {
      const parent = mkdtempSync(join(tmpdir(), 'sgd-out-'));
      const target = join(parent, 'results');
      mkdirSync(join(parent, 'unrelated'));
      const r = await sgd('run', file, '--out', target);
      expect(r.code).toBe(0);
      expect(readdirSync(parent).sort()).toEqual(['results', 'unrelated']); // no staging directory left behind
      expect(readdirSync(target).sort()).toEqual(['instance.json', 'manifest.json', 'plot.svg', 'result.json', 'trace.csv']);
      expect(readFileSync(join(target, 'trace.csv'), 'utf8')).toMatch(/^k,/);
      expect(readFileSync(join(target, 'plot.svg'), 'utf8')).toMatch(/^<svg/);
      const result = JSON.parse(readFileSync(join(target, 'result.json'), 'utf8'));
      expect(Object.keys(result)).toEqual(['iterations', 'runs', 'x', 'jacobian', 'reference', 'final', 'slopes']);
    });
  });

  describe('--set', () => {
    const file = sgdFile(leastSquares(SGD));

    it.each(['solve.iterations=0', 'solve.bogus=1', 'const.c=1', 'dim.n=0', 'theta.x=1'])('rejects %s, naming the flag', async (flag) => {
      const r = await sgd('run', file, '--set', flag);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`--set ${flag}`);
      expect(r.out).toBe('');
    });

    it('names the right flag when two added options are both unknown', async () => {
      const r = await sgd('run', file, '--set', 'solve.foo=1', '--set', 'solve.barbaz=2');
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/--set solve\.foo=1: error: [^\n]*'foo'/);
      expect(r.err).toMatch(/--set solve\.barbaz=2: error: [^\n]*'barbaz'/);
    });

    it('takes the last of repeated flags for one key', async () => {
      const r = await sgd('run', file, '--set', 'solve.iterations=10', '--set', 'solve.iterations=20', '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).iterations).toBe(20);
    });

    it('replaces the value of a const and of a dim', async () => {
      // F = ½ mean_i (x − c)² over n = 2 outcomes: x* = c whatever n.
      const withConst = sgdFile(`dim n = 2
const c = 1
var x : R = 0
sample i ~ uniform(n)
minimize f(x; i) = 0.5 * (x - c)^2
solve gd { iterations = 1 }
`);
      const out = join(mkdtempSync(join(tmpdir(), 'sgd-set-')), 'out');
      const r = await sgd('run', withConst, '--set', 'const.c=3 * 2', '--set', 'dim.n=5', '--out', out, '--json');
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).reference.x.x).toEqual([6]);
      const instance = JSON.parse(readFileSync(join(out, 'instance.json'), 'utf8'));
      expect([instance.n, instance.c]).toEqual([5, 6]);
      const bad = await sgd('run', withConst, '--set', 'const.c=1 / 0');
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^--set const\.c=1 \/ 0: error: /);
    });
  });
});
