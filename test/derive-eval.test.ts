/**
 * End to end: `sgd derive FILE --eval --seed N --json` on the problems of examples/eval,
 * checked against an independent oracle. Each problem's objective is written again below as
 * a plain TS function over hyper-dual numbers, fed the instance numbers the CLI printed, and
 * its exact first and second derivatives are compared with the CLI's entry by entry.
 *
 * Agreement criterion (entrywise, for every number of every block):
 *   |actual − expected| ≤ 1e-9 · max(1, |expected|)
 * i.e. absolute below 1 and relative above. A null (NaN or ±∞ in the kernel) never agrees.
 *
 * Set SGD_TEST_REPORT=1 to print the worst error of each problem and quantity.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type Evaluation, type JsonTensor } from '@sgdiff/cli';
import { add, div, exp, HD, log, log1p, mul, neg, pow, sigmoid, softplus, sqrt, sub, tanh } from './reference/hyperdual.ts';
import { dot, logsumexp, map, matvec, mean, namedDerivatives, norm2, reshape, sum, vecmat, zip, type NamedDerivatives } from './reference/reference.ts';
import { SGD_FROM_SOURCES } from './support/cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TOLERANCE = 1e-9;
const SEEDS = [7, 8] as const;

// ---------------------------------------------------------------------------------------------
// Reading the instance printed by the CLI.

type Instance = Record<string, JsonTensor>;
type Vars = Record<string, HD[]>;

function num(I: Instance, name: string): number {
  const v = I[name];
  if (typeof v !== 'number') throw new Error(`instance.${name} is not a number`);
  return v;
}

function vec(I: Instance, name: string): number[] {
  const v = I[name];
  if (!Array.isArray(v) || v.some((t) => typeof t !== 'number')) throw new Error(`instance.${name} is not a vector`);
  return v as number[];
}

function mat(I: Instance, name: string): number[][] {
  const v = I[name];
  if (!Array.isArray(v) || v.some((row) => !Array.isArray(row))) throw new Error(`instance.${name} is not a matrix`);
  return v as number[][];
}

/** The shape of a JSON tensor: [] for a number, [n] for a list, [n, d] for a list of rows. */
function shapeOf(t: JsonTensor): number[] {
  if (typeof t === 'number') return [];
  if (t.length > 0 && Array.isArray(t[0])) {
    const cols = (t[0] as number[]).length;
    if (!(t as unknown[]).every((row) => Array.isArray(row) && row.length === cols)) throw new Error('ragged matrix');
    return [t.length, cols];
  }
  return [t.length];
}

function flat(t: JsonTensor): number[] {
  return typeof t === 'number' ? [t] : (t as (number | number[])[]).flat();
}

// ---------------------------------------------------------------------------------------------
// The problems, each with its objective written again by hand.

interface EvalProblem {
  /** The .sgd file, relative to the repository root. */
  readonly file: string;
  /** Every name `instance` must hold, with its shape ([] for dims, consts and scalars). */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** Dims and consts with the value the file gives them. */
  readonly values: Readonly<Record<string, number>>;
  /** Tensors drawn from a distribution: these must change with the seed. */
  readonly drawn: readonly string[];
  /** The vars, as listed in the objective. */
  readonly vars: readonly string[];
  /** The params, as listed in the objective. */
  readonly params: readonly string[];
  /** F(x, θ) over hyper-dual numbers, with data and consts taken from the printed instance. */
  readonly objective: (I: Instance) => (x: Vars, theta: Vars) => HD;
}

const square = (t: HD | number): HD => pow(t, 2);

const PROBLEMS: readonly EvalProblem[] = [
  {
    file: 'examples/eval/ridge.sgd',
    shapes: { n: [], d: [], lambda: [], A: [6, 4], theta: [6], x: [4] },
    values: { n: 6, d: 4, lambda: 0.1 },
    drawn: ['A', 'theta'],
    vars: ['x'],
    params: ['theta'],
    objective: (I) => {
      const [A, lambda] = [mat(I, 'A'), num(I, 'lambda')];
      // 0.5 * (A[i] . x - theta[i])^2 + lambda * norm2(x)
      return ({ x }, { theta }) => mean(num(I, 'n'), (i) => add(mul(0.5, square(sub(dot(A[i], x), theta[i]))), mul(lambda, norm2(x))));
    },
  },
  {
    file: 'examples/eval/logistic.sgd',
    shapes: { n: [], d: [], A: [8, 5], y: [8], lambda: [], x: [5] },
    values: { n: 8, d: 5 },
    drawn: ['A', 'y', 'lambda', 'x'],
    vars: ['x'],
    params: ['lambda'],
    objective: (I) => {
      const [A, y] = [mat(I, 'A'), vec(I, 'y')];
      // softplus(-y[i] * (A[i] . x)) + lambda * norm2(x)
      return ({ x }, { lambda: [lambda] }) => mean(num(I, 'n'), (i) => add(softplus(mul(neg(y[i]), dot(A[i], x))), mul(lambda, norm2(x))));
    },
  },
  {
    file: 'examples/eval/softmax.sgd',
    shapes: { n: [], d: [], k: [], A: [5, 3], Y: [5, 4], b: [4], W: [4, 3] },
    values: { n: 5, d: 3, k: 4 },
    drawn: ['A', 'Y', 'b', 'W'],
    vars: ['W'],
    params: ['b'],
    objective: (I) => {
      const [A, Y] = [mat(I, 'A'), mat(I, 'Y')];
      const [k, d] = [num(I, 'k'), num(I, 'd')];
      // logsumexp(W @ A[i] + b) - (Y[i] . (W @ A[i] + b)) / sum(Y[i]) + 0.01 * (W . W) + 0.1 * tanh(W[1][2])
      return ({ W }, { b }) =>
        mean(num(I, 'n'), (i) => {
          const z = zip(matvec(reshape(W, k), A[i]), b, add);
          const loss = sub(logsumexp(z), div(dot(Y[i], z), sum(Y[i])));
          // W arrives flat (row-major), so the Frobenius product is a flat dot and W[1][2] is entry 1·d + 2.
          return add(loss, add(mul(0.01, dot(W, W)), mul(0.1, tanh(W[1 * d + 2]))));
        });
    },
  },
  {
    file: 'examples/eval/kitchen-sink.sgd',
    shapes: { d: [], c: [], w: [], u: [4], theta: [], x: [4], s: [] },
    values: { d: 4, c: 0.5, w: 2 },
    drawn: ['u', 'theta', 'x'],
    vars: ['x', 's'],
    params: ['theta'],
    objective: (I) => {
      const [c, w, u] = [num(I, 'c'), num(I, 'w'), vec(I, 'u')];
      return ({ x, s: [s] }, { theta: [theta] }) => {
        const terms = [
          sum(map(map(zip(c, x, mul), exp), (t) => pow(t, theta))), //  sum(exp(c * x)^theta)
          sqrt(add(1, norm2(zip(x, u, sub)))), //                        sqrt(1 + norm2(x - u))
          div(sum(map(zip(u, map(x, square), add), (t) => pow(t, 1.5))), w), // sum((u + x^2)^1.5) / w
          log(add(2, tanh(x[0]))), //                                    log(2 + tanh(x[0]))
          sum(map(map(x, square), log1p)), //                            sum(log1p(x^2))
          sum(map(zip(zip(u, x, mul), theta, sub), sigmoid)), //         sum(sigmoid(u * x - theta))
          neg(tanh(mul(square(theta), x[1]))), //                        - tanh(theta^2 * x[1])
          div(sub(x[2], x[3]), add(2, dot(x, x))), //                    (x[2] - x[3]) / (2 + x . x)
          div(square(s), 2), //                                          s^2 / 2
          neg(log1p(mul(s, theta))), //                                  - log1p(s * theta)
          mul(s, x[0]), //                                               s * x[0]
        ];
        return sum(terms);
      };
    },
  },
  {
    file: 'examples/eval/two-blocks.sgd',
    shapes: { m: [], d: [], B: [3, 4], theta: [3], gamma: [], x: [4], z: [3] },
    values: { m: 3, d: 4 },
    drawn: ['B', 'theta', 'gamma', 'x'],
    vars: ['x', 'z'],
    params: ['theta', 'gamma'],
    objective: (I) => {
      const B = mat(I, 'B');
      return ({ x, z }, { theta, gamma: [gamma] }) =>
        sum([
          mul(0.5, norm2(zip(matvec(B, x), theta, sub))), //  0.5 * norm2(B @ x - theta)
          mul(gamma, sum(map(zip(vecmat(z, B), x, mul), softplus))), // gamma * sum(softplus((z @ B) * x))
          mul(mul(0.5, gamma), norm2(z)), //                 0.5 * gamma * norm2(z)
          sum(map(zip(z, theta, mul), tanh)), //             sum(tanh(z * theta))
        ]);
    },
  },
];

// ---------------------------------------------------------------------------------------------
// Running the CLI and comparing.

/** Runs `sgd` in process; returns the exit code and everything written to each stream. */
async function sgd(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t + '\n'), err: (t) => err.push(t + '\n') });
  return { code, out: out.join(''), err: err.join('') };
}

const evaluations = new Map<string, Promise<string>>();

/** The stdout of `sgd derive FILE --eval --seed N --json`, run once per file and seed. */
function deriveEval(file: string, seed: number): Promise<string> {
  const key = `${file}@${seed}`;
  let run = evaluations.get(key);
  if (!run) {
    run = sgd(['derive', join(ROOT, file), '--eval', '--seed', String(seed), '--json']).then(({ code, out, err }) => {
      if (code !== 0) throw new Error(`sgd exited with ${code}: ${err}`);
      return out;
    });
    evaluations.set(key, run);
  }
  return run;
}

/** The worst entry of a comparison under the criterion of this file. */
interface Worst {
  /** max over entries of |actual − expected| / max(1, |expected|). */
  readonly error: number;
  readonly at: string;
  readonly actual: unknown;
  readonly expected: number;
}

/** Compares two nested number structures of the same shape (objects by key, arrays by index). */
function worstEntry(actual: unknown, expected: unknown, at = ''): Worst {
  if (typeof expected === 'number') {
    const error = typeof actual === 'number' ? Math.abs(actual - expected) / Math.max(1, Math.abs(expected)) : Infinity;
    return { error: Number.isNaN(error) ? Infinity : error, at, actual, expected };
  }
  if (typeof expected !== 'object' || expected === null) return { error: Infinity, at, actual, expected: NaN };
  const keys = Object.keys(expected);
  if (typeof actual !== 'object' || actual === null || Object.keys(actual).length !== keys.length) {
    return { error: Infinity, at: `${at} (shape)`, actual, expected: NaN };
  }
  let worst: Worst = { error: 0, at, actual: undefined, expected: 0 };
  for (const k of keys) {
    const w = worstEntry((actual as Record<string, unknown>)[k], (expected as Record<string, unknown>)[k], `${at}[${k}]`);
    if (w.error > worst.error) worst = w;
  }
  return worst;
}

function describeWorst(w: Worst): string {
  return `worst entry ${w.at}: actual ${JSON.stringify(w.actual)}, expected ${w.expected}, error ${w.error}`;
}

/** The reference derivatives for a printed evaluation. */
function reference(problem: EvalProblem, evaluation: Evaluation): NamedDerivatives {
  const I = evaluation.instance;
  const named = (names: readonly string[]) => names.map((name) => ({ name, values: flat(I[name]) }));
  return namedDerivatives(problem.objective(I), named(problem.vars), named(problem.params));
}

const measured: Record<string, Record<string, number>> = {};

function record(file: string, quantity: string, error: number): void {
  (measured[file] ??= {})[quantity] = Math.max(measured[file]?.[quantity] ?? 0, error);
}

afterAll(() => {
  if (!process.env.SGD_TEST_REPORT) return;
  const rows = Object.entries(measured).map(([file, errors]) => ({ file, ...Object.fromEntries(Object.entries(errors).map(([q, e]) => [q, e.toExponential(2)])) }));
  console.table(rows);
});

// ---------------------------------------------------------------------------------------------
// The tests.

describe.each(PROBLEMS)('sgd derive --eval on $file', (problem) => {
  const parsed = async (seed: number): Promise<Evaluation> => JSON.parse(await deriveEval(problem.file, seed)) as Evaluation;

  it('lists every dim, const, data, param and var in the instance, with its shape', async () => {
    const { instance } = await parsed(7);
    expect(Object.keys(instance).sort()).toEqual(Object.keys(problem.shapes).sort());
    for (const [name, shape] of Object.entries(problem.shapes)) expect(shapeOf(instance[name]), name).toEqual(shape);
    for (const [name, value] of Object.entries(problem.values)) expect(instance[name], name).toBe(value);
  });

  it('prints one block per var in gradient and hessian, and one per var and param in cross', async () => {
    const { gradient, hessian, cross, instance } = await parsed(7);
    expect(Object.keys(gradient).sort()).toEqual([...problem.vars].sort());
    expect(Object.keys(hessian).sort()).toEqual([...problem.vars].sort());
    for (const v of problem.vars) {
      const size = flat(instance[v]).length;
      expect(gradient[v]).toHaveLength(size);
      expect(shapeOf(hessian[v])).toEqual([size, size]);
      expect(Object.keys(cross[v]).sort()).toEqual([...problem.params].sort());
      for (const p of problem.params) expect(shapeOf(cross[v][p]), `cross.${v}.${p}`).toEqual([size, flat(instance[p]).length]);
    }
  });

  const quantities = ['objective', 'gradient', 'hessian', 'cross'] as const;
  it.each(quantities)('computes the %s the hyper-dual reference computes', async (quantity) => {
    for (const seed of SEEDS) {
      const evaluation = await parsed(seed);
      const worst = worstEntry(evaluation[quantity], reference(problem, evaluation)[quantity]);
      record(problem.file, quantity, worst.error);
      expect(worst.error, `seed ${seed}, ${quantity}: ${describeWorst(worst)}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('prints symmetric Hessian blocks', async () => {
    const { hessian } = await parsed(7);
    for (const [name, H] of Object.entries(hessian)) {
      const transposed = H.map((row, r) => row.map((_, c) => H[c][r]));
      const worst = worstEntry(H, transposed);
      expect(worst.error, `hessian.${name}: ${describeWorst(worst)}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('prints the same bits for the same seed, and different draws for another', async () => {
    // JSON.stringify prints the shortest decimal that round-trips, so equal text is equal bits.
    const again = await sgd(['derive', join(ROOT, problem.file), '--eval', '--seed', '7', '--json']);
    expect(again.out).toBe(await deriveEval(problem.file, 7));
    const [a, b] = [await parsed(7), await parsed(8)];
    for (const name of problem.drawn) expect(flat(b.instance[name]), name).not.toEqual(flat(a.instance[name]));
    for (const name of Object.keys(problem.values)) expect(b.instance[name], name).toBe(a.instance[name]);
  });
});

describe('sgd as a subprocess', () => {
  it('prints only the JSON on stdout and exits with 0', async () => {
    const file = 'examples/eval/ridge.sgd';
    const child = spawnSync(process.execPath, [SGD_FROM_SOURCES, 'derive', file, '--eval', '--seed', '7', '--json'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout.endsWith('\n')).toBe(true);
    const document = JSON.parse(child.stdout) as Evaluation;
    // Nothing but the one line of JSON: re-serializing gives back stdout exactly.
    expect(child.stdout).toBe(JSON.stringify(document) + '\n');
    // The same document as the in-process run (given the path relative to the root here).
    expect(child.stdout).toBe(await deriveEval(file, 7));
  });
});

// ---------------------------------------------------------------------------------------------
// The oracle checks itself on closed forms, so that a failure above points at sgdiff.

describe('the hyper-dual reference', () => {
  const close = (actual: number, expected: number) => expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-13 * Math.max(1, Math.abs(expected)));

  it.each([
    ['exp', exp, Math.exp, Math.exp, Math.exp, 0.7],
    ['log', log, Math.log, (t: number) => 1 / t, (t: number) => -1 / t ** 2, 1.9],
    ['log1p', log1p, Math.log1p, (t: number) => 1 / (1 + t), (t: number) => -1 / (1 + t) ** 2, 0.3],
    ['sqrt', sqrt, Math.sqrt, (t: number) => 0.5 / Math.sqrt(t), (t: number) => -0.25 * t ** -1.5, 2.2],
    ['tanh', tanh, Math.tanh, (t: number) => 1 / Math.cosh(t) ** 2, (t: number) => (-2 * Math.tanh(t)) / Math.cosh(t) ** 2, -0.4],
    ['sigmoid', sigmoid, (t: number) => 1 / (1 + Math.exp(-t)), (t: number) => Math.exp(-t) / (1 + Math.exp(-t)) ** 2, (t: number) => (Math.exp(-2 * t) - Math.exp(-t)) / (1 + Math.exp(-t)) ** 3, 0.8],
    ['softplus', softplus, (t: number) => Math.log(1 + Math.exp(t)), (t: number) => 1 / (1 + Math.exp(-t)), (t: number) => Math.exp(-t) / (1 + Math.exp(-t)) ** 2, -1.3],
    ['pow 1.5', (a: HD) => pow(a, 1.5), (t: number) => t ** 1.5, (t: number) => 1.5 * t ** 0.5, (t: number) => 0.75 * t ** -0.5, 1.7],
    ['pow 2 at 0', square, (t: number) => t * t, (t: number) => 2 * t, () => 2, 0],
  ] as const)('differentiates %s exactly', (_name, g, g0, g1, g2, t) => {
    const y = (g as (a: HD) => HD)(new HD(t, 1, 1, 0));
    close(y.re, g0(t));
    close(y.e1, g1(t));
    close(y.e2, g1(t));
    close(y.e12, g2(t));
  });

  it('differentiates a hyper-dual exponent: ∂²(a^b)/∂a∂b = a^(b−1)(1 + b log a)', () => {
    const [a, b] = [1.3, 0.6];
    const y = pow(new HD(a, 1, 0, 0), new HD(b, 0, 1, 0));
    close(y.e1, b * a ** (b - 1));
    close(y.e2, a ** b * Math.log(a));
    close(y.e12, a ** (b - 1) * (1 + b * Math.log(a)));
  });

  it('evaluates softplus, sigmoid and logsumexp without overflow', () => {
    expect(softplus(new HD(800)).re).toBe(800);
    expect(softplus(new HD(-800)).re).toBe(0);
    expect(sigmoid(new HD(-800)).re).toBe(0);
    close(logsumexp([800, 800]).re, 800 + Math.log(2));
  });

  it('assembles gradient, Hessian and cross blocks by name', () => {
    // F = x₀² y + x₁ θ₀ + y² θ₁²: every block has a known closed form.
    const d = namedDerivatives(
      ({ x, y: [y] }, { t }) => add(add(mul(square(x[0]), y), mul(x[1], t[0])), mul(square(y), square(t[1]))),
      [
        { name: 'x', values: [2, 3] },
        { name: 'y', values: [5] },
      ],
      [{ name: 't', values: [7, 11] }],
    );
    expect(d.objective).toBe(4 * 5 + 3 * 7 + 25 * 121);
    expect(d.gradient).toEqual({ x: [2 * 2 * 5, 7], y: [4 + 2 * 5 * 121] });
    expect(d.hessian).toEqual({ x: [[10, 0], [0, 0]], y: [[2 * 121]] });
    expect(d.fullHessian[0][2]).toBe(4);
    expect(d.cross).toEqual({ x: { t: [[0, 0], [1, 0]] }, y: { t: [[0, 2 * 2 * 5 * 11]] } });
  });
});
