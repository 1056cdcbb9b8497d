/**
 * `sgd run` and `sgd check` on entropic OT problems, against this file's plain Sinkhorn loops
 * (test/support/plain-sinkhorn.ts), never the engine:
 *
 * - `tolerance`: the run stops at the first step whose marginal violation is within it — the
 *   step count is the one at which the plain log-domain loop first reaches the tolerance, the
 *   iterate is that loop's, the trace ends there, result.json says why; forward and reverse
 *   Jacobians still agree at the early stop.
 * - the certified Sinkhorn reference (reference = automatic): x* is the scaling-domain Sinkhorn's
 *   balanced potentials (1e-8), F* its dual minimum (1e-10), g* = ∇_a ℓ its potential f, for one
 *   problem and for a batch of N (the mean of the rows' f); ∇_X ℓ against central differences.
 * - bad input: `sgd check` reports every error `sgd run` reports, at `file:line:col`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { OtProblem } from '@sgdiff/plugins';
import { sgd, sgdFile } from './support/cli.ts';
import { cost, logSinkhorn, maxDiff, planViolation, scalingSinkhorn } from './support/plain-sinkhorn.ts';

const GRID = readFileSync('examples/optimal-transport/wasserstein-grid.sgd', 'utf8');
const BARYCENTER = readFileSync('examples/optimal-transport/barycenter.sgd', 'utf8');

/** `text` with each `from` replaced by `to` (each must occur). */
function edited(text: string, edits: Array<[string, string]>): string {
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`no '${from}' to replace`);
    text = text.replace(from, to);
  }
  return text;
}

type Json = Record<string, never>;

/** `sgd run FILE ARGS --out DIR`, expected to succeed: result.json, instance.json and the trace's k column. */
async function run(text: string, ...args: string[]): Promise<{ result: Json; instance: Json; k: number[] }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'sgd-ot-run-')), 'out');
  const outcome = await sgd('run', sgdFile(text, 'sgd-ot-run-'), ...args, '--out', dir);
  expect(outcome.code, outcome.err).toBe(0);
  const read = (name: string): Json => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Json;
  const k = readFileSync(join(dir, 'trace.csv'), 'utf8').trim().split('\n').slice(1).map((row) => Number(row.split(',')[0]));
  return { result: read('result.json'), instance: read('instance.json'), k };
}

const flat = (v: unknown): Float64Array => Float64Array.from((v as number[] | number[][]).flat());

/** The OT problem of a run's instance.json (histograms a, b or row `row` of a matrix b, cost C, ε). */
function otOf(instance: Json, row?: number): OtProblem {
  const b = row === undefined ? flat(instance.b) : Float64Array.from((instance.b as unknown as number[][])[row]);
  return { a: flat(instance.a), b, cost: flat(instance.C), epsilon: instance.eps as unknown as number };
}

/** The grid example without its upper objective (the run then tracks the Jacobian itself). */
const LOWER_ONLY = edited(GRID, [
  ['outer value\n', ''],
  ['  estimator = analytic, automatic, implicit\n', ''],
  ['report every log 60 { marginal_violation, hypergradient_error, simplex_hypergradient_error }', 'report { marginal_violation }'],
]);

describe('solve sinkhorn { tolerance }: the run stops at the first step within it', () => {
  it('stops where the plain log-domain loop first reaches 1e-10, with that iterate, the trace ending there, and says so', async () => {
    const tolerance = 1e-10;
    const { result, instance, k } = await run(LOWER_ONLY, '--set', `solve.tolerance=${tolerance}`);
    const stop = result.stop as unknown as { reason: string; iteration: number; quantity: string; tolerance: number; value: number };
    const problem = otOf(instance);
    // The step count found independently: the first t whose iterate's violation is ≤ the tolerance.
    let first = 1;
    while (planViolation(problem, logSinkhorn(problem, first)) > tolerance) first++;
    expect(first).toBeLessThan(60);
    expect(stop).toMatchObject({ reason: 'tolerance', iteration: first, quantity: 'marginal_violation', tolerance });
    expect(stop.value).toBeLessThanOrEqual(tolerance);
    // The measure is the violation of that iterate (different summation order: relative 1e-6).
    expect(Math.abs(stop.value - planViolation(problem, logSinkhorn(problem, first)))).toBeLessThanOrEqual(1e-6 * tolerance);
    expect(result.iterations).toBe(first);
    expect(k[k.length - 1]).toBe(first);
    const x = result.x as unknown as { f: number[]; g: number[] };
    expect(maxDiff(Float64Array.of(...x.f, ...x.g), logSinkhorn(problem, first))).toBeLessThanOrEqual(1e-12);
  }, 120_000);

  it('reports reason = iterations when the tolerance is not reached, and no stop block without a tolerance', async () => {
    const tight = await run(LOWER_ONLY, '--set', 'solve.tolerance=1e-300', '--set', 'solve.iterations=12');
    expect(tight.result.stop).toMatchObject({ reason: 'iterations', iteration: 12 });
    const plain = await run(LOWER_ONLY, '--set', 'solve.iterations=12');
    expect(plain.result.stop).toBeUndefined();
  }, 120_000);

  it('forward and reverse tracking give the same Jacobian at the early stop (the tape ends there)', async () => {
    const args = ['--set', 'solve.tolerance=1e-6'];
    const forward = await run(LOWER_ONLY, ...args, '--set', 'solve.track=forward');
    const reverse = await run(LOWER_ONLY, ...args, '--set', 'solve.track=reverse');
    expect(forward.result.iterations).toBe(reverse.result.iterations);
    expect(forward.result.iterations).toBeLessThan(60);
    const rows = (r: Json): Float64Array => flat([...(r.jacobian as unknown as Record<string, { a: number[][] }>).f.a, ...(r.jacobian as unknown as Record<string, { a: number[][] }>).g.a]);
    const jf = rows(forward.result);
    const scale = jf.reduce((s, v) => Math.max(s, Math.abs(v)), 0);
    expect(maxDiff(jf, rows(reverse.result))).toBeLessThanOrEqual(1e-10 * scale);
  }, 120_000);
});

describe('the certified Sinkhorn reference in sgd run (reference = automatic)', () => {
  it('one problem: x*, F* and g* = ∇_a ℓ equal the scaling-domain Sinkhorn; reference = exact is still Newton', async () => {
    const { result, instance } = await run(GRID, '--set', 'solve.iterations=5');
    const reference = result.reference as unknown as {
      mode: string;
      solver: string;
      certified: boolean;
      x: { f: number[]; g: number[] };
      objective: number;
      hypergradient: { a: number[] };
      certificate: Record<string, number>;
    };
    expect(reference).toMatchObject({ mode: 'solver', solver: 'sinkhorn', certified: true });
    expect(reference.certificate.marginal_violation).toBeLessThanOrEqual(1e-13);
    const plain = scalingSinkhorn(otOf(instance));
    expect(maxDiff(reference.x.f, plain.f)).toBeLessThanOrEqual(1e-8);
    expect(maxDiff(reference.x.g, plain.g)).toBeLessThanOrEqual(1e-8);
    expect(Math.abs(reference.objective - plain.value)).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(reference.certificate.transport_cost - plain.transportCost)).toBeLessThanOrEqual(1e-10);
    // ∇_a ℓ = f, the balanced potential (envelope theorem).
    expect(maxDiff(reference.hypergradient.a, plain.f)).toBeLessThanOrEqual(1e-8);
    const exact = await run(GRID, '--set', 'solve.iterations=5', '--set', 'solve.reference=exact');
    expect((exact.result.reference as unknown as { mode?: string; jacobian: unknown }).mode).toBeUndefined();
    expect((exact.result.reference as unknown as { jacobian: unknown }).jacobian).toBeDefined();
  }, 120_000);

  it('a batch of N problems: x* row by row, F* the mean, g* = mean_k f_k', async () => {
    const lower = edited(BARYCENTER, [
      ['  reference = none\n', ''],
      ['outer_solve mirror_ascent {\n  iterations = 30\n  step = 2\n}\n', ''],
    ]);
    const { result, instance } = await run(lower, '--set', 'solve.iterations=3');
    const reference = result.reference as unknown as { mode: string; x: { f: number[]; g: number[] }; objective: number; hypergradient: { a: number[] }; certified: boolean };
    expect(reference).toMatchObject({ mode: 'solver', certified: true });
    const rows = (instance.b as unknown as number[][]).map((_, k) => scalingSinkhorn(otOf(instance, k)));
    const N = rows.length;
    // Entries flattened row-major: row k of f : R[N, 50] at k·50.
    expect(reference.x.f).toHaveLength(N * 50);
    rows.forEach((plain, k) => {
      expect(maxDiff(reference.x.f.slice(k * 50, (k + 1) * 50), plain.f)).toBeLessThanOrEqual(1e-8);
      expect(maxDiff(reference.x.g.slice(k * 50, (k + 1) * 50), plain.g)).toBeLessThanOrEqual(1e-8);
    });
    expect(Math.abs(reference.objective - rows.reduce((s, r) => s + r.value, 0) / N)).toBeLessThanOrEqual(1e-10);
    const meanF = rows[0].f.map((_, i) => rows.reduce((s, r) => s + r.f[i], 0) / N);
    expect(maxDiff(reference.hypergradient.a, meanF)).toBeLessThanOrEqual(1e-8);
  }, 120_000);

  it('X as the param: g* = ∇_X ℓ against central differences of the scaling-domain dual minimum', async () => {
    const source = `dim n = 6
dim m = 5
const eps = 0.1
param X : R[n, 1] ~ uniform(0, 1)
data Y : R[m, 1] ~ uniform(0, 1)
data a : R[n] = 1 / n
data b : R[m] = 1 / m
var f : R[n] = 0
var g : R[m] = 0
minimize L(f, g, X) = f . a + g . b + eps * exp(logsumexp(-(f[:, None] + g[None, :] + sqdist(X, Y)) / eps))
outer value
solve sinkhorn { iterations = 5  estimator = analytic }
`;
    const { result, instance } = await run(source);
    const reference = result.reference as unknown as { mode: string; hypergradient: { X: number[][] } };
    expect(reference.mode).toBe('solver');
    const X = flat(instance.X);
    const Y = flat(instance.Y);
    const value = (Xs: Float64Array): number => scalingSinkhorn({ a: new Float64Array(6).fill(1 / 6), b: new Float64Array(5).fill(1 / 5), cost: cost(Xs, Y), epsilon: 0.1 }).value;
    const h = 1e-5;
    const gradient = flat(reference.hypergradient.X);
    for (let i = 0; i < 6; i++) {
      const [plus, minus] = [Float64Array.from(X), Float64Array.from(X)];
      plus[i] += h;
      minus[i] -= h;
      // O(h²) truncation with third derivatives of size ~1/ε²: well under 1e-6.
      expect(Math.abs(gradient[i] - (value(plus) - value(minus)) / (2 * h))).toBeLessThanOrEqual(1e-6);
    }
  }, 120_000);
});

describe('bad input to an OT problem: sgd check reports every error sgd run reports, positioned', () => {
  /** The `file:line:col: error:` lines of an outcome's stderr, with the file name dropped. */
  const errors = (err: string): string[] =>
    err
      .split('\n')
      .filter((l) => / error: /.test(l))
      .map((l) => l.replace(/^.*?p\.sgd:/, ''))
      .sort();

  const cases: Array<[string, Array<[string, string]>, RegExp[]]> = [
    [
      'off the simplex, negative, ε ≤ 0',
      [
        ['param a : R[n] = ahat / sum(ahat)', 'param a : R[n] = ahat'],
        ['const eps = 0.1', 'const eps = -0.1'],
        ['data b : R[m] = bhat / sum(bhat)', 'data b : R[m] = (bhat - 0.5) / sum(bhat - 0.5)'],
      ],
      [
        /^14:7: error: solve sinkhorn: const 'eps' must be positive; it is -0\.1$/,
        /^20:7: error: solve sinkhorn: param 'a' must sum to 1 within 1e-9 \(the dual is unbounded otherwise\); its entries sum to \d/,
        /^21:6: error: solve sinkhorn: data 'b' must be a histogram with positive entries \(log b is taken\); entry \d+ is -/,
      ],
    ],
    [
      'a cost of the wrong size (declared, while the objective builds its own)',
      [
        ['data C : R[n, m] = sqdist(X, Y)', 'data C : R[m, n] = sqdist(Y, X)'],
        ['+ C) / eps', '+ sqdist(X, Y)) / eps'],
      ],
      [/^17:6: error: solve sinkhorn: the cost is \[30, 100\] but the histograms 'a' have 100 and 'b' 30 entries$/],
    ],
    [
      'a missing eps',
      [
        ['const eps = 0.1', 'const epsilon = 0.1'],
        ['eps * exp', 'epsilon * exp'],
        ['C) / eps))', 'C) / epsilon))'],
      ],
      [/^28:7: error: solve sinkhorn: reads the entropic dual's inputs by name; this problem lacks 'eps' \(a const or a scalar data or param\)$/],
    ],
  ];

  for (const [name, edits, expected] of cases) {
    it(name, async () => {
      const file = sgdFile(edited(GRID, [...edits, ['  iterations = 60', '  iterations = 2']]), 'sgd-ot-bad-');
      const check = await sgd('check', file);
      const run = await sgd('run', file);
      expect(check.code).toBe(1);
      expect(run.code).toBe(1);
      expect(errors(check.err)).toEqual(errors(run.err));
      const found = errors(check.err);
      expect(found).toHaveLength(expected.length);
      for (const pattern of expected) expect(found.some((line) => pattern.test(line)), `${pattern} in\n${found.join('\n')}`).toBe(true);
      expect(check.err + run.err).not.toMatch(/internal error|at .*\.ts:\d+/);
    }, 120_000);
  }
});
